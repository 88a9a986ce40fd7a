"""Reads of dashboards, reports and exports from a PostgreSQL streaming replica (docs/scale.md).

When ``DATABASE_REPLICA_URL`` is set, settings add a ``replica`` database alias, this router
and :class:`ReplicaReadsMiddleware`. Everything is read from and written to the primary
(``default``) except the reads made while :func:`replica_reads` is active: the middleware
turns it on for ``GET`` requests to the paths in ``DUBAN_REPLICA_PATHS`` (the dashboard,
reports and exports: pages whose figures may be a few seconds old), and a job may use it
as a context manager around a long read (an export).

Three rules keep a reader correct:

- the user and the session are read from the primary *before* the request turns to the
  replica (a login made a moment ago may not have reached the replica yet);
- inside a write transaction (``transaction.atomic`` on the primary) every read goes to the
  primary, so a service reads its own writes and ``select_for_update`` never reaches the
  read-only replica (the dashboard refreshing a stale month does exactly this);
- without a ``replica`` alias the router answers ``default``: one machine needs nothing.

What a reader sees during replication lag: the replica's state as of the last WAL replayed,
a consistent snapshot that is a little old (the test ``core/tests/test_replica.py`` pauses
replay and checks this). The dashboard shows "as of" times from the rollup rows it read, so
a figure is never newer than it says.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
# Paths whose GET requests read from the replica (prefixes). Settings may override them.
DEFAULT_REPLICA_PATHS = (
    "/metrics/",
    "/api/v1/metrics",
    "/desk/circular/",
    "/indicators/",
    "/search/export",
)

_reading_replica: ContextVar[bool] = ContextVar("duban_replica_reads", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def replica_reads() -> Iterator[None]:
    """Route the reads made inside the block to the replica (when there is one)."""
    token = _reading_replica.set(True)
    try:
        yield
    finally:
        _reading_replica.reset(token)


def read_alias() -> str:
    """The alias a read made now goes to."""
    if not _reading_replica.get() or not replica_configured():
        return DEFAULT_DB_ALIAS
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS  # a write transaction reads its own writes
    return REPLICA


class ReplicaRouter:
    """Django database router: see the module docstring."""

    def db_for_read(self, model: Any, **hints: Any) -> str:
        return read_alias()

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db != REPLICA  # a replica is migrated by replaying the primary's WAL


def replica_path(path: str) -> bool:
    prefixes = getattr(settings, "DUBAN_REPLICA_PATHS", DEFAULT_REPLICA_PATHS)
    return path.startswith(tuple(prefixes))


class ReplicaReadsMiddleware:
    """Turns :func:`replica_reads` on for GET/HEAD requests to :func:`replica_path` paths.

    Placed after the authentication middleware; the user is loaded from the primary first.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in ("GET", "HEAD") or not replica_configured():
            return self.get_response(request)
        if not replica_path(request.path):
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None:
            getattr(user, "pk", None)  # evaluate the lazy user (and the session) on the primary
        with replica_reads():
            return self.get_response(request)
