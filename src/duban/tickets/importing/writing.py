"""Writing validated rows: PostgreSQL ``COPY``, or the ORM's ``bulk_create`` elsewhere.

Each imported ticket is closed history: state ``closed``, channel ``import``, registered
and dispatched at its call time to the unit that handled it, replied and closed when the
export says; one caller (name and phone encrypted, look-up hashes from ``core.crypto``),
one primary assignment (done) and one ``register`` event that goes straight to ``closed``
and carries what replay needs (``set``) and where the ticket came from (``imported``).

On PostgreSQL the ticket and caller ids are reserved from their sequences first (so other
writers may go on meanwhile), the rows are streamed to ``COPY`` as they are built (the
server parses while Python builds the next chunk), and the events' and assignments' ids
come from their identity columns. Column lists come from the models: a column added
later with a default needs nothing here; one without a default stops the import with a
message naming it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models

from duban.core.crypto import encrypt, phone_hash

from ..choices import AssignmentRole, AssignmentStatus, Channel, Kind, State, Urgency
from ..events import EventType, payloads
from ..models import Caller, Ticket, TicketAssignment, TicketEvent, name_hash
from .validation import BEIJING, Row

Progress = Callable[[str, int, int], None]
CHUNK = 5000
_ESCAPE = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
NULL = "\\N"


def local_day(moment: datetime) -> date:
    return moment.astimezone(BEIJING).date()


@dataclass(frozen=True)
class Plan:
    """What every row shares: the run, the actor, the numbers handed out."""

    run_id: int
    actor_id: int | None
    actor_unit_id: int | None
    numbers: list[str]  # per row, in order


def rated(row: Row) -> bool:
    return bool(row.satisfaction) or row.resolved is not None


def event_payload(row: Row, run_id: int) -> dict[str, Any]:
    payload = payloads.register(
        channel=Channel.IMPORT.value,
        kind=Kind.APPEAL.value,
        imported={"run": run_id, "line": row.line, "source_number": row.source_number},
    )
    payload["set"] = {
        "primary_unit_id": row.unit_id,
        "handling_unit_id": row.unit_id,
        "satisfaction": row.satisfaction,
        "resolved": row.resolved,
    }
    return payload


# -- the ORM path (SQLite, and any database without COPY) -------------------------------------
def write_orm(rows: Sequence[Row], plan: Plan, progress: Progress | None = None) -> None:
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        numbers = plan.numbers[start : start + CHUNK]
        callers: list[Caller | None] = [
            Caller.build(name=r.caller_name, phone=r.caller_phone, created_at=r.created)
            if r.caller_name or r.caller_phone
            else None
            for r in chunk
        ]
        Caller.objects.bulk_create([c for c in callers if c is not None])
        tickets = Ticket.objects.bulk_create(
            [
                Ticket(
                    number=number,
                    caller_id=caller.pk if caller is not None else None,
                    registered_by_id=plan.actor_id,
                    **_ticket_fields(r),
                )
                for r, number, caller in zip(chunk, numbers, callers, strict=True)
            ]
        )
        TicketEvent.objects.bulk_create(
            TicketEvent(
                ticket_id=t.pk,
                seq=1,
                type=EventType.REGISTER,
                actor_id=plan.actor_id,
                actor_unit_id=plan.actor_unit_id,
                at=r.created,
                from_state="",
                to_state=State.CLOSED,
                payload=event_payload(r, plan.run_id),
            )
            for t, r in zip(tickets, chunk, strict=True)
        )
        TicketAssignment.objects.bulk_create(
            TicketAssignment(ticket_id=t.pk, **_assignment_fields(r))
            for t, r in zip(tickets, chunk, strict=True)
        )
        if progress is not None:
            progress("写入", start + len(chunk), len(rows))


def _ticket_fields(r: Row) -> dict[str, Any]:
    return {
        "kind": Kind.APPEAL,
        "appeal_type": r.appeal_type,
        "channel": Channel.IMPORT,
        "urgency": Urgency.NORMAL,
        "title": r.title,
        "content": r.content,
        "location": r.location,
        "category_id": r.category_id,
        "state": State.CLOSED,
        "version": 1,
        "district_id": r.district_id,
        "primary_unit_id": r.unit_id,
        "handling_unit_id": r.unit_id,
        "created_at": r.created,
        "dispatched_at": r.created,
        "replied_at": r.replied,
        "rated_at": r.closed if rated(r) else None,
        "closed_at": r.closed,
        "reply_text": r.reply_text,
        "resolved": r.resolved,
        "satisfaction": r.satisfaction,
    }


def _assignment_fields(r: Row) -> dict[str, Any]:
    return {
        "unit_id": r.unit_id,
        "role": AssignmentRole.PRIMARY,
        "status": AssignmentStatus.DONE,
        "assigned_at": r.created,
        "finished_at": r.closed,
    }


# -- PostgreSQL COPY ---------------------------------------------------------------------------
def _render(value: Any) -> str:
    """A constant as COPY text, braces doubled for ``str.format``."""
    if value is None:
        text = NULL
    elif isinstance(value, bool):
        text = "t" if value else "f"
    elif isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False).translate(_ESCAPE)
    elif isinstance(value, datetime):
        text = value.isoformat()
    else:
        text = str(value).translate(_ESCAPE)
    return text.replace("{", "{{").replace("}", "}}")


def copy_template(
    model: type[models.Model], varying: Sequence[str], constants: dict[str, Any]
) -> tuple[str, str]:
    """``COPY table (columns) FROM STDIN`` and a ``str.format`` template of one line.

    ``varying`` columns are filled per row (``{attname}``, already COPY text); the others
    get ``constants``, the field's default, NULL or "" — a column with none of these is a
    schema this importer does not know, and stops it. The primary key is left to the
    database's identity unless it is varying.
    """
    columns, parts = [], []
    for f in model._meta.concrete_fields:
        name = f.attname
        if name in varying:
            part = "{" + name + "}"
        elif name in constants:
            part = _render(constants[name])
        elif f.primary_key:
            continue
        elif f.has_default():
            part = _render(f.get_default())
        elif f.null:
            part = NULL
        elif f.empty_strings_allowed:
            part = ""
        else:
            raise ImproperlyConfigured(
                f"history import: {model._meta.db_table}.{f.column} has no value to import"
            )
        columns.append(connection.ops.quote_name(f.column))
        parts.append(part)
    sql = f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN"
    return sql, "\t".join(parts) + "\n"


def _text(value: str) -> str:
    return value.translate(_ESCAPE)


def _null_time(moment: datetime | None) -> str:
    return moment.isoformat() if moment is not None else NULL


_BOOL = {True: "t", False: "f", None: NULL}
_JSON_BOOL = {True: "true", False: "false", None: "null"}


def reserve_ids(cur: Any, table: str, n: int) -> list[int]:
    if n == 0:
        return []
    cur.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
        [table, n],
    )
    return [r[0] for r in cur.fetchall()]


class CopyWriter:
    """Streams the callers, tickets, events and assignments of the rows to ``COPY``."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        constants = {
            "kind": Kind.APPEAL.value,
            "channel": Channel.IMPORT.value,
            "urgency": Urgency.NORMAL.value,
            "state": State.CLOSED.value,
            "version": 1,
            "registered_by_id": plan.actor_id,
        }
        self.tickets = copy_template(
            Ticket,
            (
                "id", "number", "appeal_type", "title", "content", "location", "category_id",
                "caller_id", "district_id", "primary_unit_id", "handling_unit_id",
                "created_at", "dispatched_at", "replied_at", "rated_at", "closed_at",
                "reply_text", "resolved", "satisfaction",
            ),
            constants,
        )  # fmt: skip
        self.callers = copy_template(
            Caller, ("id", "name", "phone", "phone_hash", "name_hash", "created_at"), {}
        )
        self.events = copy_template(
            TicketEvent,
            ("ticket_id", "at", "payload"),
            {
                "seq": 1,
                "type": EventType.REGISTER.value,
                "actor_id": plan.actor_id,
                "actor_unit_id": plan.actor_unit_id,
                "from_state": "",
                "to_state": State.CLOSED.value,
            },
        )
        self.assignments = copy_template(
            TicketAssignment,
            ("ticket_id", "unit_id", "assigned_at", "finished_at"),
            {"role": AssignmentRole.PRIMARY.value, "status": AssignmentStatus.DONE.value},
        )
        self.payload = self._payload_template(plan.run_id)
        self.names: dict[str, tuple[str, str]] = {}
        self.phones: dict[str, tuple[str, str]] = {}

    @staticmethod
    def _payload_template(run_id: int) -> str:
        """The event payload as a format template (built by ``payloads.register``, so its
        keys stay that function's)."""
        proto = payloads.register(
            channel=Channel.IMPORT.value,
            kind=Kind.APPEAL.value,
            imported={"run": run_id, "line": -7101, "source_number": "@@SRC@@"},
        )
        proto["set"] = {
            "primary_unit_id": -7102,
            "handling_unit_id": -7102,
            "satisfaction": "@@SAT@@",
            "resolved": "@@RES@@",
        }
        text = json.dumps(proto, ensure_ascii=False).replace("{", "{{").replace("}", "}}")
        for marker, slot in (
            ("-7101", "{line}"),
            ("-7102", "{unit}"),
            ("@@SRC@@", "{src}"),
            ("@@SAT@@", "{sat}"),
            ('"@@RES@@"', "{res}"),
        ):
            text = text.replace(marker, slot)
        return text.translate(_ESCAPE)

    def _caller(self, name: str, phone: str) -> tuple[str, str, str, str]:
        n = self.names.get(name)
        if n is None:
            n = self.names[name] = (_text(encrypt(name)), name_hash(name))
        p = self.phones.get(phone)
        if p is None:
            p = self.phones[phone] = (_text(encrypt(phone)), phone_hash(phone))
        return n[0], p[0], p[1], n[1]

    def write(self, cur: Any, rows: Sequence[Row], progress: Progress | None = None) -> None:
        with_caller = [bool(r.caller_name or r.caller_phone) for r in rows]
        caller_ids = iter(reserve_ids(cur, "tickets_caller", sum(with_caller)))
        ticket_ids = reserve_ids(cur, "tickets_ticket", len(rows))
        callers_of = [next(caller_ids) if has else None for has in with_caller]
        self._copy(cur, self.callers[0], self._caller_lines(rows, callers_of), progress, "来电人")
        self._copy(
            cur, self.tickets[0], self._ticket_lines(rows, ticket_ids, callers_of), progress, "工单"
        )
        self._copy(cur, self.events[0], self._event_lines(rows, ticket_ids), progress, "办理过程")
        self._copy(
            cur, self.assignments[0], self._assignment_lines(rows, ticket_ids), progress, "派单记录"
        )

    @staticmethod
    def _copy(
        cur: Any, sql: str, lines: Iterator[str], progress: Progress | None, stage: str
    ) -> None:
        done = 0
        with cur.copy(sql) as copy:
            buffer: list[str] = []
            for line in lines:
                buffer.append(line)
                if len(buffer) == CHUNK:
                    copy.write("".join(buffer))
                    done += len(buffer)
                    buffer.clear()
                    if progress is not None and done % 100_000 == 0:
                        progress(stage, done, 0)
            if buffer:
                copy.write("".join(buffer))

    def _caller_lines(self, rows: Sequence[Row], ids: list[int | None]) -> Iterator[str]:
        fmt = self.callers[1]
        for r, cid in zip(rows, ids, strict=True):
            if cid is None:
                continue
            name, phone, p_hash, n_hash = self._caller(r.caller_name, r.caller_phone)
            yield fmt.format(
                id=cid,
                name=name,
                phone=phone,
                phone_hash=p_hash,
                name_hash=n_hash,
                created_at=r.created.isoformat(),
            )

    def _ticket_lines(
        self, rows: Sequence[Row], ids: list[int], callers: list[int | None]
    ) -> Iterator[str]:
        fmt, numbers = self.tickets[1], self.plan.numbers
        for k, r in enumerate(rows):
            created = r.created.isoformat()
            closed = r.closed.isoformat()
            yield fmt.format(
                id=ids[k],
                number=numbers[k],
                appeal_type=r.appeal_type,
                title=_text(r.title),
                content=_text(r.content),
                location=_text(r.location),
                category_id=r.category_id if r.category_id is not None else NULL,
                caller_id=callers[k] if callers[k] is not None else NULL,
                district_id=r.district_id,
                primary_unit_id=r.unit_id,
                handling_unit_id=r.unit_id,
                created_at=created,
                dispatched_at=created,
                replied_at=r.replied.isoformat(),
                rated_at=closed if rated(r) else NULL,
                closed_at=closed,
                reply_text=_text(r.reply_text),
                resolved=_BOOL[r.resolved],
                satisfaction=r.satisfaction,
            )

    def _event_lines(self, rows: Sequence[Row], ids: list[int]) -> Iterator[str]:
        fmt, payload = self.events[1], self.payload
        for r, tid in zip(rows, ids, strict=True):
            yield fmt.format(
                ticket_id=tid,
                at=r.created.isoformat(),
                payload=payload.format(
                    line=r.line,
                    unit=r.unit_id,
                    src=r.source_number,  # [A-Za-z0-9_-] only (validation)
                    sat=r.satisfaction,
                    res=_JSON_BOOL[r.resolved],
                ),
            )

    def _assignment_lines(self, rows: Sequence[Row], ids: list[int]) -> Iterator[str]:
        fmt = self.assignments[1]
        for r, tid in zip(rows, ids, strict=True):
            yield fmt.format(
                ticket_id=tid,
                unit_id=r.unit_id,
                assigned_at=r.created.isoformat(),
                finished_at=r.closed.isoformat(),
            )


# -- bulk mode: search indexes and foreign keys set aside around the COPY ---------------------
# The tables the import writes; their foreign keys are checked once per table, not per row.
WRITTEN_TABLES = (
    "tickets_caller",
    "tickets_ticket",
    "tickets_ticketevent",
    "tickets_ticketassignment",
)


@dataclass(frozen=True)
class SetAside:
    indexes: list[tuple[str, str]]  # (name, CREATE INDEX …)
    foreign_keys: list[tuple[str, str, str]]  # (table, name, FOREIGN KEY … definition)


def search_index_definitions(cur: Any) -> list[tuple[str, str]]:
    """The GIN (trigram) indexes of the ticket table: (name, CREATE INDEX statement)."""
    cur.execute(
        "SELECT indexname, indexdef FROM pg_indexes "
        "WHERE tablename = 'tickets_ticket' AND indexdef ILIKE '%% USING gin %%' ORDER BY 1"
    )
    return [(name, definition) for name, definition in cur.fetchall()]


def foreign_key_definitions(cur: Any) -> list[tuple[str, str, str]]:
    cur.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s) ORDER BY 1, 2",
        [list(WRITTEN_TABLES)],
    )
    return [tuple(r) for r in cur.fetchall()]  # type: ignore[misc]


def set_aside(cur: Any) -> SetAside:
    """Drop the ticket table's search indexes and the written tables' foreign keys (their
    definitions kept to restore them in the same transaction)."""
    q = connection.ops.quote_name
    # No table with pending trigger events may be altered: run the transaction's deferred
    # checks so far now (its audit record's), as its commit would.
    cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
    aside = SetAside(search_index_definitions(cur), foreign_key_definitions(cur))
    for name, _definition in aside.indexes:
        cur.execute(f"DROP INDEX {q(name)}")
    for table, name, _definition in aside.foreign_keys:
        cur.execute(f"ALTER TABLE {q(table)} DROP CONSTRAINT {q(name)}")
    return aside


def restore(cur: Any, aside: SetAside) -> None:
    """Build the indexes again and re-add the foreign keys, each checked over its whole table
    in one pass (``NOT VALID`` then ``VALIDATE``: a join, instead of a trigger per row)."""
    q = connection.ops.quote_name
    cur.execute("SET LOCAL maintenance_work_mem = '512MB'")
    for _name, definition in aside.indexes:
        cur.execute(definition)
    for table, name, definition in aside.foreign_keys:
        cur.execute(f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(name)} {definition} NOT VALID")
        cur.execute(f"ALTER TABLE {q(table)} VALIDATE CONSTRAINT {q(name)}")
    cur.execute("SET CONSTRAINTS ALL DEFERRED")
