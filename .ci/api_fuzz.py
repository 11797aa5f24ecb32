"""Bounded schema-based fuzzing of the whole API (/api/v1/), in process, with schemathesis.

    python .ci/api_fuzz.py [--examples N] [--entities N] [--seed S] [--keep DIR] [--update-known]

What it does:

1. Builds a throwaway database (SQLite under a temporary CROSSREG_VAR_DIR, unless FUZZ_DATABASE_URL
   names another one — it is migrated, seeded and left behind): ``migrate``, ``seed`` of a small
   synthetic Yancheng (--entities, default 400) and principals to call the API as: a system
   administrator's session (with its CSRF token, so writes get through) for the user-facing
   operations, and a token holding every scope for those a department system calls.
2. Loads the API's OpenAPI document from the running application (``/api/v1/openapi.json``) and, for
   every operation, generates --examples requests (positive and negative data, a fixed Hypothesis
   seed, no shrinking) and sends them to the Django WSGI application in process.
3. Checks every response: no server error (5xx), and a 2xx body conforms to the response schema.
4. Prints counts (operations, requests, server errors, schema violations) and, per failing
   operation, the first failure with its request; exits 1 if an operation fails that is not in the
   committed known-failures list (.ci/api_fuzz_known.txt, one ``METHOD /path  # why`` a line).

Bounded: about --examples × 2 × (number of operations) requests; a few minutes on two cores.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
KNOWN_FILE = Path(__file__).resolve().parent / "api_fuzz_known.txt"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--examples", type=int, default=12, help="examples per operation and mode (default 12)")
    p.add_argument("--entities", type=int, default=400, help="market entities to seed (default 400)")
    p.add_argument("--seed", type=int, default=2017, help="seed of the city and of Hypothesis")
    p.add_argument("--keep", type=Path, default=None, help="keep the database in this directory")
    p.add_argument(
        "--demo", action="store_true", help="also load the demo (catalog, lists, plans, cases…; minutes)"
    )
    p.add_argument("--only", default="", help="fuzz only operations whose path contains this")
    p.add_argument(
        "--update-known",
        action="store_true",
        help="rewrite .ci/api_fuzz_known.txt with the operations failing now (then explain each)",
    )
    return p.parse_args(argv)


def setup_django(args: argparse.Namespace) -> Path:
    var_dir = args.keep or Path(tempfile.mkdtemp(prefix="crossreg-fuzz-"))
    var_dir.mkdir(parents=True, exist_ok=True)
    os.environ["CROSSREG_VAR_DIR"] = str(var_dir)
    if os.environ.get("FUZZ_DATABASE_URL"):
        os.environ["DATABASE_URL"] = os.environ["FUZZ_DATABASE_URL"]
    else:
        os.environ.pop("DATABASE_URL", None)  # a SQLite file of its own, never the CI database
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["CROSSREG_ALLOWED_HOSTS"] = "localhost,testserver,127.0.0.1"
    # The fuzzer's administrator has no second factor to type (the deployment setting, not a patch)
    os.environ["CROSSREG_OTP_REQUIRED_FOR_ADMINS"] = "false"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    return var_dir


def build_database(args: argparse.Namespace) -> dict[str, Any]:
    """Migrate, seed a small city, and make the principals. Returns cookies/headers to call with."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.middleware.csrf import _get_new_csrf_string
    from django.test import Client

    from crossreg.orgs.models import ApiToken, Department

    t0 = time.perf_counter()
    call_command("migrate", "--noinput", verbosity=0)
    User = get_user_model()
    if not User.objects.filter(username="fuzz-admin").exists():
        call_command(
            "seed", "--seed", str(args.seed), "--entities", str(args.entities), "--if-empty", verbosity=0
        )
        if args.demo:
            call_command("demo_setup", "--seed", str(args.seed), verbosity=0)
        from crossreg.ledger.services import checkpoint_create

        checkpoint_create(timestamp=False)  # the witness endpoints answer with a checkpoint, not only 404
    print(f"database migrated and seeded in {time.perf_counter() - t0:.0f} s")

    dept = Department.objects.filter(role=Department.Role.SUPERVISING).order_by("code").first()
    assert dept is not None, "the seed made no supervising department"
    admin, _ = User.objects.get_or_create(
        username="fuzz-admin",
        defaults={"role": "admin", "is_staff": True, "is_superuser": True, "department": dept},
    )
    login = Client()
    login.force_login(admin)  # a real session, as a sign-in makes it
    session_key = login.cookies["sessionid"].value
    csrf = _get_new_csrf_string()

    from crossreg.orgs.services import KNOWN_SCOPES, api_token_issue

    _token, secret = api_token_issue(actor=admin, department=dept, name="fuzz", scopes=sorted(KNOWN_SCOPES))
    assert ApiToken.objects.filter(name="fuzz").exists()
    return {
        "session": {
            "cookies": {"sessionid": session_key, "csrftoken": csrf},
            "headers": {
                "X-CSRFToken": csrf,
                "Referer": "http://localhost/",
            },
        },
        "token": {"headers": {"Authorization": f"Bearer {secret}"}},
    }


@dataclass
class OpResult:
    label: str
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    server_errors: int = 0
    schema_violations: int = 0
    first_failure: str = ""
    skipped: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.server_errors or self.schema_violations)


def load_known() -> set[str]:
    if not KNOWN_FILE.exists():
        return set()
    out = set()
    for line in KNOWN_FILE.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            out.add(" ".join(line.split()))
    return out


def fuzz(args: argparse.Namespace, principals: dict[str, Any]) -> list[OpResult]:
    import hypothesis
    import hypothesis.errors
    import schemathesis
    from hypothesis import HealthCheck, Phase, given
    from hypothesis import settings as hsettings
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import response_schema_conformance

    from config.wsgi import application

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    # 4xx answers are expected by the thousand; 5xx are collected below, with their tracebacks
    logging.getLogger("django.security").setLevel(logging.CRITICAL)
    exceptions: list[str] = []

    class Collect(logging.Handler):
        """The tracebacks of unhandled exceptions (django-ninja and Django log them on "django")."""

        def emit(self, record: logging.LogRecord) -> None:
            if record.exc_info:
                exceptions.append("".join(traceback.format_exception(*record.exc_info, limit=-4)))

    collector = Collect(level=logging.ERROR)
    for name in ("django", "django.request"):
        lg = logging.getLogger(name)
        lg.handlers = [collector]  # nothing on the console: 5xx are reported below, 4xx expected
        lg.propagate = False
        lg.setLevel(logging.ERROR)

    # user sessions for everything; a department system's token as well where it may call
    callers = [principals["session"], principals["token"]]

    def fuzz_operation(operation: Any, res: OpResult) -> None:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                strategy = operation.as_strategy(generation_mode=mode)
            except Exception as exc:
                res.first_failure = res.first_failure or f"cannot generate {mode.value} data: {exc}"
                continue

            @hsettings(
                max_examples=args.examples,
                deadline=None,
                derandomize=True,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
                verbosity=hypothesis.Verbosity.quiet,
            )
            @given(case=strategy)
            def run(case: Any) -> None:
                caller = callers[res.requests % len(callers)]
                exceptions.clear()
                response = case.call(headers=caller["headers"], cookies=caller.get("cookies"))
                res.requests += 1
                res.statuses[response.status_code] += 1
                try:
                    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
                except (AssertionError, BaseExceptionGroup) as exc:  # a check failed: counted
                    if response.status_code >= 500:
                        res.server_errors += 1
                        kind = "server error"
                    else:
                        res.schema_violations += 1
                        kind = "schema violation"
                    if not res.first_failure:
                        detail = exceptions[-1] if exceptions else str(exc)[:1500]
                        res.first_failure = (
                            f"{kind} {response.status_code}: {case.as_curl_command()}\n{detail}"
                        )

            try:
                run()
            except hypothesis.errors.Unsatisfiable:
                res.skipped.append(mode.value)  # e.g. no invalid value exists for any parameter
            except Exception as exc:  # the fuzzer itself failed on this operation: counted too
                res.server_errors += 1
                res.first_failure = res.first_failure or f"fuzzer error: {exc!r}"

    results: list[OpResult] = []
    for item in schema.get_all_operations():
        operation = item.ok()  # type: ignore[union-attr]  # an invalid operation raises here
        if args.only and args.only not in operation.path:
            continue
        res = OpResult(label=f"{operation.method.upper()} {operation.path}")
        results.append(res)
        fuzz_operation(operation, res)
        print(
            f"{res.label}: {res.requests} requests, "
            + ", ".join(f"{k}: {v}" for k, v in sorted(res.statuses.items()))
            + (f" (no {'/'.join(res.skipped)} data)" if res.skipped else ""),
            flush=True,
        )
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    var_dir = setup_django(args)
    principals = build_database(args)
    results = fuzz(args, principals)
    elapsed = time.perf_counter() - started

    failing = [r for r in results if r.failed]
    known = load_known()
    new = [r for r in failing if r.label not in known]
    fixed = sorted(known - {r.label for r in failing})
    statuses: Counter[int] = Counter()
    for r in results:
        statuses.update(r.statuses)

    print()
    for r in failing:
        tag = "known" if r.label in known else "NEW"
        print(
            f"--- [{tag}] {r.label}: {r.server_errors} server errors, {r.schema_violations} schema violations"
        )
        print("    " + r.first_failure.replace("\n", "\n    ").rstrip())
    print()
    print(f"operations:        {len(results)}")
    print(f"requests:          {sum(r.requests for r in results)}")
    print(f"server errors:     {sum(r.server_errors for r in results)}")
    print(f"schema violations: {sum(r.schema_violations for r in results)}")
    print(f"failing operations: {len(failing)} ({len(failing) - len(new)} known, {len(new)} new)")
    print("statuses:          " + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())))
    print(f"time:              {elapsed:.0f} s")
    if args.keep is None:  # a throwaway directory (the SQLite database, the seeded lists)
        shutil.rmtree(var_dir, ignore_errors=True)
    else:
        print(f"database kept in {var_dir}")
    if fixed:
        print("known failures that now pass (remove them from .ci/api_fuzz_known.txt): " + ", ".join(fixed))
    if args.update_known:
        KNOWN_FILE.write_text("".join(f"{r.label}  # TODO: why\n" for r in failing), encoding="utf-8")
    return 1 if new else 0


if __name__ == "__main__":
    sys.exit(main())
