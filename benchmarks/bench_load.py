"""Load test of the production server (gunicorn + whitenoise), loopback only, bounded.

    python -m benchmarks.bench_load --url http://127.0.0.1:8000 [--clients 20] [--seconds 20]
    python -m benchmarks load --quick          # via `make bench`: starts its own server

Each scenario runs ``--clients`` concurrent clients (threads, each with its own keep-alive
connection and signed-in session) for ``--seconds`` (or ``--requests`` in all), then prints
requests/s, p50, p95 and errors:

* entity search by USCC and by name (``/entities/?q=``, signed in as ``scjg_staff``),
* the public catalog page (``/catalog/``, anonymous),
* an officer's task list (``/inspections/``, signed in as ``scjg_officer``).

The requests carry ``X-Forwarded-Proto: https`` as the reverse proxy's would (the production server
redirects plain HTTP). Only 127.0.0.1/localhost/::1 targets are accepted. Without ``--url`` the
benchmark starts ``gunicorn -c config/gunicorn.conf.py`` itself in production mode against
``DATABASE_URL`` (which must hold the demo city: ``crossreg seed`` + ``crossreg demo_setup``) and
stops it afterwards.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
PASSWORD = "crossreg-demo"


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)


class Client:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.conn = http.client.HTTPConnection(host, port, timeout=30)
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, body: str | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, str]:
        h = {"X-Forwarded-Proto": "https", "Host": "localhost", "Accept-Language": "zh-hans"}
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        h.update(headers or {})
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=h)
                resp = self.conn.getresponse()
                data = resp.read().decode("utf-8", "replace")
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
                if attempt:
                    raise
        for header, value in resp.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return resp.status, data

    def sign_in(self, username: str) -> None:
        self.request("GET", "/login/")
        token = self.cookies.get("csrftoken", "")
        body = urllib.parse.urlencode(
            {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token}
        )
        status, _ = self.request(
            "POST",
            "/login/",
            body,
            {"Content-Type": "application/x-www-form-urlencoded", "Referer": "https://localhost/login/"},
        )
        if status != 302:
            raise SystemExit(f"sign-in as {username} failed ({status}): is the demo city loaded?")


def run(
    name: str, host: str, port: int, clients: int, seconds: float, user: str | None, paths: list[str]
) -> Result:
    result = Result()
    lock = threading.Lock()
    state = {"deadline": 0.0}
    ready = threading.Barrier(clients + 1)  # every client signed in …
    go = threading.Barrier(clients + 1)  # … then the clock starts (sign-in is slow by design)

    def worker(i: int) -> None:
        c = Client(host, port)
        if user:
            c.sign_in(user)
        rng = random.Random(i)
        ready.wait()
        go.wait()
        local: list[float] = []
        errors = 0
        statuses: dict[int, int] = {}
        while time.monotonic() < state["deadline"]:
            path = rng.choice(paths)
            t = time.perf_counter()
            try:
                status, _ = c.request("GET", path)
            except Exception:
                status = 0
            local.append(time.perf_counter() - t)
            statuses[status] = statuses.get(status, 0) + 1
            if status != 200:
                errors += 1
        with lock:
            result.latencies += local
            result.errors += errors
            for k, v in statuses.items():
                result.statuses[k] = result.statuses.get(k, 0) + v

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    ready.wait()
    started = time.monotonic()
    state["deadline"] = started + seconds  # set before the second barrier lets the clients go
    go.wait()
    for t in threads:
        t.join(seconds + 60)
    elapsed = time.monotonic() - started
    lat = sorted(result.latencies)
    n = len(lat)
    p50 = statistics.median(lat) * 1000 if lat else 0.0
    p95 = lat[int(0.95 * (n - 1))] * 1000 if lat else 0.0
    print(
        f"{name:<28} {n / elapsed:8.1f} req/s  p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  "
        f"errors {result.errors}/{n}  ({clients} clients, {elapsed:.0f} s)"
    )
    return result


def sample(host: str, port: int) -> tuple[list[str], list[str]]:
    """USCCs and name fragments of real entities, read through the search page itself."""
    c = Client(host, port)
    c.sign_in("scjg_staff")
    _, html = c.request("GET", "/entities/?q=" + urllib.parse.quote("盐城"))
    usccs = sorted(set(re.findall(r"\b(9[0-9A-Z]{17})\b", html)))[:50]
    names = ["盐城", "餐饮", "建湖", "食品", "科技", "商贸", "东台", "服务"]
    return usccs or ["91320900MA1XXXXXXX"], names


def start_server(port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "CROSSREG_DEBUG": "false",
        "CROSSREG_SECRET_KEY": os.environ.get("CROSSREG_SECRET_KEY") or secrets.token_urlsafe(50),
        "CROSSREG_BIND": f"127.0.0.1:{port}",
        "CROSSREG_ALLOWED_HOSTS": "localhost,127.0.0.1",
        "PYTHONPATH": str(ROOT),
    }
    env.setdefault("CROSSREG_LEDGER_SIGNING_KEY", "33" * 32)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    gunicorn = Path(sys.executable).with_name("gunicorn")
    log = Path(tempfile.gettempdir()) / f"bench_load-server-{port}.log"
    print(f"server log: {log}")
    proc = subprocess.Popen(
        [
            str(gunicorn),
            "config.wsgi:application",
            "-c",
            "config/gunicorn.conf.py",
            "--access-logfile",
            "/dev/null",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    for _ in range(120):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.5)
    proc.terminate()
    raise SystemExit("the production server did not start")


def main(argv: list[str]) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", help="a running server (loopback only); default: start one")
    p.add_argument("--clients", type=int, default=20)
    p.add_argument("--seconds", type=float, default=20)
    p.add_argument("--quick", action="store_true", help="5 s per scenario")
    args = p.parse_args(argv)
    seconds = 5.0 if args.quick else args.seconds
    proc = None
    if args.url:
        parsed = urllib.parse.urlparse(args.url)
        if parsed.hostname not in LOOPBACK:
            raise SystemExit("bench_load only targets a server on this machine (127.0.0.1, localhost, ::1)")
        host, port = parsed.hostname or "127.0.0.1", parsed.port or 80
    else:
        host, port = "127.0.0.1", 8765
        proc = start_server(port)
    try:
        print(
            f"load: {args.clients} clients, {seconds:.0f} s per scenario, load average {os.getloadavg()[0]:.1f}"
        )
        usccs, names = sample(host, port)
        q = urllib.parse.quote
        run(
            "entity search by USCC",
            host,
            port,
            args.clients,
            seconds,
            "scjg_staff",
            [f"/entities/?q={u}" for u in usccs],
        )
        run(
            "entity search by name",
            host,
            port,
            args.clients,
            seconds,
            "scjg_staff",
            [f"/entities/?q={q(n)}" for n in names],
        )
        run("public catalog page", host, port, args.clients, seconds, None, ["/catalog/"])
        run("officer's task list", host, port, args.clients, seconds, "scjg_officer", ["/inspections/"])
        print(f"load average after: {os.getloadavg()[0]:.1f}")
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(30)


if __name__ == "__main__":
    main(sys.argv[1:])
