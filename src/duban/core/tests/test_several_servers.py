"""Several app servers share one PostgreSQL and one Redis (docs/scale.md, "Several app
servers and workers"): nothing a request leaves behind lives in a server's process.

Two real gunicorn servers (the production server, one worker process each) are started on
their own ports against the test's PostgreSQL database and a real Redis, with the shared
secret key and data keys a deployment gives every server. A user logs in on one and works on
the other; a citizen's look-ups at the portal, sent to both in turn, draw on one budget.
PostgreSQL pass only: it is production's database, and two processes writing one SQLite
file is not a deployment duban supports.
"""

from __future__ import annotations

import http.client
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from duban.testing.personas import build_district, make_user
from duban.testing.shared_cache import REDIS_URL, redis_or_skip

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

GUNICORN = Path(sys.executable).parent / "gunicorn"
START_SECONDS = 90  # a worker imports the app and its models before it answers
LOOKUP_LIMIT = 30  # the portal's default budget of look-ups per client and hour


def _listening_socket() -> socket.socket:
    """A socket already bound to a free port and listening, handed to the server as a file
    descriptor: no other process can take the port between choosing and binding it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    sock.set_inheritable(True)
    return sock


def _database_url() -> str:
    db = connection.settings_dict
    auth = urllib.parse.quote(db["USER"] or "")
    if db.get("PASSWORD"):
        auth += ":" + urllib.parse.quote(db["PASSWORD"])
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _answers(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/login/")
        return conn.getresponse().status == 200
    except OSError:
        return False


@pytest.fixture
def two_servers(tmp_path: Path, settings) -> Iterator[list[int]]:
    redis_or_skip()
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DUBAN_CACHE_URL": REDIS_URL,
        "DUBAN_SECRET_KEY": secrets.token_urlsafe(50),  # one key for every server
        # The keys of personal data, as a deployment gives every server the same.
        "DUBAN_DATA_KEY": settings.DUBAN_DATA_KEY,
        "DUBAN_LOOKUP_KEY": settings.DUBAN_LOOKUP_KEY,
        "DUBAN_VAR_DIR": str(tmp_path / "var"),
        "DUBAN_DEBUG": "0",
        "DUBAN_LOG_LEVEL": "WARNING",
        "DUBAN_ALLOWED_HOSTS": "127.0.0.1",
    }
    sockets = [_listening_socket(), _listening_socket()]
    ports = [int(sock.getsockname()[1]) for sock in sockets]
    procs = []
    for n, sock in enumerate(sockets):
        log = (tmp_path / f"server{n}.log").open("w")
        command = [str(GUNICORN), "duban.wsgi:application", "--workers", "1"]
        command += ["--bind", f"fd://{sock.fileno()}", "--log-level", "warning"]
        procs.append(
            subprocess.Popen(
                command,
                env=env,
                stdout=log,
                stderr=log,
                start_new_session=True,
                pass_fds=[sock.fileno()],
            )
        )
        sock.close()  # the server holds it now
    try:
        deadline = time.monotonic() + START_SECONDS
        for proc, port in zip(procs, ports, strict=True):
            while not _answers(port):
                if proc.poll() is not None or time.monotonic() > deadline:
                    logs = "\n".join(p.read_text()[-2000:] for p in tmp_path.glob("*.log"))
                    pytest.fail(f"server on port {port} did not start:\n{logs}")
                time.sleep(0.3)
        yield ports
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            proc.wait(timeout=30)


class Browser:
    """Cookies kept across requests to any server, as a browser keeps them for one host;
    requests sent from ``source`` (a loopback address of its own, so the portal counts this
    client apart from every other test run on the machine)."""

    def __init__(self, source: str = "127.0.0.1") -> None:
        self.cookies: dict[str, str] = {}
        self.source = source

    def request(
        self, port: int, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, str, dict[str, str]]:
        conn = http.client.HTTPConnection(
            "127.0.0.1", port, timeout=30, source_address=(self.source, 0)
        )
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{port}{path}"
        conn.request(method, path, body, headers)
        resp = conn.getresponse()
        text = resp.read().decode()
        for cookie in resp.headers.get_all("Set-Cookie") or []:
            name, _, value = cookie.split(";")[0].partition("=")
            self.cookies[name] = value
        conn.close()
        return resp.status, text, dict(resp.headers)

    def form_token(self, port: int, path: str) -> str:
        status, page, _ = self.request(port, "GET", path)
        assert status == 200, (path, status)
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert found, f"no form on {path}"
        return found.group(1)


def test_a_session_opened_on_one_server_is_valid_on_the_other(two_servers, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    make_user("handler2", "handler", build_district().binhu)
    first, second = two_servers
    browser = Browser()
    token = browser.form_token(first, "/login/")
    status, _, headers = browser.request(
        first,
        "POST",
        "/login/",
        {"username": "handler2", "password": "pass-12345", "csrfmiddlewaretoken": token},
    )
    assert status == 302 and "sessionid" in browser.cookies
    status, page, _ = browser.request(second, "GET", "/desk/inbox/")
    assert status == 200 and "handler2" in page
    # A form served by one server posts to the other (one secret key, one session store).
    token = browser.form_token(second, "/desk/inbox/")
    status, _, headers = browser.request(first, "POST", "/logout/", {"csrfmiddlewaretoken": token})
    assert status == 302
    status, _, headers = browser.request(second, "GET", "/desk/inbox/")
    assert status == 302 and headers["Location"].startswith("/login/")


def test_the_portal_counts_one_budget_of_look_ups_across_servers(two_servers):
    build_district()
    # A loopback address of this test's own: the budget is per client address.
    octets = [random.randint(1, 250), random.randint(1, 250), random.randint(2, 250)]
    citizen = Browser(source="127." + ".".join(map(str, octets)))
    token = citizen.form_token(two_servers[0], "/portal/track/")
    statuses = []
    for n in range(LOOKUP_LIMIT + 1):
        port = two_servers[n % 2]
        status, _, headers = citizen.request(
            port,
            "POST",
            "/portal/track/",
            {"number": "20260101000001", "phone": "13800000000", "csrfmiddlewaretoken": token},
        )
        statuses.append(status)
    # Every look-up within the budget is answered (no such ticket), whichever server took
    # it; the one past it is refused by the server that had seen only half of them.
    assert set(statuses[:LOOKUP_LIMIT]) <= {200, 404}, statuses
    assert statuses[LOOKUP_LIMIT] == 429, statuses
    assert int(headers["Retry-After"]) > 0
