# crossreg — the two commands a newcomer needs: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
SEED ?= 2021
ENTITIES ?= 20000
HOST ?= 127.0.0.1:8000
JOBS ?= auto

.PHONY: install demo serve worker test test-browser bench bench-quick lint typecheck openapi messages check clean

$(VENV)/.synced: pyproject.toml uv.lock
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --disable-pip-version-check uv==$(UV_VERSION)
	VIRTUAL_ENV=$(CURDIR)/$(VENV) $(BIN)/uv sync --frozen --active --inexact
	@touch $@

install: $(VENV)/.synced

demo: install  ## set up the synthetic Yancheng on SQLite and serve it at http://$(HOST)
	$(BIN)/crossreg migrate --noinput
	$(BIN)/crossreg seed --seed $(SEED) --entities $(ENTITIES) --if-empty
	$(BIN)/crossreg demo_setup --seed $(SEED)
	@# the background-job worker runs beside the server and stops with it
	$(BIN)/crossreg worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/crossreg runserver $(HOST)

serve: install  ## the production server: gunicorn + whitenoise (set CROSSREG_DEBUG=false, CROSSREG_SECRET_KEY, DATABASE_URL; docs/deployment.md)
	$(BIN)/crossreg collectstatic --noinput -v 0
	$(BIN)/crossreg check --deploy --fail-level WARNING
	$(BIN)/gunicorn config.wsgi:application -c config/gunicorn.conf.py

worker: install  ## the background-job worker alone (make demo starts one)
	$(BIN)/crossreg worker

test: install  ## the whole test suite (SQLite unless DATABASE_URL is set); browser tests need /usr/bin/chromium
	$(BIN)/pytest -n $(JOBS) --dist loadfile

test-browser: install
	$(BIN)/pytest -m browser

bench: install  ## print benchmark figures (see benchmarks/README.md for sizes)
	$(BIN)/python -m benchmarks

bench-quick: install  ## the same benchmarks at small sizes
	$(BIN)/python -m benchmarks --quick

lint: install  ## ruff, and the layer contract (import-linter; docs/architecture.md)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy crossreg config verifiers benchmarks

openapi: install  ## rewrite docs/openapi.json from the code
	$(BIN)/crossreg openapi --output docs/openapi.json

messages: install  ## compile the translation catalogues (.po -> .mo)
	$(BIN)/crossreg compilemessages_py

check: lint typecheck
	$(BIN)/crossreg makemigrations --check --dry-run
	$(BIN)/crossreg openapi --check docs/openapi.json
	$(BIN)/crossreg event_schemas --check docs/schemas

clean:
	rm -rf $(VENV) var
