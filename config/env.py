"""The one place where crossreg reads its environment.

Every setting the platform takes from the environment is declared in ``VARIABLES`` below, with its
type, default and meaning; ``docs/configuration.md`` is generated from the same table
(``crossreg settings-doc``). Bad values stop the process at start-up with a message naming the
variable, rather than failing later in a request.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent


class ConfigError(Exception):
    """A setting in the environment is missing or malformed."""


def _bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected true/false, got {raw!r}")


def _list(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",") if part.strip()]


def _int(raw: str) -> int:
    return int(raw.strip())


def _str(raw: str) -> str:
    return raw


def _database_url(raw: str) -> dict[str, Any]:
    import dj_database_url

    if "://" not in raw:
        raise ValueError("expected a URL such as postgres://user@host:5432/dbname or sqlite:///path")
    scheme = raw.split("://", 1)[0]
    if scheme not in {"postgres", "postgresql", "pgsql", "sqlite"}:
        raise ValueError(f"unsupported scheme {scheme!r}: use postgres:// or sqlite://")
    try:
        config = dj_database_url.parse(raw, conn_max_age=60)
    except Exception as exc:  # dj_database_url raises several types
        raise ValueError(str(exc)) from exc
    if config["ENGINE"].endswith("postgresql") and not config.get("NAME"):
        raise ValueError("the URL names no database (…/dbname)")
    return dict(config)


@dataclass(frozen=True)
class Variable:
    name: str
    parse: Callable[[str], Any]
    default: str | None
    doc: str


VARIABLES: tuple[Variable, ...] = (
    Variable(
        "CROSSREG_DEBUG",
        _bool,
        "true",
        "Development mode. Set to false in production: then CROSSREG_SECRET_KEY is required.",
    ),
    Variable("CROSSREG_SECRET_KEY", _str, None, "Django secret key. Required when CROSSREG_DEBUG is false."),
    Variable(
        "DATABASE_URL",
        _database_url,
        None,
        "PostgreSQL URL (postgres://user@host:port/db). Unset: SQLite file var/crossreg.sqlite3.",
    ),
    Variable(
        "CROSSREG_VAR_DIR",
        _str,
        str(BASE_DIR / "var"),
        "Directory for the SQLite database, uploaded files, exports and generated lists.",
    ),
    Variable(
        "CROSSREG_ALLOWED_HOSTS",
        _list,
        "127.0.0.1,localhost,testserver",
        "Comma-separated host names the server answers to.",
    ),
    Variable("CROSSREG_LANGUAGE", _str, "zh-hans", "Default UI language: zh-hans or en."),
    Variable("CROSSREG_TIME_ZONE", _str, "Asia/Shanghai", "Local time zone."),
    Variable(
        "CROSSREG_LEDGER_SIGNING_KEY",
        _str,
        "",
        "Ed25519 private key for ledger checkpoints: a path to a PEM file, or 64 hex characters "
        "(the raw 32-byte seed). Empty in development: a key is generated under CROSSREG_VAR_DIR.",
    ),
    Variable(
        "CROSSREG_LEDGER_TSA_URL",
        _str,
        "",
        "RFC 3161 timestamp authority URL for checkpoints. Empty: checkpoints are not timestamped.",
    ),
    Variable("CROSSREG_API_PAGE_SIZE", _int, "50", "Default page size of API lists (max 500)."),
    Variable(
        "CROSSREG_API_TOKEN_TOUCH_SECONDS",
        _int,
        "60",
        "An API token's last-used time is written at most once per this many seconds (0: on every call).",
    ),
    Variable(
        "CROSSREG_CSRF_TRUSTED_ORIGINS",
        _list,
        "",
        "Comma-separated origins (https://supervision.example.gov.cn) trusted for form posts behind the proxy.",
    ),
    Variable(
        "CROSSREG_SSL_REDIRECT",
        _bool,
        "true",
        "Production only: redirect plain-HTTP requests to HTTPS (the proxy sets X-Forwarded-Proto).",
    ),
    Variable(
        "CROSSREG_HSTS_SECONDS",
        _int,
        "31536000",
        "Production only: Strict-Transport-Security max-age in seconds (0 turns HSTS off).",
    ),
    Variable(
        "CROSSREG_SESSION_IDLE_SECONDS",
        _int,
        "1800",
        "A signed-in session ends after this many seconds without a request (30 minutes).",
    ),
    Variable(
        "CROSSREG_SESSION_MAX_SECONDS",
        _int,
        "43200",
        "A signed-in session ends this many seconds after sign-in, however active (12 hours).",
    ),
    Variable(
        "CROSSREG_OTP_REQUIRED_FOR_ADMINS",
        _bool,
        "true",
        "Administrators must pass a TOTP code after their password (others may opt in).",
    ),
    Variable(
        "CROSSREG_LOG_JSON",
        _bool,
        "false",
        "Write logs as one JSON object per line (with request ids); the production units set it.",
    ),
    Variable(
        "CROSSREG_UPLOAD_MAX_BYTES",
        _int,
        str(200 * 1024 * 1024),
        "Largest file accepted by imports, in bytes.",
    ),
)


def read(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Parse every declared variable; raise ConfigError naming each bad one."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    errors: list[str] = []
    for var in VARIABLES:
        raw = env.get(var.name)
        if raw is None or raw == "":
            if var.default is None:
                values[var.name] = None
                continue
            raw = var.default
        try:
            values[var.name] = var.parse(raw)
        except ValueError as exc:
            errors.append(f"{var.name}: {exc}")
    if not errors and not values["CROSSREG_DEBUG"] and not values["CROSSREG_SECRET_KEY"]:
        errors.append("CROSSREG_SECRET_KEY: required when CROSSREG_DEBUG=false (production mode)")
    if not errors and values["CROSSREG_API_TOKEN_TOUCH_SECONDS"] < 0:
        errors.append("CROSSREG_API_TOKEN_TOUCH_SECONDS: must be 0 or more")
    if not errors and values["CROSSREG_LANGUAGE"] not in {"zh-hans", "en"}:
        errors.append("CROSSREG_LANGUAGE: must be zh-hans or en")
    if errors:
        raise ConfigError("crossreg refuses to start, bad settings:\n  " + "\n  ".join(errors))
    return values


def markdown_table() -> str:
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    for var in VARIABLES:
        default = "(none)" if var.default is None else f"`{var.default}`"
        if var.name == "CROSSREG_VAR_DIR":
            default = "`var/` in the checkout"
        lines.append(f"| `{var.name}` | {default} | {var.doc} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # python -m config.env  → the table in docs/configuration.md
    print(markdown_table(), end="")
