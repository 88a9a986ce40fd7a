"""gunicorn vs granian on this machine: requests/s and p95 of two real pages.

Starts each server configuration in turn on a PostgreSQL demo database (DEBUG off, the
production settings otherwise), then drives, at 2, 4 and 8 concurrent keep-alive clients:

- ``inbox``: ``GET /desk/inbox/`` logged in as a unit handler (a read-heavy page);
- ``intake``: ``POST /api/v1/tickets`` with a bearer token (a write: a ticket, its event,
  suggestions and duplicate keys in one transaction).

and prints one row per server × page × concurrency, plus the peak number of PostgreSQL
connections held by all servers under test together (each server's share stays within the
bound of docs/deploy.md; idle servers keep their persistent connections).

    createdb -h 127.0.0.1 -U postgres ops_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ops_bench duban migrate
    DATABASE_URL=… duban demo --tickets 3000 --months 3
    DATABASE_URL=… uv run --frozen --no-sync python bench/server_compare.py [--seconds 10]

The load generator runs on the same two cores as the server (threads with http.client), so
absolute figures are lower than on a separate client machine; the comparison is fair.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

# name → command line (the port is appended by start()). Two processes for two cores;
# threads inside each so that a request waiting on PostgreSQL does not idle a core.
SERVERS: dict[str, list[str]] = {
    "gunicorn-sync-w4": [
        str(BIN / "gunicorn"),
        "duban.wsgi:application",
        "--workers",
        "4",
        "--worker-class",
        "sync",
        "--timeout",
        "120",
        "--log-level",
        "warning",
    ],
    "gunicorn-gthread-w2t4": [
        str(BIN / "gunicorn"),
        "duban.wsgi:application",
        "--workers",
        "2",
        "--worker-class",
        "gthread",
        "--threads",
        "4",
        "--timeout",
        "120",
        "--log-level",
        "warning",
    ],
    "granian-wsgi-w2t4": [
        str(BIN / "granian"),
        "--interface",
        "wsgi",
        "duban.wsgi:application",
        "--workers",
        "2",
        "--blocking-threads",
        "4",
        "--no-access-log",
        "--log-level",
        "warning",
    ],
}


def bind_args(name: str, port: int) -> list[str]:
    if name.startswith("gunicorn"):
        return ["--bind", f"127.0.0.1:{port}"]
    return ["--host", "127.0.0.1", "--port", str(port)]


@dataclass
class Cell:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)


def p95(values: list[float]) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(0.95 * len(values)))] if values else float("nan")


def login(port: int, username: str, password: str) -> str:
    """The session cookie of a logged-in user (through the real login form)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/login/")
    resp = conn.getresponse()
    body = resp.read().decode()
    cookies = "; ".join(c.split(";")[0] for c in resp.headers.get_all("Set-Cookie") or [])
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    form = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": token}
    )
    conn.request(
        "POST",
        "/login/",
        form,
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookies,
            "Referer": f"http://127.0.0.1:{port}/login/",
        },
    )
    resp = conn.getresponse()
    resp.read()
    session = [
        c.split(";")[0]
        for c in resp.headers.get_all("Set-Cookie") or []
        if c.startswith("sessionid=")
    ]
    if resp.status != 302 or not session:
        raise SystemExit(f"login as {username} failed: {resp.status}")
    return session[0]


# (title, content) pairs intake_body draws from when set (paths.py --intake-texts sample):
# a city's mix of appeals instead of one street lamp repeated.
INTAKE_TEXTS: list[tuple[str, str]] = []


def intake_body() -> str:
    """One appeal for ``POST /api/v1/tickets``: a street lamp with a fresh tail each time (so
    every new ticket is a near-duplicate of all the others: the duplicate look-up's worst
    case), or one of ``INTAKE_TEXTS`` when set."""
    if INTAKE_TEXTS:
        title, content = random.choice(INTAKE_TEXTS)
    else:
        title, content = "路灯不亮", f"小区门口路灯坏了 {uuid.uuid4().hex[:8]}"
    return json.dumps(
        {"title": title, "content": content, "appeal_type": "help", "channel": "phone"}
    )


def drive(port: int, page: str, clients: int, seconds: float, session: str, token: str) -> Cell:
    cell = Cell()
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        local: list[float] = []
        statuses: dict[int, int] = {}
        errors = 0
        while time.perf_counter() < stop:
            if page == "inbox":
                method, path, body = "GET", "/desk/inbox/", None
                headers = {"Cookie": session}
            else:
                method, path = "POST", "/api/v1/tickets"
                body = intake_body()
                headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            started = time.perf_counter()
            try:
                conn.request(method, path, body, headers)
                resp = conn.getresponse()
                resp.read()
                if resp.headers.get("Connection", "").lower() == "close":
                    conn.close()
            except (OSError, http.client.HTTPException):
                errors += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                continue
            local.append(time.perf_counter() - started)
            statuses[resp.status] = statuses.get(resp.status, 0) + 1
        with lock:
            cell.latencies += local
            cell.errors += errors
            for k, v in statuses.items():
                cell.statuses[k] = cell.statuses.get(k, 0) + v

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return cell


def pg_connections(dbname: str) -> int:
    out = subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-Atc",
            f"select count(*) from pg_stat_activity where datname = '{dbname}'",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    return int(out.stdout.strip() or 0)


def wait_ready(port: int, proc: subprocess.Popen[bytes]) -> None:
    for _ in range(600):
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("server did not start")


def setup(handler: str | None) -> tuple[str, str]:
    """(the handler to log in as, an API token of an intake operator) from the database."""
    import django

    django.setup()
    from django.db.models import Count
    from django.utils import timezone

    from duban.org.models import User
    from duban.org.services import token_create
    from duban.tickets.models import Ticket

    if handler is None:
        busiest = (
            Ticket.objects.exclude(state="closed")
            .exclude(primary_unit=None)
            .values("primary_unit")
            .annotate(n=Count("id"))
            .order_by("-n")
            .first()
        )
        user = (
            User.objects.filter(
                unit_id=busiest["primary_unit"], username__endswith="_handler"
            ).first()
            if busiest
            else None
        )
        handler = user.username if user else "hubinlu_handler"
    operator = User.objects.get(username="operator1")
    _, token = token_create(user=operator, now=timezone.now(), name="server_compare")
    return handler, token


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", default="2,4,8")
    parser.add_argument("--servers", default=",".join(SERVERS))
    parser.add_argument("--pages", default="inbox,intake")
    parser.add_argument("--handler", help="username for the inbox (default: busiest unit's)")
    parser.add_argument("--password", default="duban-demo")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    # Stopped with SIGTERM: still stop the server under test (the finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL demo database (see the docstring)")
    dbname = urllib.parse.urlparse(url).path.lstrip("/")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
    os.environ.setdefault("DUBAN_VAR_DIR", "/tmp/duban-bench")
    env = {
        **os.environ,
        "DUBAN_DEBUG": "0",
        "DUBAN_SECRET_KEY": os.environ.get("DUBAN_SECRET_KEY") or secrets.token_urlsafe(50),
        "DUBAN_LOG_LEVEL": "WARNING",
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")])
        ),
    }
    handler, token = setup(args.handler)
    clients = [int(c) for c in args.clients.split(",")]
    print(
        f"# {os.cpu_count()} CPUs; inbox as {handler}; {args.seconds:.0f} s per cell; "
        f"database {dbname}"
    )
    print(
        f"{'server':<24}{'page':<8}{'clients':>8}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}"
        f"{'errors':>8}{'non-2xx':>9}{'pg conns':>10}"
    )
    # All servers run at once on neighbouring ports and the cells are interleaved (server
    # after server for each page and concurrency): a load change on the machine hits all.
    names = args.servers.split(",")
    procs = {}
    try:
        for i, name in enumerate(names):
            port = args.port + i
            procs[name] = (
                port,
                subprocess.Popen(
                    SERVERS[name] + bind_args(name, port), env=env, cwd=ROOT, start_new_session=True
                ),
            )
        sessions = {}
        for name, (port, proc) in procs.items():
            wait_ready(port, proc)
            sessions[name] = login(port, handler, args.password)
        for page in args.pages.split(","):
            for name, (port, _) in procs.items():
                drive(port, page, 2, 2, sessions[name], token)  # warm-up
            for n in clients:
                for name, (port, _) in procs.items():
                    peak = 0
                    done = threading.Event()

                    def watch(done: threading.Event = done) -> None:
                        nonlocal peak
                        while not done.is_set():
                            peak = max(peak, pg_connections(dbname))
                            time.sleep(0.5)

                    watcher = threading.Thread(target=watch)
                    watcher.start()
                    cell = drive(port, page, n, args.seconds, sessions[name], token)
                    done.set()
                    watcher.join()
                    ok = sum(v for k, v in cell.statuses.items() if 200 <= k < 300)
                    bad = sum(cell.statuses.values()) - ok
                    lat = sorted(cell.latencies)
                    print(
                        f"{name:<24}{page:<8}{n:>8}{ok / args.seconds:>9.1f}"
                        f"{lat[len(lat) // 2] * 1000 if lat else float('nan'):>9.0f}"
                        f"{p95(lat) * 1000:>9.0f}{cell.errors:>8}{bad:>9}{peak:>10}",
                        flush=True,
                    )
    finally:
        for _, proc in procs.values():
            os.killpg(proc.pid, signal.SIGTERM)
        for _, proc in procs.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


if __name__ == "__main__":
    main()
