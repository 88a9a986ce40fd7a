"""Dashboards, reports and exports read from a streaming replica; everything else from the primary.

The PostgreSQL test starts a private primary (``initdb`` under a temporary directory, its
own port) and a real streaming replica of it (``pg_basebackup -R``), points the ``default``
and ``replica`` aliases at them for the test's duration, and checks where routed reads go,
including what a reader sees while the replica lags (replay paused). Skipped when the
PostgreSQL server binaries are not installed.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from duban.core import db_router
from duban.core.db_router import REPLICA, ReplicaReadsMiddleware, ReplicaRouter, replica_reads
from duban.metrics.models import MonthlyRollup, RollupPeriod


def _bindir() -> Path | None:
    """The server binaries' directory (Debian keeps them out of PATH, behind wrappers)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_basebackup"))
    if found:
        return Path(found[-1]).parent
    paths = [shutil.which(n) for n in ("initdb", "pg_ctl", "pg_basebackup")]
    return Path(paths[0]).parent if all(paths) else None  # type: ignore[arg-type]


BINDIR = _bindir()
DATABASES_WITH_REPLICA = {
    "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"},
    REPLICA: {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"},
}


# -- the routing rules, without a database -------------------------------------------------


def test_without_a_replica_every_read_goes_to_the_primary() -> None:
    router = ReplicaRouter()
    with replica_reads():
        assert router.db_for_read(MonthlyRollup) == DEFAULT_DB_ALIAS
    assert router.db_for_write(MonthlyRollup) == DEFAULT_DB_ALIAS


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
@override_settings(DATABASES=DATABASES_WITH_REPLICA)
def test_with_a_replica_only_reads_inside_replica_reads_go_there() -> None:
    router = ReplicaRouter()
    assert router.db_for_read(MonthlyRollup) == DEFAULT_DB_ALIAS
    with replica_reads():
        assert router.db_for_read(MonthlyRollup) == REPLICA
        assert router.db_for_write(MonthlyRollup) == DEFAULT_DB_ALIAS
    assert router.db_for_read(MonthlyRollup) == DEFAULT_DB_ALIAS
    assert router.allow_migrate(REPLICA, "metrics") is False
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "metrics") is True


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
@override_settings(DATABASES=DATABASES_WITH_REPLICA)
def test_the_middleware_routes_dashboard_gets_only() -> None:
    seen: list[str] = []

    def view(request: object) -> HttpResponse:
        seen.append(db_router.read_alias())
        return HttpResponse("ok")

    middleware = ReplicaReadsMiddleware(view)
    rf = RequestFactory()
    middleware(rf.get("/metrics/"))
    middleware(rf.get("/metrics/report/"))
    middleware(rf.post("/metrics/"))
    middleware(rf.get("/desk/inbox/"))
    middleware(rf.get("/tickets/2026120100001/"))
    assert seen == [REPLICA, REPLICA, DEFAULT_DB_ALIAS, DEFAULT_DB_ALIAS, DEFAULT_DB_ALIAS]
    assert db_router.read_alias() == DEFAULT_DB_ALIAS


# -- a real streaming replica -------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(*cmd: str, owner: str | None) -> None:
    prefix = ["runuser", "-u", owner, "--"] if owner else []
    done = subprocess.run([*prefix, *cmd], capture_output=True, text=True, timeout=60)
    if done.returncode:
        raise AssertionError(f"{' '.join(cmd[:2])} failed: {done.stderr or done.stdout}")


@pytest.fixture(scope="module")
def clusters() -> Iterator[tuple[int, int]]:
    """(primary port, replica port): a private primary and its streaming replica."""
    if BINDIR is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) not installed")
    owner = "postgres" if os.geteuid() == 0 else None  # initdb refuses to run as root
    if owner and not shutil.which("runuser"):
        pytest.skip("running as root without runuser: cannot start a private PostgreSQL")
    root = Path(tempfile.mkdtemp(prefix="duban-replica-"))
    if owner:
        shutil.chown(root, owner)
    primary, replica = root / "primary", root / "replica"
    pport, rport = _free_port(), _free_port()
    bin_ = lambda name: str(BINDIR / name)  # noqa: E731
    opts = f"-c listen_addresses=127.0.0.1 -c unix_socket_directories={root} -c fsync=off"
    started: list[Path] = []
    try:
        _run(bin_("initdb"), "-D", str(primary), "-U", "postgres", "--auth=trust",
             "-E", "UTF8", "--locale=C.UTF-8", owner=owner)  # fmt: skip
        with (primary / "postgresql.conf").open("a") as conf:
            conf.write("wal_level = replica\nmax_wal_senders = 4\nhot_standby = on\n")
        _run(bin_("pg_ctl"), "-D", str(primary), "-w", "-o", f"-p {pport} {opts}",
             "-l", str(root / "primary.log"), "start", owner=owner)  # fmt: skip
        started.append(primary)
        _run(bin_("pg_basebackup"), "-h", "127.0.0.1", "-p", str(pport), "-U", "postgres",
             "-D", str(replica), "-R", "-X", "stream", owner=owner)  # fmt: skip
        _run(bin_("pg_ctl"), "-D", str(replica), "-w", "-o", f"-p {rport} {opts}",
             "-l", str(root / "replica.log"), "start", owner=owner)  # fmt: skip
        started.append(replica)
        yield pport, rport
    finally:
        for data in reversed(started):
            subprocess.run(
                [*(["runuser", "-u", owner, "--"] if owner else []), bin_("pg_ctl"),
                 "-D", str(data), "-m", "immediate", "stop"],
                capture_output=True, timeout=60, check=False,
            )  # fmt: skip
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def aliases(clusters: tuple[int, int], django_db_blocker) -> Iterator[None]:
    """``default`` → the private primary, ``replica`` → its replica, for one test."""
    pport, rport = clusters
    base = dict(connections.settings[DEFAULT_DB_ALIAS])
    if "postgresql" not in base["ENGINE"]:
        pytest.skip("the replica test runs on the PostgreSQL pass (DUBAN_TEST_DB=postgres)")
    conf = {**base, "NAME": "postgres", "HOST": "127.0.0.1", "USER": "postgres",
            "PASSWORD": "", "CONN_MAX_AGE": 0, "TEST": {}}  # fmt: skip
    old_default = connections[DEFAULT_DB_ALIAS]
    saved = dict(connections.settings)
    with django_db_blocker.unblock():
        connections.settings[DEFAULT_DB_ALIAS] = {**conf, "PORT": str(pport)}
        connections.settings[REPLICA] = {**conf, "PORT": str(rport)}
        connections[DEFAULT_DB_ALIAS] = connections.create_connection(DEFAULT_DB_ALIAS)
        databases = {DEFAULT_DB_ALIAS: {}, REPLICA: {}}
        try:
            with override_settings(DATABASES=databases):
                with connections[DEFAULT_DB_ALIAS].schema_editor() as editor:
                    editor.create_model(RollupPeriod)
                    editor.create_model(MonthlyRollup)
                yield
        finally:
            for alias in (DEFAULT_DB_ALIAS, REPLICA):
                connections[alias].close()
            connections.settings.clear()
            connections.settings.update(saved)
            connections[DEFAULT_DB_ALIAS] = old_default
            del connections[REPLICA]


def _caught_up(timeout: float = 20) -> None:
    """Wait until the replica has replayed everything the primary wrote so far."""
    with connections[DEFAULT_DB_ALIAS].cursor() as c:
        c.execute("SELECT pg_current_wal_lsn()")
        (target,) = c.fetchone()
    deadline = time.monotonic() + timeout
    with connections[REPLICA].cursor() as c:
        while time.monotonic() < deadline:
            c.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
            if c.fetchone()[0]:
                return
            time.sleep(0.05)
    raise AssertionError("the replica did not catch up")


def _rollup(period: str) -> MonthlyRollup:
    return MonthlyRollup.objects.create(period=period, dispatched=10, unit_id=1, category_id=1)


@pytest.mark.postgres
@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_routed_reads_go_to_a_real_replica_and_see_it_lag(aliases: None) -> None:
    _rollup("2026-10")
    _caught_up()
    with connections[REPLICA].cursor() as c:
        c.execute("SELECT pg_is_in_recovery()")
        assert c.fetchone()[0] is True  # it really is a standby

    # Outside replica_reads: the primary. Inside: the replica, with the same rows.
    assert MonthlyRollup.objects.all().db == DEFAULT_DB_ALIAS
    with replica_reads():
        assert MonthlyRollup.objects.all().db == REPLICA
        assert MonthlyRollup.objects.filter(period="2026-10").count() == 1

    # Replication lag: replay paused, the primary takes a new month's row.
    with connections[REPLICA].cursor() as c:
        c.execute("SELECT pg_wal_replay_pause()")
    try:
        _rollup("2026-11")
        assert MonthlyRollup.objects.count() == 2  # the primary has it
        with replica_reads():
            # The dashboard's reader sees the replica's consistent, older snapshot …
            assert list(MonthlyRollup.objects.values_list("period", flat=True)) == ["2026-10"]
            # … but inside a write transaction reads stay on the primary (read your writes,
            # and no SELECT … FOR UPDATE on a read-only standby).
            with transaction.atomic():
                assert MonthlyRollup.objects.count() == 2
                assert RollupPeriod.objects.select_for_update().count() == 0
        # Writes never go to the replica, even from inside replica_reads.
        with replica_reads():
            RollupPeriod.objects.create(period="2026-11", computed_at="2026-12-01T00:00Z")
        assert RollupPeriod.objects.count() == 1
    finally:
        with connections[REPLICA].cursor() as c:
            c.execute("SELECT pg_wal_replay_resume()")
    _caught_up()
    with replica_reads():
        assert MonthlyRollup.objects.count() == 2  # caught up: the reader sees the new month
        assert RollupPeriod.objects.count() == 1
