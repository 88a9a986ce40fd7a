"""Importing another platform's history: ``tickets_import`` (``duban import_tickets``).

A run reads the whole file and validates every row first (``importing.validation``); when
any row is bad nothing is written — unless ``skip_invalid``, which writes the good rows and
reports the rest. Then, in one transaction: the run's audit record (``TicketImport``: who,
file, rows, time), the numbers (the file's own when it has them; otherwise per intake day,
continuing ``TicketSequence``; a file number in duban's own ``YYYYMMDD`` + 6-digit shape
raises its day's sequence so intake never hands it out again), the callers, tickets,
events and assignments (``COPY`` on PostgreSQL, ``bulk_create`` elsewhere), the day
sequences, and the import's observers told which months gained closed tickets (the metrics
rollup marks them stale, so their figures include the history).

``bulk`` (PostgreSQL only) drops the ticket table's trigram search indexes and the written
tables' foreign keys before the ``COPY`` and restores them after it, in the same
transaction: a GIN index maintained row by row and a foreign-key trigger per row and key
cost more than building the index once and checking each key with one join. The tables
are locked for the whole run (intake waits), and the rebuild costs in proportion to the
whole table, so it is refused when the table already holds more tickets than the file brings —
that is a live installation: import without ``bulk`` (slower, nothing locked for long but
the rows written) or out of hours in smaller files.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from django.db import connection, transaction

from duban.core.errors import Conflict, InvalidInput
from duban.core.periods import period_containing
from duban.org.models import User

from ..importing import hooks
from ..importing.mapping import MappingError
from ..importing.reading import ReadError, read_rows
from ..importing.validation import DUBAN_NUMBER_RE, Problem, Row, validate
from ..importing.writing import (
    CopyWriter,
    Plan,
    Progress,
    SetAside,
    local_day,
    restore,
    set_aside,
    write_orm,
)
from ..models import TicketImport, TicketSequence
from ..selectors_import import day_sequences, import_lookups, ticket_count_estimate


class ImportFileUnreadable(InvalidInput):
    code = "import_file_unreadable"


class ImportMappingInvalid(InvalidInput):
    code = "import_mapping_invalid"


class BulkImportRefused(Conflict):
    code = "import_bulk_refused"


@dataclass
class ImportResult:
    rows: int = 0  # data rows in the file
    valid: int = 0
    problems: list[Problem] = field(default_factory=list)
    written: int = 0
    run: TicketImport | None = None
    seconds: dict[str, float] = field(default_factory=dict)  # per stage, wall time

    @property
    def invalid(self) -> int:
        return len({p[0] for p in self.problems})


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def tickets_import(
    *,
    path: Path,
    mapping: dict[str, str],
    actor: User | None,
    now: datetime,
    run_by: str = "",
    skip_invalid: bool = False,
    dry_run: bool = False,
    bulk: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Validate ``path`` against ``mapping`` and, when it may be written, write it."""
    result = ImportResult()
    started = time.perf_counter()

    def rows_read(n: int) -> None:
        if progress is not None:
            progress("校验", n, 0)

    try:
        validated = validate(read_rows(path), mapping, import_lookups(now=now), progress=rows_read)
    except ReadError as exc:
        raise ImportFileUnreadable(str(exc)) from exc
    except MappingError as exc:
        raise ImportMappingInvalid(str(exc)) from exc
    if validated.header_problems:
        result.problems = [(1, "", "", p) for p in validated.header_problems]
        return result
    result.rows, result.valid, result.problems = (
        validated.total,
        len(validated.rows),
        validated.problems,
    )
    result.seconds["validate"] = time.perf_counter() - started
    if dry_run or not validated.rows or (result.problems and not skip_invalid):
        return result
    if bulk:
        _check_bulk(len(validated.rows))
    with transaction.atomic():
        run = TicketImport.objects.create(
            actor=actor,
            run_by=run_by[:100],
            file_name=path.name[:255],
            file_sha256=_sha256(path),
            rows=result.rows,
            imported=len(validated.rows),
            skipped=result.invalid,
            bulk=bulk,
            started_at=now,
        )
        write_started = time.perf_counter()
        numbers = _number(validated.rows)
        plan = Plan(
            run_id=run.pk,
            actor_id=actor.pk if actor is not None else None,
            actor_unit_id=actor.unit_id if actor is not None else None,
            numbers=numbers,
        )
        if connection.vendor == "postgresql":
            _write_postgres(validated.rows, plan, bulk=bulk, progress=progress, result=result)
        else:
            write_orm(validated.rows, plan, progress)
        hooks.notify(periods={period_containing(r.created) for r in validated.rows}, now=now)
        result.seconds["write"] = time.perf_counter() - write_started
        run.first_number, run.last_number = min(numbers), max(numbers)
        run.seconds = round(time.perf_counter() - started, 3)
        run.save(update_fields=["first_number", "last_number", "seconds"])
    result.written, result.run = len(validated.rows), run
    return result


def _check_bulk(rows: int) -> None:
    if connection.vendor != "postgresql":
        raise BulkImportRefused("批量模式仅适用于 PostgreSQL")
    existing = ticket_count_estimate()
    if existing > rows:
        raise BulkImportRefused(
            f"工单表已有约 {existing} 条工单，多于本次导入的 {rows} 条：批量模式会锁表并重建"
            "全表的检索索引，请不加 --bulk 导入，或在业务低峰分批导入"
        )


def _number(rows: list[Row]) -> list[str]:
    """Each row's number; the day sequences locked, raised and saved."""
    days: set[date] = {local_day(r.created) for r in rows if not r.number}
    own: dict[date, int] = {}
    for r in rows:
        m = DUBAN_NUMBER_RE.match(r.number) if r.number else None
        if m is not None:
            try:
                day = date(int(m[1][:4]), int(m[1][4:6]), int(m[1][6:]))
            except ValueError:
                continue
            own[day] = max(own.get(day, 0), int(m[2]))
    last = day_sequences(days | set(own), lock=True)
    for day, seq in own.items():
        last[day] = max(last.get(day, 0), seq)
    numbers = []
    for r in rows:
        if r.number:
            numbers.append(r.number)
            continue
        day = local_day(r.created)
        last[day] = last.get(day, 0) + 1
        numbers.append(f"{day:%Y%m%d}{last[day]:06d}")
    TicketSequence.objects.bulk_create(
        [TicketSequence(day=day, last=seq) for day, seq in last.items()],
        update_conflicts=True,
        unique_fields=["day"],
        update_fields=["last"],
    )
    return numbers


def _write_postgres(
    rows: list[Row],
    plan: Plan,
    *,
    bulk: bool,
    progress: Callable[[str, int, int], None] | None,
    result: ImportResult,
) -> None:
    connection.ensure_connection()
    with connection.connection.cursor() as cur:  # the same transaction as the ORM's
        aside = set_aside(cur) if bulk else SetAside([], [])
        started = time.perf_counter()
        CopyWriter(plan).write(cur, rows, progress)
        result.seconds["copy"] = time.perf_counter() - started
        if bulk:
            if progress is not None:
                progress("重建检索索引、校验外键", 0, 0)
            started = time.perf_counter()
            restore(cur, aside)
            result.seconds["restore"] = time.perf_counter() - started
