"""The product's paths on the scale data, each beside its bare-SQL floor (issue 15).

    DATABASE_URL=postgres://… uv run --frozen --no-sync python bench/scale/paths.py \
        [--runs 15] [--only inbox] [--import-rows 1000000] [--intake-seconds 10]

Run it after ``bench/scale/load.py``. Every row is measured in the same run twice: through
the product (pages through the Django test client in process with a logged-in user, so
the whole middleware and authorisation path runs; services and selectors called as the
jobs call them) and as the plain SQL that is the physical floor of the same answer on the
same data. Prints p50/p95 in ms (rates in tickets/s), their ratio and the goal as a
Markdown table (docs/scale.md holds the latest one).

Writes: the deadline tick runs in a transaction that is rolled back (so every run has the
same work; one steady-state tick is then committed, as the worker would); intake adds
real tickets over HTTP (gunicorn with 4 sync workers, the production server of
docs/deploy.md, started here), then removes them and the bare inserts it made; the import row adds
``--import-rows`` tickets with the importer and removes them again.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
os.environ.setdefault("DUBAN_VAR_DIR", "/tmp/duban-scale-var")
HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]


class Rollback(Exception):
    pass


class Timings(list):
    """Wall times (ms) of the runs; ``cpu``: this process's CPU time (ms) per run — the
    in-process product paths' Python work, which a loaded machine stretches in wall time."""

    cpu: list[float]


def timed(fn: Callable[[], object], runs: int, before: Callable[[], None] | None = None) -> Timings:
    out = Timings()
    out.cpu = []
    for _ in range(runs):
        if before:
            before()
        s, c = time.perf_counter(), time.process_time()
        fn()
        out.append((time.perf_counter() - s) * 1000)
        out.cpu.append((time.process_time() - c) * 1000)
    return out


def load_average() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def p50_p95(values: list[float]) -> tuple[float, float]:
    values = sorted(values)
    return statistics.median(values), values[min(len(values) - 1, int(0.95 * len(values)))]


ROWS: list[tuple[str, str, str, str, str]] = []


def row(name: str, product: str, bare: str, ratio: str, goal: str) -> None:
    ROWS.append((name, product, bare, ratio, goal))
    print(f"| {name} | {product} | {bare} | {ratio} | {goal} | {load_average()} |", flush=True)


def ms_row(name: str, prod: list[float], bare: list[float], goal: str) -> None:
    p50, p95 = p50_p95(prod)
    b50, b95 = p50_p95(bare)
    row(
        name,
        f"{p50:.0f} / {p95:.0f} (CPU {statistics.median(getattr(prod, 'cpu', [0])):.0f})",
        f"{b50:.1f} / {b95:.1f}",
        f"{p95 / max(b95, 0.01):.1f}×",
        goal,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--only", default="", help="rows whose key contains this")
    parser.add_argument("--import-rows", type=int, default=1_000_000)
    parser.add_argument("--intake-seconds", type=float, default=10)
    parser.add_argument(
        "--no-warm-up",
        action="store_true",
        help="skip duban.wsgi's start-up warm-up (to measure what it saves)",
    )
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--intake-warmup", type=float, default=40)
    parser.add_argument(
        "--intake-texts",
        choices=("lamp", "sample"),
        default="lamp",
        help="intake's appeals: one street lamp repeated (the duplicate look-up's worst "
        "case) or a sample of 2,000 of the database's own tickets (a city's mix)",
    )
    parser.add_argument(
        "--intake-engine-only",
        action="store_true",
        help="intake without the text intelligence (engine_only_wsgi.py): what the "
        "registration alone costs, to set against the row with suggestions",
    )
    args = parser.parse_args()

    import django

    Path(os.environ["DUBAN_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    django.setup()
    from duban.core.startup import warm_up

    if not args.no_warm_up:
        warm_up()  # as duban.wsgi does in every app server process
    from django.core.cache import cache
    from django.db import connection, transaction
    from django.test import Client
    from django.utils import timezone

    from duban.core.periods import months_back
    from duban.metrics.services import refresh_due, refresh_period
    from duban.org.models import Unit, User
    from duban.tickets.clocks import CLOCKS
    from duban.tickets.models import Ticket

    if connection.vendor != "postgresql":
        sys.exit("set DATABASE_URL to the PostgreSQL database the loader filled")
    runs = args.runs
    now = timezone.now()
    month = months_back(now, 2)[0]  # the last complete month
    cur = connection.cursor()
    cur.execute(
        "SELECT count(*), count(*) FILTER (WHERE state NOT IN ('closed','merged','invalid')) FROM tickets_ticket"
    )
    total, open_n = cur.fetchone()
    cur.execute("SELECT pg_database_size(current_database())")
    (db_size,) = cur.fetchone()
    print(
        f"# {total:,} tickets ({open_n:,} open), database {db_size / 1024**3:.1f} GiB, "
        f"month {month.label}, {runs} runs per row; p50 / p95 in ms\n"
    )
    print(
        "| path | product p50 / p95 (CPU p50) | bare SQL p50 / p95 | ratio (p95) | goal "
        "| load average 1/5/15 min |"
    )
    print("|---|---|---|---|---|---|")

    def want(key: str) -> bool:
        return any(part in key for part in args.only.split(","))

    handler = User.objects.get(username="binhu_handler")
    unit = handler.unit
    leader = User.objects.get(username="leader1")
    dispatcher = User.objects.get(username="dispatcher1")
    district = unit.district_pk

    def client(user: User) -> Client:
        c = Client(SERVER_NAME="127.0.0.1")
        c.force_login(user)
        return c

    def get(c: Client, url: str) -> Callable[[], None]:
        def go() -> None:
            r = c.get(url)
            assert r.status_code == 200, (url, r.status_code)

        return go

    def sql(query: str, params: list | tuple = ()) -> Callable[[], None]:
        def go() -> None:
            cur.execute(query, params)
            cur.fetchall()

        return go

    refresh_due(now=now)
    cold = cache.clear
    lc, hc, dc = client(leader), client(leader), client(dispatcher)
    hc = client(handler)
    start, end = month.start, month.end

    # -- figures ---------------------------------------------------------------------------
    ranking_sql = sql(
        """SELECT primary_unit_id, count(*),
                  count(*) FILTER (WHERE satisfaction IN ('satisfied', 'basic')),
                  count(*) FILTER (WHERE satisfaction <> ''),
                  count(*) FILTER (WHERE resolved),
                  count(*) FILTER (WHERE replied_at <= handle_due),
                  count(*) FILTER (WHERE handle_breached_at IS NOT NULL),
                  avg(extract(epoch FROM replied_at - dispatched_at))
           FROM tickets_ticket
           WHERE district_id = %s AND dispatched_at >= %s AND dispatched_at < %s
           GROUP BY primary_unit_id""",
        [district, start, end],
    )
    if want("ranking"):
        url = f"/metrics/rankings/?period={month.label}"
        get(lc, url)()
        ms_row(
            "month's ranking of all units `/metrics/rankings/` (cold cache)",
            timed(get(lc, url), runs, cold),
            timed(ranking_sql, runs),
            "< 200 ms, below the bare scan",
        )
    if want("dashboard"):
        year_sql = sql(
            """SELECT date_trunc('month', dispatched_at), primary_unit_id, count(*),
                      count(*) FILTER (WHERE satisfaction IN ('satisfied', 'basic')),
                      count(*) FILTER (WHERE replied_at <= handle_due)
               FROM tickets_ticket
               WHERE district_id = %s AND dispatched_at >= %s GROUP BY 1, 2""",
            [district, months_back(now, 13)[0].start],
        )
        get(lc, "/metrics/")()
        ms_row(
            "dashboard `/metrics/` (cold cache, rollup fresh; bare: 13 months GROUP BY)",
            timed(get(lc, "/metrics/"), runs, cold),
            timed(year_sql, max(3, runs // 3)),
            "< 200 ms",
        )
    if want("rollup"):
        rebuild = lambda: refresh_period(month, now=now)  # noqa: E731
        bare = sql(
            """SELECT primary_unit_id, c.parent_id, count(*),
                      count(*) FILTER (WHERE satisfaction IN ('satisfied', 'basic')),
                      count(*) FILTER (WHERE replied_at <= handle_due)
               FROM tickets_ticket t LEFT JOIN tickets_category c ON c.id = t.category_id
               WHERE district_id = %s AND dispatched_at >= %s AND dispatched_at < %s
               GROUP BY 1, 2""",
            [district, start, end],
        )
        ms_row(
            "rebuild one month's rollup (`refresh_period`)",
            timed(rebuild, max(3, runs // 3)),
            timed(bare, max(3, runs // 3)),
            "(no goal; the tick's job)",
        )

    # -- desks -----------------------------------------------------------------------------
    open_states = ["dispatched", "accepted", "reopened", "return_pending", "replied", "reviewed"]
    if want("inbox"):
        get(hc, "/desk/inbox/")()
        ms_row(
            f"unit inbox `/desk/inbox/` ({unit.code})",
            timed(get(hc, "/desk/inbox/"), runs),
            timed(
                sql(
                    "SELECT id, number, title, state, handle_due FROM tickets_ticket "
                    "WHERE primary_unit_id = %s AND state = ANY(%s) ORDER BY handle_due LIMIT 50",
                    [unit.pk, open_states],
                ),
                runs,
            ),
            "p95 < 100 ms",
        )
        get(hc, "/desk/inbox/?tab=overdue")()
        ms_row(
            "inbox, overdue tab",
            timed(get(hc, "/desk/inbox/?tab=overdue"), runs),
            timed(
                sql(
                    "SELECT id, number, title FROM tickets_ticket WHERE primary_unit_id = %s "
                    "AND state = ANY(%s) AND handle_due < now() ORDER BY handle_due LIMIT 50",
                    [unit.pk, ["dispatched", "accepted", "reopened"]],
                ),
                runs,
            ),
            "p95 < 100 ms",
        )

        # The inbox's own scope (unit subtree: primary OR handling unit OR an active
        # assignment) as the selector writes it, and the same resolved to ids first (the
        # fix proposed in docs/scale.md): both bare SQL, same answer.
        scope = """(primary_unit_id IN (SELECT id FROM org_unit WHERE path LIKE %(p)s)
                    OR handling_unit_id IN (SELECT id FROM org_unit WHERE path LIKE %(p)s)
                    OR id IN (SELECT ticket_id FROM tickets_ticketassignment
                              WHERE status = 'active' AND unit_id IN
                                (SELECT id FROM org_unit WHERE path LIKE %(p)s)))"""
        tail = """AND handle_due < now() AND state IN ('accepted', 'dispatched', 'reopened')
                  ORDER BY handle_due, number LIMIT 20"""
        as_written = sql(
            f"SELECT id, number FROM tickets_ticket WHERE {scope} {tail}", {"p": unit.path + "%"}
        )

        def resolved() -> None:
            cur.execute("SELECT array_agg(id) FROM org_unit WHERE path LIKE %s", [unit.path + "%"])
            (ids,) = cur.fetchone()
            cur.execute(
                "SELECT array_agg(ticket_id) FROM tickets_ticketassignment "
                "WHERE status = 'active' AND unit_id = ANY(%s)",
                [ids],
            )
            (tids,) = cur.fetchone()
            cur.execute(
                "SELECT id, number FROM tickets_ticket WHERE (primary_unit_id = ANY(%(u)s) "
                f"OR handling_unit_id = ANY(%(u)s) OR id = ANY(%(t)s)) {tail}",
                {"u": ids, "t": tids or []},
            )
            cur.fetchall()

        ms_row(
            "inbox overdue query, scope as the selector writes it (bare) vs resolved to ids "
            "first (bare)",
            timed(as_written, runs),
            timed(resolved, runs),
            "(shows the fix)",
        )
    if want("supervision"):
        sc_ = client(User.objects.get(username="supervisor1"))
        get(sc_, "/desk/supervision/")()
        ms_row(
            "supervision desk `/desk/supervision/` (district-wide: every open ticket in scope)",
            timed(get(sc_, "/desk/supervision/"), runs),
            timed(
                sql(
                    "SELECT id, number, title, state, handle_due FROM tickets_ticket "
                    "WHERE district_id = %s AND state = ANY(%s) ORDER BY handle_due LIMIT 50",
                    [district, open_states],
                ),
                runs,
            ),
            "p95 < 100 ms",
        )
    if want("centre"):
        get(dc, "/desk/centre/")()
        ms_row(
            "centre desk `/desk/centre/` (待派单, 退单, 延期, 答复审核, 待回访 with merged callers)",
            timed(get(dc, "/desk/centre/"), runs),
            timed(
                sql(
                    "SELECT id, number, title FROM tickets_ticket WHERE district_id = %s "
                    "AND state = 'registered' ORDER BY created_at, number LIMIT 20",
                    [district],
                ),
                runs,
            ),
            "p95 < 100 ms",
        )
    if want("circular"):
        vc = client(User.objects.get(username="supervisor1"))
        url = f"/desk/circular/?period={month.label}"
        get(vc, url)()
        ms_row(
            f"monthly circular `/desk/circular/` ({month.label}: boards, figures, overdue list "
            "page 1; bare: the month's first 20 breached tickets by unit and deadline)",
            timed(get(vc, url), runs),
            timed(
                sql(
                    "SELECT id, number FROM tickets_ticket WHERE district_id = %s "
                    "AND dispatched_at >= %s AND dispatched_at < %s "
                    "AND handle_breached_at IS NOT NULL "
                    "ORDER BY primary_unit_id, handle_due, number LIMIT 20",
                    [district, start, end],
                ),
                runs,
            ),
            "p95 < 500 ms (the module pages' goal)",
        )
    if want("apilist"):
        # The API's first page with its total, for a district-wide reader (the whole
        # district's history matches) and for a unit's handler (its subtree); bare: the
        # indexed page of 50 alone, newest first.
        for who, user, where, params in (
            ("district-wide (dispatcher)", dispatcher, "district_id = %s", [district]),
            ("a unit's handler", handler, "primary_unit_id = %s", [unit.pk]),
        ):
            c = client(user)
            get(c, "/api/v1/tickets?limit=50")()
            ms_row(
                f"API list `/api/v1/tickets?limit=50` with its count, {who}",
                timed(get(c, "/api/v1/tickets?limit=50"), runs),
                timed(
                    sql(
                        "SELECT id, number, title, state FROM tickets_ticket "
                        f"WHERE {where} ORDER BY number DESC LIMIT 50",
                        params,
                    ),
                    runs,
                ),
                "p95 < 100 ms (the desks' goal)",
            )

    number = (
        Ticket.objects.filter(primary_unit=unit, state="closed", caller__isnull=False)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    if want("ticket") and number:
        url = f"/tickets/{number}/"
        get(dc, url)()

        def bare_ticket() -> None:
            cur.execute("SELECT * FROM tickets_ticket WHERE number = %s", [number])
            t = cur.fetchone()
            cur.execute(
                "SELECT * FROM tickets_ticketevent WHERE ticket_id = %s ORDER BY seq", [t[0]]
            )
            cur.fetchall()
            cur.execute("SELECT * FROM tickets_ticketassignment WHERE ticket_id = %s", [t[0]])
            cur.fetchall()

        ms_row(
            "ticket page `/tickets/<number>/`",
            timed(get(dc, url), runs),
            timed(bare_ticket, runs),
            "p95 < 100 ms",
        )

    # -- 工单查询 ---------------------------------------------------------------------------
    if want("search"):
        from duban.core.crypto import phone_hash

        t = (
            Ticket.objects.filter(caller__isnull=False, caller__phone_hash__gt="")
            .order_by("-id")
            .select_related("caller")
            .first()
        )
        phone = t.caller.phone
        h = phone_hash(phone)
        url = f"/search/?phone={phone}"
        get(dc, url)()  # a role allowed to search personal data
        ms_row(
            "工单查询 by phone",
            timed(get(dc, url), runs),
            timed(
                sql(
                    "SELECT t.id, t.number, t.title FROM tickets_ticket t JOIN tickets_caller c "
                    "ON c.id = t.caller_id WHERE c.phone_hash = %s ORDER BY t.number DESC LIMIT 50",
                    [h],
                ),
                runs,
            ),
            "p95 < 500 ms",
        )
        # A long word, a common two-character one, and a rarer one (9 of the demo's 3,000
        # appeals, so the walk reads further back): all listed newest first over every year.
        for word in ("噪音影响休息", "路灯", "蟑螂"):
            url = f"/search/?content={word}"
            get(lc, url)()
            ms_row(
                f"工单查询 by a word of the content ({word})",
                timed(get(lc, url), runs),
                timed(
                    sql(
                        "SELECT id, number, title FROM tickets_ticket WHERE UPPER(content) LIKE %s "
                        "ORDER BY number DESC LIMIT 50",
                        [f"%{word}%"],
                    ),
                    runs,
                ),
                "p95 < 500 ms",
            )
        url = f"/search/?unit={unit.code}&period={month.label}&by=dispatched_at"
        get(lc, url)()
        ms_row(
            "工单查询 by unit and month",
            timed(get(lc, url), runs),
            timed(
                sql(
                    "SELECT id, number, title FROM tickets_ticket WHERE primary_unit_id = %s "
                    "AND dispatched_at >= %s AND dispatched_at < %s ORDER BY number DESC LIMIT 50",
                    [unit.pk, start, end],
                ),
                runs,
            ),
            "p95 < 500 ms",
        )

    # -- the deadline tick -------------------------------------------------------------------
    if want("tick"):
        from duban.jobs.tasks import deadline_tick

        def product_tick() -> None:
            try:
                with transaction.atomic():
                    deadline_tick(now)
                    raise Rollback
            except Rollback:
                pass

        def bare_tick() -> None:
            try:
                with transaction.atomic():
                    for c in CLOCKS:
                        extra = f" AND {c.done} IS NULL" if c.done else ""
                        cur.execute(
                            f"""WITH f AS (
                                  UPDATE tickets_ticket SET {c.breached} = %s, version = version + 1
                                  WHERE {c.due} < %s AND {c.breached} IS NULL AND state = ANY(%s){extra}
                                  RETURNING id, version, state)
                                INSERT INTO tickets_ticketevent
                                  (ticket_id, seq, type, at, from_state, to_state, payload)
                                SELECT id, version, 'breach', %s, state, state, '{{}}' FROM f""",
                            [now, now, sorted(c.states), now],
                        )
                    raise Rollback
            except Rollback:
                pass

        cur.execute(
            "SELECT count(*) FROM tickets_ticket WHERE handle_due < now() AND handle_breached_at IS NULL "
            "AND state IN ('dispatched', 'accepted', 'reopened')"
        )
        (pending,) = cur.fetchone()
        n = max(3, runs // 5)
        ms_row(
            f"deadline tick, catching up ({pending:,} handling breaches due; rolled back)",
            timed(product_tick, n),
            timed(bare_tick, n),
            "well under 60 s",
        )
        deadline_tick(now)  # committed: from now on a tick has only new breaches to flag
        later = now + timedelta(minutes=1)
        steady = lambda: deadline_tick(later)  # noqa: E731
        ms_row(
            f"deadline tick, steady state (every minute; {open_n:,} open tickets)",
            timed(steady, runs),
            timed(bare_tick, runs),
            "well under 60 s",
        )

    # -- intake --------------------------------------------------------------------------
    if want("intake"):
        intake_row(args, connection)

    # -- import ----------------------------------------------------------------------------
    if want("import"):
        import_row(args)

    # -- module pages ----------------------------------------------------------------------
    if want("modules"):
        for username, url in (
            ("leader1", "/projects/"),
            ("leader1", "/enterprises/"),
            ("leader1", "/inspections/"),
            ("leader1", "/inspections/rankings/"),
            ("leader1", "/indicators/"),
        ):
            try:
                c = client(User.objects.get(username=username))
                r = c.get(url)
            except Exception as exc:  # a module page missing or broken: say so, go on
                row(f"module page `{url}`", f"error {type(exc).__name__}", "—", "—", "")
                continue
            if r.status_code != 200:
                row(f"module page `{url}`", f"HTTP {r.status_code}", "—", "—", "")
                continue
            p50, p95 = p50_p95(timed(get(c, url), runs))
            row(
                f"module page `{url}` (demo-sized module data)",
                f"{p50:.0f} / {p95:.0f}",
                "—",
                "—",
                "p95 < 500 ms",
            )
    _ = Unit


def intake_row(args: argparse.Namespace, connection) -> None:
    """Intake over HTTP (gunicorn sync ×4, as deployed) at N clients vs plain INSERTs at N threads."""
    import secrets
    import signal
    import subprocess

    import psycopg
    import server_compare as sc

    port = 8791
    env = {
        **os.environ,
        "DUBAN_DEBUG": "0",
        "DUBAN_SECRET_KEY": os.environ.get("DUBAN_SECRET_KEY") or secrets.token_urlsafe(50),
        "DUBAN_LOG_LEVEL": "WARNING",
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(sc.ROOT / "src"), os.environ.get("PYTHONPATH")])
        ),
    }
    name = "gunicorn-sync-w4"  # docs/deploy.md: chosen by bench/server_compare.py
    command = list(sc.SERVERS[name])
    if args.intake_engine_only:
        command[command.index("duban.wsgi:application")] = "engine_only_wsgi:application"
        env["PYTHONPATH"] = os.pathsep.join([str(HERE), env["PYTHONPATH"]])
    _, token = sc.setup("binhu_handler")
    from duban.dispatch.selectors import current_model
    from duban.tickets.models import Ticket

    if args.intake_texts == "sample":
        sc.INTAKE_TEXTS[:] = list(
            Ticket.objects.order_by("?").values_list("title", "content")[:2000]
        )
    texts = "a sample of the city's appeals" if sc.INTAKE_TEXTS else "one street lamp repeated"

    # Intake's suggestions include the dispatch model's only where one is installed
    # (`duban dispatch train --from-tickets`, as `make run` does): say which was measured.
    if args.intake_engine_only:
        model = "NO suggestions: the engine alone"
    elif current_model() is not None:
        model = "with the dispatch model"
    else:
        model = "NO dispatch model"
    cur = connection.cursor()
    cur.execute("SELECT coalesce(max(id), 0) FROM tickets_ticket")
    (last_before,) = cur.fetchone()
    proc = subprocess.Popen(
        command + sc.bind_args(name, port), env=env, cwd=sc.ROOT, start_new_session=True
    )
    try:
        sc.wait_ready(port, proc)
        # Warm-up: each worker process imports the app and loads the suggestion models on
        # its first request (tens of seconds on a busy machine); measure only after that.
        sc.drive(port, "intake", args.clients, args.intake_warmup, "", token)
        meter = CpuMeter(proc.pid, cur)
        cell = sc.drive(port, "intake", args.clients, args.intake_seconds, "", token)
        ok = sum(v for k, v in cell.statuses.items() if 200 <= k < 300)
        meter.report(cur, tickets=ok)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    prod_rate = ok / args.intake_seconds
    lat = sorted(cell.latencies)

    # bare: INSERT a ticket and its event in one transaction, N threads
    db = connection.settings_dict
    cur.execute(
        "SELECT * FROM tickets_ticket WHERE state = 'registered' OR TRUE ORDER BY id DESC LIMIT 1"
    )
    cols = [d.name for d in cur.description]
    template = dict(zip(cols, cur.fetchone(), strict=True))
    template.pop("id")
    from psycopg.types.json import Jsonb

    for k in ("suggestions", "reply_check"):
        template[k] = Jsonb(template[k] if isinstance(template[k], dict) else {})
    names = list(template)
    ins = f"INSERT INTO tickets_ticket ({', '.join(names)}) VALUES ({', '.join(['%s'] * len(names))}) RETURNING id"
    stop = time.perf_counter() + args.intake_seconds
    counts = [0] * args.clients

    def worker(k: int) -> None:
        with psycopg.connect(
            host=db["HOST"], port=db["PORT"] or None, dbname=db["NAME"], user=db["USER"]
        ) as pg:
            c = pg.cursor()
            i = 0
            while time.perf_counter() < stop:
                values = dict(template, number=f"B{k:02d}{i:012d}")
                with pg.transaction():
                    c.execute(ins, list(values.values()))
                    (tid,) = c.fetchone()
                    c.execute(
                        "INSERT INTO tickets_ticketevent (ticket_id, seq, type, at, from_state, to_state, payload) "
                        "VALUES (%s, 1, 'register', now(), '', 'registered', '{}')",
                        [tid],
                    )
                i += 1
            counts[k] = i

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(args.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    bare_rate = sum(counts) / args.intake_seconds
    cur.execute(
        "DELETE FROM tickets_ticketevent WHERE ticket_id IN (SELECT id FROM tickets_ticket WHERE number LIKE 'B%%')"
    )
    cur.execute("DELETE FROM tickets_ticket WHERE number LIKE 'B%%'")
    removed = remove_tickets_after(cur, last_before)
    print(f"intake: removed the {removed:,} tickets it registered", file=sys.stderr)
    row(
        f"intake `POST /api/v1/tickets` over HTTP ({model}, {texts}; gunicorn sync ×4, {args.clients} clients; "
        f"p95 {sc.p95(lat) * 1000:.0f} ms, {cell.errors} errors, "
        f"{sum(cell.statuses.values()) - ok} non-2xx)",
        f"{prod_rate:.0f} tickets/s",
        f"{bare_rate:.0f} tickets/s",
        f"{bare_rate / max(prod_rate, 0.1):.1f}× slower",
        "≥ 300 tickets/s",
    )


def _cpu_seconds(pid: int) -> float:
    """A live process's user + system CPU time (0 once it has gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return out


def _machine_busy() -> float:
    """Seconds of CPU the whole machine spent busy (all cores; /proc/stat)."""
    ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = ticks[3] + ticks[4]  # idle, iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """Where a measured stretch of intake spends its CPU, per ticket: the app server's
    workers, the database's backends of this database, the bench's own HTTP clients and
    the machine as a whole; and, where PostgreSQL has ``pg_stat_statements`` loaded, the
    statements that took the database's time. Printed to stderr; the row's rate is
    measured as before."""

    def __init__(self, server_pid: int, cur) -> None:
        self.app = _children(server_pid)
        cur.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        self.db = [pid for (pid,) in cur.fetchall()]
        cur.execute(
            "SELECT current_setting('shared_preload_libraries') LIKE '%pg_stat_statements%'"
        )
        (self.statements,) = cur.fetchone()
        if self.statements:
            cur.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            cur.execute("SELECT pg_stat_statements_reset()")
        self.start = self._sample()

    def _sample(self) -> tuple[float, float, float, float]:
        return (
            sum(map(_cpu_seconds, self.app)),
            sum(map(_cpu_seconds, self.db)),
            time.process_time(),
            _machine_busy(),
        )

    def report(self, cur, *, tickets: int) -> None:
        end = self._sample()
        per = [(b - a) * 1000 / max(tickets, 1) for a, b in zip(self.start, end, strict=True)]
        print(
            f"intake CPU per ticket ({tickets:,} tickets): app workers {per[0]:.1f} ms, "
            f"database backends {per[1]:.1f} ms, the bench's clients {per[2]:.1f} ms, "
            f"whole machine {per[3]:.1f} ms",
            file=sys.stderr,
        )
        if not self.statements:
            return
        cur.execute(
            r"""SELECT calls, total_exec_time, total_plan_time, rows, left(regexp_replace(query, '\s+', ' ', 'g'), 110)
               FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
               ORDER BY total_exec_time + total_plan_time DESC LIMIT 15"""
        )
        print("calls/ticket  exec ms/ticket  plan  statement", file=sys.stderr)
        for calls, exec_ms, plan_ms, _rows, query in cur.fetchall():
            n = max(tickets, 1)
            print(
                f"{calls / n:12.2f}  {exec_ms / n:14.3f}  {plan_ms / n:5.3f}  {query}",
                file=sys.stderr,
            )


def remove_tickets_after(cur, last_id: int) -> int:
    """Delete the tickets with an id above ``last_id`` and every row that references them
    (found in the catalogue: events, duplicate keys, assignments, …), in one transaction;
    how many tickets. The foreign keys are deferred, so the order does not matter."""
    cur.execute(
        """SELECT c.conrelid::regclass::text, a.attname
           FROM pg_constraint c
           JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey)
           WHERE c.confrelid = 'tickets_ticket'::regclass AND c.contype = 'f'
             AND c.conrelid <> 'tickets_ticket'::regclass"""
    )
    references = cur.fetchall()
    from django.db import transaction

    with transaction.atomic():
        for table, column in references:
            cur.execute(f'DELETE FROM "{table}" WHERE "{column}" > %s', [last_id])
        cur.execute("DELETE FROM tickets_ticket WHERE id > %s", [last_id])
        return cur.rowcount


def import_row(args: argparse.Namespace) -> None:
    import importer

    path = Path(os.environ["DUBAN_VAR_DIR"]) / f"import-{args.import_rows}.csv"
    if not path.exists():
        importer.make_sample(path, args.import_rows)
    bare_s = importer.bare_copy(path)
    result = importer.import_file(path, mapping=importer.SAMPLE_MAPPING, batch_label="bench")
    importer.remove_batch("bench")
    row(
        f"import {args.import_rows:,} historical tickets from CSV (bench/scale/importer.py; "
        f"{result.errors} invalid rows)",
        f"{result.seconds:.1f} s ({args.import_rows / result.seconds:,.0f}/s)",
        f"{bare_s:.1f} s plain COPY",
        f"{result.seconds / bare_s:.1f}×",
        "< 30 s, ≤ 3× COPY",
    )


if __name__ == "__main__":
    main()
