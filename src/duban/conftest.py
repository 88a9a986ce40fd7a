"""Root pytest configuration: which database a pass runs on, and no writes to var/.

Personas and factories live next to the tests that use them
(``duban/tickets/tests/conftest.py`` and ``factories.py``).

Database passes (see the Makefile): ``make test`` runs the suite twice, with
``DUBAN_TEST_DB=sqlite`` and with ``DUBAN_TEST_DB=postgres`` plus a PostgreSQL
``DATABASE_URL``. Tests that only make sense on PostgreSQL (row locks, concurrency)
carry ``@pytest.mark.postgres``: they are skipped on SQLite and run on PostgreSQL.
A pass that promises PostgreSQL but cannot deliver it fails; it never skips.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from hypothesis import settings as hypothesis_settings

# Hypothesis: no example database in the working tree, no per-example deadline
# (DB-backed examples have jittery timings), deterministic in CI.
hypothesis_settings.register_profile("duban", database=None, deadline=None)
hypothesis_settings.register_profile("ci", database=None, deadline=None, derandomize=True)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") == "true" else "duban")

_TEST_VAR_DIR = Path(tempfile.mkdtemp(prefix="duban-test-var-"))


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def database_vendor() -> str:
    """``"postgresql"`` or ``"sqlite"``: the engine of the default database."""
    engine = settings.DATABASES["default"]["ENGINE"]
    return "postgresql" if "postgresql" in engine else engine.rsplit(".", 1)[-1]


def on_postgres() -> bool:
    return database_vendor() == "postgresql"


def expects_postgres() -> bool:
    """True in the PostgreSQL pass of ``make test``."""
    return os.environ.get("DUBAN_TEST_DB") == "postgres"


def _redirect_var_dir() -> None:
    """Point every var/ path of the settings at a throw-away directory."""
    settings.VAR_DIR = _TEST_VAR_DIR
    settings.MEDIA_ROOT = _TEST_VAR_DIR / "media"
    duban = getattr(settings, "DUBAN", None)
    if isinstance(duban, dict):
        duban["MODEL_DIR"] = _TEST_VAR_DIR / "models"  # in place: modules may hold the dict


def _check_postgres_reachable() -> None:
    import psycopg

    db = settings.DATABASES["default"]
    try:
        psycopg.connect(
            host=db.get("HOST") or None,
            port=db.get("PORT") or None,
            user=db.get("USER") or None,
            password=db.get("PASSWORD") or None,
            dbname="postgres",
            connect_timeout=5,
        ).close()
    except psycopg.OperationalError as exc:
        raise pytest.UsageError(f"PostgreSQL pass: cannot reach PostgreSQL: {exc}") from exc


def pytest_configure(config: pytest.Config) -> None:
    _redirect_var_dir()
    if expects_postgres():
        if not on_postgres():
            raise pytest.UsageError(
                "DUBAN_TEST_DB=postgres but DATABASE_URL does not point at PostgreSQL "
                f"(engine {settings.DATABASES['default']['ENGINE']})"
            )
        if not hasattr(config, "workerinput"):  # once, in the xdist controller
            _check_postgres_reachable()


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(_TEST_VAR_DIR, ignore_errors=True)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("postgres") is None or on_postgres():
        return
    if expects_postgres() and in_ci():
        pytest.fail("postgres-marked test would be skipped in the PostgreSQL pass", pytrace=False)
    pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://...)")


@pytest.fixture
def require_postgres() -> None:
    """Fixture form of ``@pytest.mark.postgres`` for tests parametrised over both."""
    if not on_postgres():
        if expects_postgres() and in_ci():
            pytest.fail("test needs PostgreSQL but the PostgreSQL pass is not on PostgreSQL")
        pytest.skip("needs PostgreSQL")


@pytest.fixture
def tmp_var_dir() -> Path:
    """The throw-away directory that stands in for var/ during tests."""
    return _TEST_VAR_DIR


def _transaction_group(item: pytest.Item) -> int:
    """0: no transactional database; 1: transactional restoring the serialized database;
    2: transactional without it (browser journeys, some concurrency tests)."""
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    transactional = (marker is not None and marker.kwargs.get("transaction", False)) or (
        "transactional_db" in fixtures or "live_server" in fixtures
    )
    if not transactional:
        return 0
    return 1 if marker is not None and marker.kwargs.get("serialized_rollback", False) else 2


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that restore the serialized database run before plain transactional ones.

    A plain transactional test flushes the tables at its end and Django's post_migrate
    recreates the content types with new ids; a later test restoring the serialized
    database would then insert content types that exist under other ids (a unique
    violation that depends on which tests an xdist worker happened to get). Each worker
    runs its share in this order, so no restoring test ever follows a plain one.
    """
    items.sort(key=_transaction_group)
