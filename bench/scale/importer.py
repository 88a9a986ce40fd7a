"""Import historical tickets from another platform's CSV export — a BENCH TOOL, not a product
feature (issue 15 asks for the product's importer; the tickets and jobs apps belong to other
people this session, so this lives under ``bench/scale/`` until it is moved into the product).

    DATABASE_URL=postgres://… uv run --frozen --no-sync python bench/scale/importer.py FILE.csv \
        [--map 受理时间=created_at,…] [--dry-run] [--sample 1000000]

A column mapping names which source column holds which field (``SAMPLE_MAPPING`` is a
typical 12345 platform export: 工单编号, 受理时间, 来电号码, 来电人, 诉求类型, 标题, 诉求内容,
承办单位, 办结时间, 满意度). Every row is validated before anything is written (dates,
required text and its length, the unit by name or code, the appeal type and satisfaction by
their Chinese labels, the phone's digits, closing after intake); the validation report
(line, column, value, message) goes to ``FILE.report.csv`` and, when any row is invalid,
nothing is written. Valid files are written in one transaction with ``COPY``: callers
(name and phone encrypted, look-up hashes computed with ``core.crypto``), tickets (closed,
kind appeal, channel import, numbered by their intake day after the day's existing
numbers, ``TicketSequence`` raised) and one ``register`` event per ticket whose payload
keeps the source number. Duplicate keys are not computed for imported tickets (a MinHash
per ticket would dominate the import time): intake's duplicate finder does not see them.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import re
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
os.environ.setdefault("DUBAN_VAR_DIR", "/tmp/duban-scale-var")

SAMPLE_MAPPING = {
    "工单编号": "source_number",
    "受理时间": "created_at",
    "来电号码": "phone",
    "来电人": "name",
    "诉求类型": "appeal_type",
    "标题": "title",
    "诉求内容": "content",
    "承办单位": "unit",
    "办结时间": "closed_at",
    "满意度": "satisfaction",
}
REQUIRED = ("created_at", "title", "content", "unit", "appeal_type")
LOCAL = timedelta(hours=8)


@dataclass
class ImportResult:
    rows: int = 0
    errors: int = 0
    seconds: float = 0.0
    report: Path | None = None
    ids: dict[str, tuple[int, int]] = field(default_factory=dict)
    buffers: dict[str, list[str]] = field(default_factory=dict)


def _esc(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _stamp(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%d %H:%M:%S+00")


def _parse_time(value: str) -> datetime:
    """A local (Beijing) time as exported: ``2026-03-05 10:23:11`` or ``2026/3/5 10:23``."""
    value = value.strip().replace("/", "-")
    dt = datetime.fromisoformat(value) if value[4:5] == "-" and len(value) >= 10 else None
    if dt is None:
        raise ValueError(value)
    if dt.tzinfo is None:
        dt = (dt - LOCAL).replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def _connect():
    import psycopg
    from django.db import connection

    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        dbname=db["NAME"],
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
    )


def prepare(path: Path, mapping: dict[str, str], cur) -> ImportResult:
    """Validate every row and build the COPY text of the callers, tickets and events."""
    from duban.core.crypto import encrypt, phone_hash
    from duban.org.models import Unit
    from duban.tickets.choices import AppealType, Satisfaction
    from duban.tickets.models import name_hash

    units: dict[str, int] = {}
    for pk, code, name in Unit.objects.values_list("pk", "code", "name"):
        units[code] = pk
        units.setdefault(name, pk)
    appeal = {str(label): value for value, label in AppealType.choices} | {
        v: v for v in AppealType.values
    }
    satisfaction = (
        {str(label): value for value, label in Satisfaction.choices}
        | {v: v for v in Satisfaction.values}
        | {"": ""}
    )
    district = Unit.objects.filter(parent=None).order_by("pk").values_list("pk", flat=True).first()
    cur.execute("SELECT day, last FROM tickets_ticketsequence")
    day_last = dict(cur.fetchall())
    cur.execute("SELECT nextval(pg_get_serial_sequence('tickets_ticket', 'id'))")
    result = ImportResult()
    errors: list[tuple[int, str, str, str]] = []
    callers: list[str] = []
    tickets: list[str] = []
    events: list[str] = []
    names: dict[str, tuple[str, str]] = {}
    cols = {v: k for k, v in mapping.items()}
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        missing = [f for f in REQUIRED if cols.get(f) not in header]
        if missing:
            raise SystemExit(f"the file lacks the mapped columns for: {', '.join(missing)}")
        idx = {f: header.index(c) for f, c in cols.items() if c in header}
        good: list[tuple] = []
        for line, rec in enumerate(reader, start=2):

            def get(f: str, rec: list[str] = rec) -> str:
                return rec[idx[f]].strip() if f in idx and idx[f] < len(rec) else ""

            row_errors = []
            try:
                created = _parse_time(get("created_at"))
            except ValueError:
                row_errors.append(("created_at", get("created_at"), "受理时间格式不正确"))
                created = None
            closed = None
            if get("closed_at"):
                try:
                    closed = _parse_time(get("closed_at"))
                    if created and closed < created:
                        row_errors.append(("closed_at", get("closed_at"), "办结时间早于受理时间"))
                except ValueError:
                    row_errors.append(("closed_at", get("closed_at"), "办结时间格式不正确"))
            title, content = get("title"), get("content")
            if not title or len(title) > 200:
                row_errors.append(("title", title[:20], "标题为空或超过200字"))
            if not content:
                row_errors.append(("content", "", "诉求内容为空"))
            unit = units.get(get("unit"))
            if unit is None:
                row_errors.append(("unit", get("unit"), "承办单位不存在"))
            kind = appeal.get(get("appeal_type"))
            if kind is None:
                row_errors.append(("appeal_type", get("appeal_type"), "诉求类型无法识别"))
            sat = satisfaction.get(get("satisfaction"))
            if sat is None:
                row_errors.append(("satisfaction", get("satisfaction"), "满意度无法识别"))
            phone = re.sub(r"\D", "", get("phone"))
            if get("phone") and not 7 <= len(phone) <= 15:
                row_errors.append(("phone", get("phone"), "电话号码位数不正确"))
            if row_errors:
                errors += [(line, cols.get(f, f), v, m) for f, v, m in row_errors]
                continue
            good.append(
                (
                    created,
                    closed,
                    title,
                    content,
                    unit,
                    kind,
                    sat,
                    phone,
                    get("name"),
                    get("source_number"),
                )
            )
    result.rows = len(good) + len({e[0] for e in errors})
    result.errors = len({e[0] for e in errors})
    report = path.with_suffix(".report.csv")
    with report.open("w", newline="", encoding="utf-8-sig") as fh:
        w = csv.writer(fh)
        w.writerow(["行号", "列", "值", "问题"])
        w.writerows(errors)
    result.report = report
    if errors:
        return result
    # ids: reserve ranges from the sequences (another writer may be inserting meanwhile)
    n = len(good)
    ids = {}
    for table in ("tickets_ticket", "tickets_caller", "tickets_ticketevent"):
        cur.execute(
            f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, %s)",
            [n],
        )
        got = [r[0] for r in cur.fetchall()]
        ids[table] = got
    result.ids = {t: (v[0], v[-1]) for t, v in ids.items()}
    day_count: dict = {}
    for k, (created, closed, title, content, unit, kind, sat, phone, name, source) in enumerate(
        good
    ):
        tid, cid, eid = (
            ids["tickets_ticket"][k],
            ids["tickets_caller"][k],
            ids["tickets_ticketevent"][k],
        )
        local_day = (created + LOCAL).date()
        seq = day_count.get(local_day, day_last.get(local_day, 0)) + 1
        day_count[local_day] = seq
        number = f"{local_day:%Y%m%d}{seq:06d}"
        enc = names.get(name)
        if enc is None:
            enc = names[name] = (encrypt(name), name_hash(name))
        cs = _stamp(created)
        callers.append(
            f"{cid}\t{enc[0]}\t{encrypt(phone)}\t\t{phone_hash(phone)}\t{enc[1]}\t{cs}\t\\N\n"
        )
        close = _stamp(closed) if closed else cs
        tickets.append(
            f"{tid}\t{number}\tappeal\t{kind}\timport\tnormal\t{_esc(title)}\t{_esc(content)}\t\t\\N\t{cid}\t"
            f"closed\t1\t\t{district}\t\\N\t{unit}\t{unit}\t{cs}\t{cs}\t\\N\t\\N\t\\N\t\\N\t\\N\t{close}\t"
            f"\\N\t\\N\t\\N\t\\N\t\\N\t0\t0\t\t\\N\t\\N\t\\N\t\\N\t\\N\t\t\t{{}}\t\\N\t{sat}\t0\tf\t0\t0\t0\t0\t\\N\tf\t\\N\t\tf\t{{}}\n"
        )
        source = _esc(source).replace('"', "")
        payload = f'{{"imported": true, "source_number": "{source}"}}'
        events.append(f"{eid}\t{tid}\t1\tregister\t\\N\t\\N\t{cs}\t\tclosed\t{payload}\n")
    result.buffers = {
        "tickets_caller": callers,
        "tickets_ticket": tickets,
        "tickets_ticketevent": events,
        "days": [f"{d}\t{v}" for d, v in day_count.items()],
    }
    return result


TICKET_COLUMNS = (
    "id, number, kind, appeal_type, channel, urgency, title, content, location, category_id, "
    "caller_id, state, version, return_from_state, district_id, registered_by_id, primary_unit_id, "
    "handling_unit_id, created_at, dispatched_at, accepted_at, first_contact_at, replied_at, "
    "reviewed_at, rated_at, closed_at, accept_due, contact_due, return_due, handle_due, "
    "callback_due, extension_days, extension_pending_days, extension_pending_reason, "
    "accept_breached_at, contact_breached_at, handle_breached_at, callback_breached_at, "
    "clock_stopped_at, reply_result, reply_text, reply_check, resolved, satisfaction, "
    "callback_attempts, unreachable, return_count, reopen_count, urge_count, supervise_level, "
    "leader_id, escalated, master_id, invalid_reason, exempt, suggestions"
)
COPIES = {
    "tickets_caller": "COPY tickets_caller (id, name, phone, id_number, phone_hash, name_hash, created_at, erased_at) FROM STDIN",
    "tickets_ticket": f"COPY tickets_ticket ({TICKET_COLUMNS}) FROM STDIN",
    "tickets_ticketevent": "COPY tickets_ticketevent (id, ticket_id, seq, type, actor_id, actor_unit_id, at, from_state, to_state, payload) FROM STDIN",
}


def write(cur, buffers: dict[str, list[str]]) -> None:
    for table in ("tickets_caller", "tickets_ticket", "tickets_ticketevent"):
        lines = buffers[table]
        with cur.copy(COPIES[table]) as copy:
            for k in range(0, len(lines), 5000):
                copy.write("".join(lines[k : k + 5000]))
    rows = [line.split("\t") for line in buffers["days"]]
    cur.executemany(
        "INSERT INTO tickets_ticketsequence (day, last) VALUES (%s, %s) ON CONFLICT (day) "
        "DO UPDATE SET last = GREATEST(tickets_ticketsequence.last, EXCLUDED.last)",
        rows,
    )


def import_file(
    path: Path, *, mapping: dict[str, str], dry_run: bool = False, batch_label: str = ""
) -> ImportResult:
    import django

    django.setup()
    started = time.perf_counter()
    with _connect() as pg:
        cur = pg.cursor()
        cur.execute("SET TIME ZONE 'UTC'")
        result = prepare(path, mapping, cur)
        if not result.errors and not dry_run:
            write(cur, result.buffers)
        pg.commit()
    result.seconds = time.perf_counter() - started
    global LAST
    LAST = result
    return result


LAST: ImportResult | None = None


def remove_batch(label: str = "") -> None:
    """Delete what the last import wrote (bench clean-up)."""
    if LAST is None or not LAST.ids:
        return
    with _connect() as pg:
        cur = pg.cursor()
        lo, hi = LAST.ids["tickets_ticket"]
        cur.execute("DELETE FROM tickets_ticketevent WHERE ticket_id BETWEEN %s AND %s", [lo, hi])
        cur.execute("DELETE FROM tickets_ticket WHERE id BETWEEN %s AND %s", [lo, hi])
        lo, hi = LAST.ids["tickets_caller"]
        cur.execute("DELETE FROM tickets_caller WHERE id BETWEEN %s AND %s", [lo, hi])


def bare_copy(path: Path) -> float:
    """The floor: the same rows, already shaped, sent with plain COPY (rolled back)."""
    import django

    django.setup()
    with _connect() as pg:
        cur = pg.cursor()
        cur.execute("SET TIME ZONE 'UTC'")
        result = prepare(path, SAMPLE_MAPPING, cur)
        pg.rollback()
        started = time.perf_counter()
        write(cur, result.buffers)
        seconds = time.perf_counter() - started
        pg.rollback()
    return seconds


def make_sample(path: Path, rows: int, seed: int = 7) -> None:
    """A CSV in the shape of another platform's export, from texts of stored tickets."""
    import django

    django.setup()
    from duban.org.models import Unit, UnitKind
    from duban.tickets.choices import AppealType, Satisfaction
    from duban.tickets.models import Ticket

    rng = random.Random(seed)
    texts = list(Ticket.objects.filter(kind="appeal").values_list("title", "content")[:5000])
    units = list(
        Unit.objects.filter(kind__in=[UnitKind.DEPARTMENT, UnitKind.STREET]).values_list(
            "name", flat=True
        )
    )
    types = [str(label) for _, label in AppealType.choices]
    sats = [str(label) for _, label in Satisfaction.choices] + [""]
    start = datetime(2024, 1, 1)  # noqa: DTZ001 - a local time as the export writes it
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(list(SAMPLE_MAPPING))
        for i in range(rows):
            created = start + timedelta(seconds=rng.randrange(365 * 86400))
            closed = created + timedelta(hours=rng.randrange(4, 400))
            title, content = rng.choice(texts)
            w.writerow(
                [
                    f"BJ{i:010d}",
                    created.strftime("%Y-%m-%d %H:%M:%S"),
                    f"1{rng.choice('35789')}{rng.randrange(10**9):09d}",
                    rng.choice("王李张刘陈杨黄赵") + rng.choice(["先生", "女士"]),
                    rng.choice(types),
                    title,
                    content,
                    rng.choice(units),
                    closed.strftime("%Y-%m-%d %H:%M:%S"),
                    rng.choice(sats),
                ]
            )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("file", type=Path)
    parser.add_argument("--map", default="", help="source column=field, comma-separated")
    parser.add_argument("--dry-run", action="store_true", help="validate and report only")
    parser.add_argument("--sample", type=int, default=0, help="first write a sample file of N rows")
    args = parser.parse_args()
    mapping = dict(SAMPLE_MAPPING)
    if args.map:
        mapping = dict(pair.split("=", 1) for pair in args.map.split(","))
    if args.sample:
        make_sample(args.file, args.sample)
    result = import_file(args.file, mapping=mapping, dry_run=args.dry_run)
    print(
        f"{result.rows} rows, {result.errors} invalid (report: {result.report}); "
        f"{'nothing written' if result.errors or args.dry_run else 'written'} in {result.seconds:.1f} s"
    )
    sys.exit(1 if result.errors else 0)


if __name__ == "__main__":
    main()
