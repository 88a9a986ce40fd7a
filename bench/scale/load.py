"""Bulk loader for the scale run (issue 15): N tickets of a city straight into duban's tables.

    DATABASE_URL=postgres://… duban migrate
    DATABASE_URL=postgres://… duban demo --tickets 20000 --months 12     # the templates
    DATABASE_URL=postgres://… uv run --frozen --no-sync python bench/scale/load.py \
        --tickets 2500000

How it works. ``duban demo`` simulates a district's twelve months ticket by ticket through
the real lifecycle (≈ 300–400 tickets/s): its tickets, events, assignments, callers and
duplicate keys are the *templates*. The loader grows the org to a city (≈ 400 units that
receive tickets: the demo's departments and streets cloned into groups, each clone a real
``org.Unit`` under the district) and the catalogue to ≈ 390 categories (leaf clones under
the same parents), then writes each template ``R = N / templates`` times with PostgreSQL
``COPY`` (psycopg 3 ``cursor.copy``, a writer thread so that generation and the server's
work overlap), each copy:

- in one unit group (its units, assignments and events' acting units remapped), with a
  leaf category drawn among the template leaf's clones;
- moved earlier by a random 0–12 h (every timestamp of the ticket, its events and
  assignments by the same amount, so the story stays consistent and the state
  distribution by age is the demo's: recent tickets open, old ones closed);
- with a new number (per-day counters continuing ``TicketSequence``), a new caller (a
  new phone, or 12 % of the time a recent caller's phone as the demo does; name, phone
  and ID number encrypted with ``core.crypto.encrypt``, ``phone_hash``/``name_hash``
  computed with the product's functions, so the search by phone finds them), the
  template's duplicate keys (the same text gives the same MinHash keys) and, for a
  duplicate, a master among the copies of the template's master.

Payload values of the events (ids, deadlines inside the JSON) are the template's, not
remapped: the ticket page shows them as the demo wrote them.

Around the load the secondary indexes of the five big tables are dropped and rebuilt
afterwards (``--keep-indexes`` to load with them: slower, see docs/scale.md); the
unique and primary keys and the foreign keys stay. Afterwards: sequences set past the
ids used, ``TicketSequence`` raised, the ticket table ordered by registration time as a
live system's inserts leave it (``CLUSTER``; ``--no-cluster`` to skip), ``VACUUM
ANALYZE``, the monthly rollup rebuilt for 13 months (``metrics.services.refresh_periods``).
Prints progress, the load rate and the disk size per million tickets
(``pg_total_relation_size``).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
os.environ.setdefault("DUBAN_VAR_DIR", "/tmp/duban-scale-var")

BIG_TABLES = [
    "tickets_caller",
    "tickets_ticket",
    "tickets_ticketassignment",
    "tickets_ticketevent",
    "tickets_duplicatekey",
]
SHIFT_MAX = 12 * 3600  # a copy moves up to 12 hours earlier
REPEAT_SHARE = 0.12  # share of callers who called before (the demo's)
LOCAL = 8 * 3600  # Asia/Shanghai, no daylight saving


def log(msg: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {msg}", file=sys.stderr, flush=True)


class Stamp:
    """Fast ``timestamptz`` text for whole epoch seconds (UTC), cached per day."""

    def __init__(self) -> None:
        self.secs = [
            f"{h:02d}:{m:02d}:{s:02d}+00" for h in range(24) for m in range(60) for s in range(60)
        ]
        self.days: dict[int, str] = {}
        self.local_days: dict[int, str] = {}

    def __call__(self, t: int) -> str:
        d, s = divmod(t, 86400)
        day = self.days.get(d)
        if day is None:
            day = self.days[d] = datetime.fromtimestamp(d * 86400, UTC).strftime("%Y-%m-%d ")
        return day + self.secs[s]

    def local_day(self, t: int) -> tuple[int, str]:
        d = (t + LOCAL) // 86400
        text = self.local_days.get(d)
        if text is None:
            text = self.local_days[d] = datetime.fromtimestamp(d * 86400, UTC).strftime("%Y%m%d")
        return d, text


def epoch(text: str) -> int | None:
    if text == "\\N":
        return None
    return int(datetime.fromisoformat(text).timestamp())


class Table:
    """A template table read with ``COPY … TO STDOUT`` (text format: escaping kept)."""

    def __init__(self, cur, name: str, where: str = "", order: str = "id") -> None:
        cur.execute(f"SELECT * FROM {name} LIMIT 0")
        self.name = name
        self.columns = [d.name for d in cur.description]
        self.types = {d.name: d.type_code for d in cur.description}
        self.index = {c: i for i, c in enumerate(self.columns)}
        self.rows: list[list[str]] = []
        with cur.copy(f"COPY (SELECT * FROM {name} {where} ORDER BY {order}) TO STDOUT") as copy:
            buf = b"".join(bytes(chunk) for chunk in copy)
        for line in buf.decode().split("\n"):
            if line:
                self.rows.append(line.split("\t"))

    def stamp_columns(self) -> list[int]:
        ts_oid = 1184  # timestamptz
        return [self.index[c] for c in self.columns if self.types[c] == ts_oid]

    def col(self, name: str) -> int:
        return self.index[name]


def grow_org(groups: int, category_target: int, rng: random.Random):
    """Clone the demo's departments and streets ``groups - 1`` times and the leaf categories
    up to ``category_target``; return (unit map per group, category clones per leaf)."""
    from duban.org.models import Unit, UnitKind
    from duban.org.services import unit_create
    from duban.tickets.models import Category

    district = Unit.objects.get(kind=UnitKind.DISTRICT, parent=None, code="pds-demo")
    base = list(
        Unit.objects.filter(parent=district, kind__in=[UnitKind.DEPARTMENT, UnitKind.STREET])
        .exclude(code__contains="-g")
        .order_by("sort_order", "pk")
    )
    unit_maps: list[dict[str, str]] = [{str(u.pk): str(u.pk) for u in base}]
    for g in range(1, groups):
        mapping = {}
        for u in base:
            code = f"{u.code}-g{g}"
            clone = Unit.objects.filter(code=code).first() or unit_create(
                code=code,
                name=f"{u.name}（{g + 1}）",
                kind=u.kind,
                parent=district,
                sort_order=u.sort_order + 1000 * g,
            )
            mapping[str(u.pk)] = str(clone.pk)
        unit_maps.append(mapping)
    leaves = list(Category.objects.filter(children__isnull=True).exclude(name__contains="（"))
    base_total = Category.objects.exclude(name__contains="（").count()
    extra = max(0, category_target - base_total)
    clones: dict[str, list[str]] = {}
    for n, leaf in enumerate(leaves):
        ids = [str(leaf.pk)]
        # spread the extra categories over the leaves (some get one clone more)
        share = extra // len(leaves) + (1 if n < extra % len(leaves) else 0)
        for k in range(share):
            name = f"{leaf.name}（{k + 2}）"
            full = f"{leaf.full_name}（{k + 2}）"
            c = Category.objects.filter(full_name=full).first() or Category.objects.create(
                name=name,
                parent=leaf.parent,
                level=leaf.level,
                full_name=full,
                default_unit=leaf.default_unit,
                territorial=leaf.territorial,
            )
            ids.append(str(c.pk))
        clones[str(leaf.pk)] = ids
    return unit_maps, clones, len(base) * groups, Category.objects.count()


def secondary_indexes(cur) -> list[tuple[str, str]]:
    """(name, definition) of the big tables' indexes that back no constraint."""
    cur.execute(
        """
        SELECT i.relname, pg_get_indexdef(i.oid)
        FROM pg_index x
        JOIN pg_class i ON i.oid = x.indexrelid
        JOIN pg_class t ON t.oid = x.indrelid
        LEFT JOIN pg_constraint c ON c.conindid = i.oid
        WHERE t.relname = ANY(%s) AND c.oid IS NULL
        ORDER BY t.relname, i.relname
        """,
        [BIG_TABLES],
    )
    return list(cur.fetchall())


def foreign_keys(cur) -> list[tuple[str, str, str]]:
    """(table, name, definition) of the foreign keys of the big tables."""
    cur.execute(
        """
        SELECT t.relname, c.conname, pg_get_constraintdef(c.oid)
        FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
        WHERE c.contype = 'f' AND t.relname = ANY(%s)
        ORDER BY t.relname, c.conname
        """,
        [BIG_TABLES],
    )
    return list(cur.fetchall())


def table_sizes(cur) -> dict[str, int]:
    cur.execute(
        "SELECT relname, pg_total_relation_size(oid) FROM pg_class "
        "WHERE relname = ANY(%s) AND relkind = 'r'",
        [BIG_TABLES],
    )
    return dict(cur.fetchall())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=2_500_000)
    parser.add_argument("--units", type=int, default=400, help="units receiving tickets (≈)")
    parser.add_argument("--categories", type=int, default=390)
    parser.add_argument("--batch", type=int, default=20_000, help="tickets per transaction")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--keep-indexes", action="store_true", help="load with all indexes")
    parser.add_argument("--no-rollup", action="store_true")
    parser.add_argument("--no-vacuum", action="store_true")
    parser.add_argument(
        "--no-cluster",
        action="store_true",
        help="leave the ticket table in load order (template by template)",
    )
    args = parser.parse_args()

    import django

    Path(os.environ["DUBAN_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    django.setup()
    from django.db import connection
    from django.utils import timezone
    from psycopg.copy import QueuedLibpqWriter

    from duban.core.crypto import encrypt, phone_hash
    from duban.core.periods import months_back
    from duban.metrics.services import refresh_periods
    from duban.tickets.models import name_hash

    if connection.vendor != "postgresql":
        sys.exit("the scale loader writes with PostgreSQL COPY: set DATABASE_URL=postgres://…")
    rng = random.Random(args.seed)
    import psycopg

    db = connection.settings_dict
    pg = psycopg.connect(
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        dbname=db["NAME"],
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
    )
    cur = pg.cursor()
    cur.execute("SET TIME ZONE 'UTC'")
    started_all = time.perf_counter()

    # -- templates -------------------------------------------------------------------------
    cur.execute("SELECT min(id), max(id) FROM tickets_ticket")
    lo, hi = cur.fetchone()
    if lo is None:
        sys.exit("no tickets: run `duban demo --tickets 20000 --months 12` first (the templates)")
    # Templates are the demo's own tickets: the first id range loaded (a second run of the
    # loader keeps using the demo's, recorded in a marker table).
    cur.execute("CREATE TABLE IF NOT EXISTS scale_templates (max_id bigint)")
    cur.execute("SELECT max_id FROM scale_templates")
    row = cur.fetchone()
    if row is None:
        cur.execute("INSERT INTO scale_templates VALUES (%s)", [hi])
        tmax = hi
    else:
        tmax = row[0]
    pg.commit()
    where = f"WHERE ticket_id <= {tmax}"
    t0 = time.perf_counter()
    tickets = Table(cur, "tickets_ticket", f"WHERE id <= {tmax}", order="created_at, id")
    events = Table(cur, "tickets_ticketevent", where, order="ticket_id, seq")
    assigns = Table(cur, "tickets_ticketassignment", where, order="ticket_id, id")
    dkeys = Table(cur, "tickets_duplicatekey", where, order="ticket_id, id")
    callers = Table(
        cur,
        "tickets_caller",
        f"WHERE id IN (SELECT caller_id FROM tickets_ticket WHERE id <= {tmax})",
    )
    log(
        f"templates: {len(tickets.rows)} tickets, {len(events.rows)} events, "
        f"{len(assigns.rows)} assignments, {len(dkeys.rows)} duplicate keys "
        f"({time.perf_counter() - t0:.1f} s)"
    )

    # -- a city's org and catalogue ------------------------------------------------------
    from duban.org.models import Unit, UnitKind

    base_units = (
        Unit.objects.filter(
            parent__code="pds-demo", kind__in=[UnitKind.DEPARTMENT, UnitKind.STREET]
        )
        .exclude(code__contains="-g")
        .count()
    )
    groups = max(1, round(args.units / base_units))
    unit_maps, cat_clones, n_units, n_cats = grow_org(groups, args.categories, rng)
    log(f"org: {n_units} units receiving tickets in {groups} groups, {n_cats} categories")

    # -- per-template prepared data ------------------------------------------------------
    T = tickets.col
    ts_cols = tickets.stamp_columns()
    ev_by: dict[str, list[list[str]]] = defaultdict(list)
    for r in events.rows:
        ev_by[r[events.col("ticket_id")]].append(r)
    as_by: dict[str, list[list[str]]] = defaultdict(list)
    for r in assigns.rows:
        as_by[r[assigns.col("ticket_id")]].append(r)
    dk_by: dict[str, list[str]] = defaultdict(list)
    for r in dkeys.rows:
        dk_by[r[dkeys.col("ticket_id")]].append(r[dkeys.col("key")])
    from cryptography.exceptions import InvalidTag

    from duban.core.crypto import decrypt

    caller_plain = {}
    C = callers.col
    for r in callers.rows:
        try:
            dec = [
                decrypt(r[C(c)]) if r[C(c)] != "\\N" else "" for c in ("name", "phone", "id_number")
            ]
        except InvalidTag:
            sys.exit(
                "load: the templates' callers were encrypted with other keys than this "
                f"process has (DUBAN_VAR_DIR={os.environ['DUBAN_VAR_DIR']}): run the demo "
                "and the loader with the same DUBAN_VAR_DIR or DUBAN_DATA_KEY"
            )
        caller_plain[r[C("id")]] = (dec, r[C("erased_at")] != "\\N")

    stamp = Stamp()
    tpl_epochs = {r[T("id")]: [(i, epoch(r[i])) for i in ts_cols] for r in tickets.rows}
    ev_ts = events.col("at")
    as_ts = assigns.stamp_columns()
    cur.execute("SELECT day, last FROM tickets_ticketsequence")
    day_counter: dict[int, int] = {
        (datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp() // 86400): last
        for d, last in cur.fetchall()
    }
    day_counter = {int(k): v for k, v in day_counter.items()}
    # A run stopped half-way left tickets whose numbers TicketSequence does not know yet.
    cur.execute(
        "SELECT left(number, 8), max(right(number, 6)::int) FROM tickets_ticket "
        "WHERE number ~ '^[0-9]{14}$' GROUP BY 1"
    )
    for day_text, last in cur.fetchall():
        d = int(datetime.strptime(day_text, "%Y%m%d").replace(tzinfo=UTC).timestamp()) // 86400
        day_counter[d] = max(day_counter.get(d, 0), last)

    def next_id(table: str) -> int:
        cur.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")
        return cur.fetchone()[0]

    nid = {t: next_id(t) for t in BIG_TABLES}
    pg.commit()

    # -- indexes off ---------------------------------------------------------------------
    # The definitions are kept in a table until rebuilt: a run that fails half-way leaves
    # them there, and the next run rebuilds them at its end.
    cur.execute(
        "CREATE TABLE IF NOT EXISTS scale_dropped_indexes (name text PRIMARY KEY, definition text)"
    )
    cur.execute(
        "CREATE TABLE IF NOT EXISTS scale_dropped_fks "
        "(tbl text, name text PRIMARY KEY, definition text)"
    )
    cur.execute("SELECT name, definition FROM scale_dropped_indexes ORDER BY name")
    dropped: list[tuple[str, str]] = list(cur.fetchall())
    cur.execute("SELECT tbl, name, definition FROM scale_dropped_fks ORDER BY name")
    dropped_fks: list[tuple[str, str, str]] = list(cur.fetchall())
    if not args.keep_indexes:
        # Foreign keys too: each row's check locks the parent row (a WAL record per row).
        for table, name, definition in foreign_keys(cur):
            cur.execute(
                "INSERT INTO scale_dropped_fks VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                [table, name, definition],
            )
            cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            dropped_fks.append((table, name, definition))
        log(f"dropped {len(dropped_fks)} foreign keys for the load")
        for name, definition in secondary_indexes(cur):
            cur.execute(
                "INSERT INTO scale_dropped_indexes VALUES (%s, %s) ON CONFLICT DO NOTHING",
                [name, definition],
            )
            cur.execute(f'DROP INDEX IF EXISTS "{name}"')
            dropped.append((name, definition))
        log(f"dropped {len(dropped)} secondary indexes for the load")
    pg.commit()

    # -- the load ------------------------------------------------------------------------
    per_tpl = args.tickets / len(tickets.rows)
    name_cache: dict[str, tuple[str, str]] = {}
    phones: list[str] = []
    last_copy: dict[str, dict[int, str]] = defaultdict(dict)
    tcols, ccols, acols, ecols, kcols = (
        tickets.columns,
        callers.columns,
        assigns.columns,
        events.columns,
        dkeys.columns,
    )
    i_id, i_num, i_caller, i_cat = T("id"), T("number"), T("caller_id"), T("category_id")
    i_pu, i_hu, i_master, i_created = (
        T("primary_unit_id"),
        T("handling_unit_id"),
        T("master_id"),
        T("created_at"),
    )
    A, E = assigns.col, events.col
    a_id, a_tid, a_unit = A("id"), A("ticket_id"), A("unit_id")
    e_id, e_tid, e_unit = E("id"), E("ticket_id"), E("actor_unit_id")

    buffers: dict[str, list[str]] = {t: [] for t in BIG_TABLES}
    written = 0
    counts = dict.fromkeys(BIG_TABLES, 0)
    load_started = time.perf_counter()
    last_report = load_started
    copy_seconds = 0.0
    per_table = dict.fromkeys(BIG_TABLES, 0.0)

    def flush() -> None:
        nonlocal copy_seconds
        s = start = time.perf_counter()
        for table, cols in zip(BIG_TABLES, (ccols, tcols, acols, ecols, kcols), strict=True):
            lines = buffers[table]
            if not lines:
                continue
            collist = ", ".join(f'"{c}"' for c in cols)
            with cur.copy(
                f"COPY {table} ({collist}) FROM STDIN", writer=QueuedLibpqWriter(cur)
            ) as copy:
                step = 5000
                for k in range(0, len(lines), step):
                    copy.write("".join(lines[k : k + step]))
            counts[table] += len(lines)
            per_table[table] += time.perf_counter() - s
            s = time.perf_counter()
            buffers[table] = []
        pg.commit()
        copy_seconds += time.perf_counter() - start

    def umap(group: int, uid: str) -> str:
        return unit_maps[group].get(uid, uid)

    # events/assignments: pre-parse their timestamps once per template
    ev_pre = {tid: [(r, epoch(r[ev_ts])) for r in rows] for tid, rows in ev_by.items()}
    as_pre = {
        tid: [(r, [(i, epoch(r[i])) for i in as_ts]) for r in rows] for tid, rows in as_by.items()
    }

    k_order = [{"id": 0, "ticket_id": 1, "key": 2, "created_at": 3}[c] for c in kcols]

    def k_line(*values: object) -> str:
        return "\t".join(str(values[i]) for i in k_order) + "\n"

    ticket_buf = buffers["tickets_ticket"]
    for tpl in tickets.rows:
        tid = tpl[i_id]
        n = int(per_tpl) + (1 if rng.random() < per_tpl - int(per_tpl) else 0)
        if n == 0:
            continue
        stamps = tpl_epochs[tid]
        evs = ev_pre.get(tid, ())
        ass = as_pre.get(tid, ())
        keys = dk_by.get(tid, ())
        cat_choices = cat_clones.get(tpl[i_cat])
        caller_t = caller_plain.get(tpl[i_caller])
        created_epoch = epoch(tpl[i_created])
        for _ in range(n):
            delta = -rng.randrange(SHIFT_MAX)
            group = rng.randrange(groups)
            new_id = nid["tickets_ticket"]
            nid["tickets_ticket"] = new_id + 1
            sid = str(new_id)
            row = list(tpl)
            row[i_id] = sid
            for i, e in stamps:
                if e is not None:
                    row[i] = stamp(e + delta)
            created = created_epoch + delta
            d, dtext = stamp.local_day(created)
            seq = day_counter.get(d, 0) + 1
            day_counter[d] = seq
            row[i_num] = f"{dtext}{seq:06d}"
            if cat_choices:
                row[i_cat] = rng.choice(cat_choices)
            row[i_pu] = umap(group, row[i_pu])
            row[i_hu] = umap(group, row[i_hu])
            if row[i_master] != "\\N":
                copies = last_copy.get(row[i_master])
                row[i_master] = (
                    (copies.get(group) or next(iter(copies.values()))) if copies else "\\N"
                )
            if caller_t is not None:
                (name, phone, idn), erased = caller_t
                if phones and rng.random() < REPEAT_SHARE:
                    phone = rng.choice(phones)
                elif phone:
                    phone = f"1{rng.choice('35789')}{rng.randrange(10**9):09d}"
                    if len(phones) < 50_000:
                        phones.append(phone)
                    else:
                        phones[rng.randrange(50_000)] = phone
                enc_name = name_cache.get(name)
                if enc_name is None:
                    enc_name = name_cache[name] = (encrypt(name), name_hash(name))
                cid = nid["tickets_caller"]
                nid["tickets_caller"] = cid + 1
                crow = []
                for c in ccols:
                    if c == "id":
                        crow.append(str(cid))
                    elif c == "name":
                        crow.append(enc_name[0])
                    elif c == "name_hash":
                        crow.append(enc_name[1])
                    elif c == "phone":
                        crow.append(encrypt(phone))
                    elif c == "phone_hash":
                        crow.append(phone_hash(phone))
                    elif c == "id_number":
                        crow.append(encrypt(idn))
                    elif c == "created_at":
                        crow.append(row[i_created])
                    elif c == "erased_at":
                        crow.append(stamp(created) if erased else "\\N")
                    else:
                        crow.append("\\N")
                buffers["tickets_caller"].append("\t".join(crow) + "\n")
                row[i_caller] = str(cid)
            elif row[i_caller] != "\\N":
                row[i_caller] = "\\N"
            ticket_buf.append("\t".join(row) + "\n")
            last_copy[tid][group] = sid
            # assignments
            for r, st in ass:
                a = list(r)
                a[a_id] = str(nid["tickets_ticketassignment"])
                nid["tickets_ticketassignment"] += 1
                a[a_tid] = sid
                a[a_unit] = umap(group, a[a_unit])
                for i, e in st:
                    if e is not None:
                        a[i] = stamp(e + delta)
                buffers["tickets_ticketassignment"].append("\t".join(a) + "\n")
            # events
            eid = nid["tickets_ticketevent"]
            ebuf = buffers["tickets_ticketevent"]
            for r, e in evs:
                ev = list(r)
                ev[e_id] = str(eid)
                eid += 1
                ev[e_tid] = sid
                if ev[e_unit] != "\\N":
                    ev[e_unit] = umap(group, ev[e_unit])
                ev[ev_ts] = stamp(e + delta)
                ebuf.append("\t".join(ev) + "\n")
            nid["tickets_ticketevent"] = eid
            # duplicate keys (the same text: the same MinHash keys)
            kid = nid["tickets_duplicatekey"]
            ctext = row[i_created]
            kbuf = buffers["tickets_duplicatekey"]
            for key in keys:
                kbuf.append(k_line(kid, sid, key, ctext))
                kid += 1
            nid["tickets_duplicatekey"] = kid
            written += 1
            if len(ticket_buf) >= args.batch:
                flush()
                ticket_buf = buffers["tickets_ticket"]
                now_t = time.perf_counter()
                if now_t - last_report > 10:
                    last_report = now_t
                    rate = written / (now_t - load_started)
                    left = (args.tickets - written) / rate if rate else 0
                    log(
                        f"{written:,} tickets ({100 * written / args.tickets:.0f} %), "
                        f"{rate:,.0f} tickets/s, {counts['tickets_ticketevent']:,} events, "
                        f"≈ {left / 60:.1f} min left"
                    )
    flush()
    load_s = time.perf_counter() - load_started
    log(
        f"COPY done: {written:,} tickets in {load_s:.0f} s ({written / load_s:,.0f} tickets/s, "
        f"{sum(counts.values()) / load_s:,.0f} rows/s; {copy_seconds:.0f} s waiting on COPY); "
        + ", ".join(f"{t.split('_')[1]} {n:,} ({per_table[t]:.0f} s)" for t, n in counts.items())
    )

    # -- after the load ------------------------------------------------------------------
    pg.autocommit = True
    cur.execute("SET maintenance_work_mem = '1GB'")
    cur.execute("SET max_parallel_maintenance_workers = 2")
    s = time.perf_counter()
    for name, definition in dropped:
        t1 = time.perf_counter()
        cur.execute(definition.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS", 1))
        cur.execute("DELETE FROM scale_dropped_indexes WHERE name = %s", [name])
        log(f"  index {name}: {time.perf_counter() - t1:.1f} s")
    index_s = time.perf_counter() - s
    if dropped:
        log(f"rebuilt {len(dropped)} indexes in {index_s:.0f} s")
    s = time.perf_counter()
    for table, name, definition in dropped_fks:
        t1 = time.perf_counter()
        cur.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition} NOT VALID')
        cur.execute(f'ALTER TABLE {table} VALIDATE CONSTRAINT "{name}"')
        cur.execute("DELETE FROM scale_dropped_fks WHERE name = %s", [name])
        log(f"  foreign key {name}: {time.perf_counter() - t1:.1f} s")
    fk_s = time.perf_counter() - s
    if dropped_fks:
        log(f"re-added and validated {len(dropped_fks)} foreign keys in {fk_s:.0f} s")
    index_s += fk_s
    for table in BIG_TABLES:
        cur.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
        )
    rows = [
        (datetime.fromtimestamp(d * 86400, UTC).date(), last) for d, last in day_counter.items()
    ]
    cur.executemany(
        "INSERT INTO tickets_ticketsequence (day, last) VALUES (%s, %s) "
        "ON CONFLICT (day) DO UPDATE SET last = GREATEST(tickets_ticketsequence.last, EXCLUDED.last)",
        rows,
    )
    cluster_s = 0.0
    if not args.no_cluster:
        # Copies are written template by template, so a month's tickets end up spread over
        # the whole table; a live system inserts them in time order. Ordering the heap by
        # registration time gives the reads of a month or of the open tickets the layout
        # they have in production (docs/scale.md, "5 million": 17 k scattered heap pages
        # read for a word's month of matches before, from disk once the table passes RAM).
        s = time.perf_counter()
        cur.execute("SET maintenance_work_mem = '1GB'")
        cur.execute("CLUSTER tickets_ticket USING ticket_created")
        cluster_s = time.perf_counter() - s
        log(f"ticket table ordered by registration time (CLUSTER) in {cluster_s:.0f} s")
    vacuum_s = 0.0
    if not args.no_vacuum:
        s = time.perf_counter()
        for table in BIG_TABLES:
            cur.execute(f"VACUUM (ANALYZE) {table}")
        cur.execute("ANALYZE")
        vacuum_s = time.perf_counter() - s
        log(f"VACUUM ANALYZE in {vacuum_s:.0f} s")
    rollup_s = 0.0
    if not args.no_rollup:
        s = time.perf_counter()
        done = refresh_periods(months_back(timezone.now(), 13), now=timezone.now())
        rollup_s = time.perf_counter() - s
        log(f"monthly rollup rebuilt ({len(done)} months) in {rollup_s:.0f} s")
    pg.autocommit = True
    sizes = table_sizes(cur)
    cur.execute("SELECT count(*) FROM tickets_ticket")
    total = cur.fetchone()[0]
    cur.execute("SELECT pg_database_size(current_database())")
    db_size = cur.fetchone()[0]
    cur.execute(
        "SELECT count(*) FROM tickets_ticket WHERE state NOT IN ('closed', 'invalid', 'merged')"
    )
    open_n = cur.fetchone()[0]
    gib = 1024**3
    print()
    print(f"tickets in the database: {total:,} (open: {open_n:,}); written now: {written:,}")
    print(
        f"load: {load_s:.0f} s COPY ({written / load_s:,.0f} tickets/s), "
        f"{index_s:.0f} s index and foreign key rebuild, {cluster_s:.0f} s CLUSTER, "
        f"{vacuum_s:.0f} s VACUUM ANALYZE, "
        f"{rollup_s:.0f} s rollup; whole run {time.perf_counter() - started_all:.0f} s "
        f"→ {written / (time.perf_counter() - started_all):,.0f} tickets/s end to end"
    )
    print(f"{'table':28} {'rows':>13} {'GiB':>7} {'GiB per M tickets':>18}")
    for table in BIG_TABLES:
        cur.execute(f"SELECT reltuples::bigint FROM pg_class WHERE relname = '{table}'")
        n = cur.fetchone()[0]
        print(
            f"{table:28} {n:13,} {sizes[table] / gib:7.2f} {sizes[table] / gib / (total / 1e6):18.3f}"
        )
    big = sum(sizes.values())
    print(f"{'five big tables':28} {'':13} {big / gib:7.2f} {big / gib / (total / 1e6):18.3f}")
    print(
        f"{'whole database':28} {'':13} {db_size / gib:7.2f} {db_size / gib / (total / 1e6):18.3f}"
    )


if __name__ == "__main__":
    main()
