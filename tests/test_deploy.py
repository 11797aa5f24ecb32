"""Production mode: `check --deploy` passes, and the server sends the security headers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def prod_env(tmp_path: Path) -> dict[str, str]:
    # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process (Playwright's event loop); a
    # production process never has it, and check --deploy rightly refuses it (async.E001).
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONPATH": str(ROOT),
        "CROSSREG_DEBUG": "false",
        "CROSSREG_SECRET_KEY": "k" * 20 + "a-long-random-production-secret-0123456789",
        "CROSSREG_VAR_DIR": str(tmp_path),
        "CROSSREG_ALLOWED_HOSTS": "supervision.example.gov.cn",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }


def test_check_deploy_passes_in_production_mode(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=prod_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "no issues" in out.stdout


SCRIPT = """
import json, django
django.setup()
from django.test import Client
c = Client(HTTP_HOST="supervision.example.gov.cn")
plain = c.get("/login/")
https = c.get("/login/", HTTP_X_FORWARDED_PROTO="https")
probe = c.get("/healthz")
bad = c.generic("POST", "/login/", b"--x", content_type="multipart/form-data",
                HTTP_X_FORWARDED_PROTO="https")
print(json.dumps({
    "plain": [plain.status_code, plain.get("Location", "")],
    "https": [https.status_code, https.get("Strict-Transport-Security", ""),
              https.get("Content-Security-Policy", ""), https.get("X-Frame-Options", ""),
              https.get("X-Request-ID", "")],
    "probe": probe.status_code,
    "bad": [bad.status_code, "Traceback" in bad.content.decode()],
}))
"""


def test_production_headers_redirect_and_probes(tmp_path: Path) -> None:
    env = prod_env(tmp_path)
    for cmd in (["migrate", "--noinput", "-v", "0"], ["collectstatic", "--noinput", "-v", "0"]):
        subprocess.run([sys.executable, "manage.py", *cmd], cwd=ROOT, env=env, check=True, timeout=900)
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr[-3000:]
    r: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    assert r["plain"][0] == 301 and r["plain"][1].startswith("https://")
    status, hsts, csp, xfo, rid = r["https"]
    assert status == 200 and "max-age=31536000" in hsts and "includeSubDomains" in hsts
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert xfo == "DENY" and rid
    assert r["probe"] == 200  # /healthz answers over plain HTTP on loopback
    assert r["bad"] == [400, False]
