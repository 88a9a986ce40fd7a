"""The history import measured against plain ``COPY`` of the same rows (issue 15).

    DATABASE_URL=postgres://… duban migrate
    DATABASE_URL=postgres://… uv run --frozen --no-sync python bench/scale/importer.py \
        --make /tmp/history.csv --rows 1000000 [--bulk] [--keep]

``--make`` first writes a CSV in the shape of a 12345 platform's export (the default
mapping's headers: 工单编号 left empty so duban numbers the tickets, 来电时间, 来电人,
联系电话, 诉求内容, 诉求类型, 问题分类, 承办单位, 办结时间, 满意度, 是否解决) over the
units and categories of the database — a city's ≈ 400 units and ≈ 390 categories are
created under a ``bench-city`` district when the database has fewer (``--units``).

Then, in this order, on the same rows:

1. **bare COPY** — the rows the product writes (callers, tickets, events, assignments),
   already shaped as COPY text by the product's own ``CopyWriter`` before the clock starts,
   sent with four plain ``COPY`` statements into the tables as they stand (every index in
   place, or with ``--bulk`` also with the trigram search indexes dropped and rebuilt as the
   product does), then rolled back;
2. **the product** — ``tickets.services.history_import.tickets_import`` (what
   ``duban import_tickets FILE [--bulk]`` runs): read, validate every row, number, encrypt
   callers, COPY, rebuild, the audit record, the months marked stale; committed, then
   deleted again unless ``--keep``.

Prints wall and CPU (this process's ``time.process_time``; the server's work is on the
other core) per side, the ratio, and the load average before and after — the machine is
shared, so the ratio is the figure to read.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
os.environ.setdefault("DUBAN_VAR_DIR", "/tmp/duban-scale-var")

HEADER = ["工单编号", "来电时间", "来电人", "联系电话", "诉求内容", "诉求类型", "问题分类",
          "承办单位", "办结时间", "满意度", "是否解决"]  # fmt: skip
PLACES = ["东留村", "建业社区", "滨湖路", "人民路", "幸福小区", "学府花园", "老城区", "新华街"]
MATTERS = [
    "小区门口路灯不亮已经一周，晚上出行很不方便，希望尽快维修。",
    "楼下餐馆油烟扰民，排烟管道直对住户窗户，多次沟通无果。",
    "夜间工地施工噪音很大，影响休息，请相关部门查处。",
    "道路井盖破损，存在安全隐患，请尽快处理。",
    "咨询孩子入学需要准备哪些材料，户籍和居住证如何办理。",
    "小区垃圾清运不及时，垃圾桶满溢，气味难闻。",
    "公交站台顶棚损坏，下雨天无法避雨。",
    "反映拖欠农民工工资问题，项目完工半年仍未结清。",
    "自来水水压不足，高层住户经常停水。",
    "占道经营严重，人行道被摊位占满，行人只能走机动车道。",
]
TYPES = ["咨询", "求助", "投诉", "举报", "建议", "表扬"]
SATISFACTION = ["满意", "满意", "满意", "基本满意", "不满意", ""]


def log(msg: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {msg}", flush=True)  # noqa: DTZ005


def load() -> str:
    return "load average " + " / ".join(f"{x:.1f}" for x in os.getloadavg())


def ensure_org(units: int, categories: int) -> tuple[list[str], list[str]]:
    """The names of ≥ ``units`` units and ≥ ``categories`` categories to draw rows from."""
    from duban.org.models import Unit, UnitKind
    from duban.org.services import unit_create
    from duban.tickets.models import Category

    leaves = list(Unit.objects.filter(kind__in=[UnitKind.DEPARTMENT, UnitKind.STREET]))
    if len(leaves) < units:
        city = Unit.objects.filter(code="bench-city").first() or unit_create(
            code="bench-city", name="基准测试市", kind=UnitKind.DISTRICT
        )
        for k in range(len(leaves), units):
            kind = UnitKind.STREET if k % 2 else UnitKind.DEPARTMENT
            unit_create(code=f"bench-u{k}", name=f"基准单位{k:03d}", kind=kind, parent=city)
        leaves = list(Unit.objects.filter(kind__in=[UnitKind.DEPARTMENT, UnitKind.STREET]))
    have = Category.objects.filter(is_active=True).count()
    for k in range(have, categories):
        Category.objects.create(name=f"分类{k:03d}", full_name=f"基准/分类{k:03d}", level=2)
    names = [u.code for u in leaves]  # codes: names may repeat across districts
    cats = list(Category.objects.filter(is_active=True).values_list("full_name", flat=True))
    return names, cats


def make_file(path: Path, rows: int, units: list[str], cats: list[str], seed: int = 15) -> None:
    rng = random.Random(seed)
    start = datetime(2024, 1, 1)  # noqa: DTZ001 - local times, as an export writes them
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        for _ in range(rows):
            created = start + timedelta(seconds=rng.randrange(365 * 86400))
            closed = created + timedelta(hours=rng.randrange(4, 400))
            sat = rng.choice(SATISFACTION)
            w.writerow(
                [
                    "",
                    f"{created:%Y-%m-%d %H:%M:%S}",
                    rng.choice(surnames) + rng.choice(["先生", "女士"]),
                    f"1{rng.choice('35789')}{rng.randrange(10**9):09d}",
                    f"{rng.choice(PLACES)}{rng.randrange(1, 99)}号：{rng.choice(MATTERS)}",
                    rng.choice(TYPES),
                    rng.choice(cats),
                    rng.choice(units),
                    f"{closed:%Y-%m-%d %H:%M:%S}",
                    sat,
                    rng.choice(["是", "是", "否"]) if sat else "",
                ]
            )


def bare_copy_timed(path: Path, *, bulk: bool) -> tuple[float, float, int]:
    """Plain COPY of the rows the product would write, pre-shaped; rolled back."""
    from django.db import connection, transaction
    from django.utils import timezone

    from duban.tickets.importing.mapping import load_mapping
    from duban.tickets.importing.reading import read_rows
    from duban.tickets.importing.validation import validate
    from duban.tickets.importing.writing import (
        CopyWriter,
        Plan,
        SetAside,
        restore,
        set_aside,
    )
    from duban.tickets.selectors_import import import_lookups

    rows = validate(read_rows(path), load_mapping(), import_lookups(now=timezone.now())).rows
    log(f"bare COPY: {len(rows)} rows validated; shaping COPY text (not timed)")
    with connection.cursor() as c:
        c.execute("SELECT COALESCE(MAX(id), 0) FROM tickets_ticket")
        t0 = c.fetchone()[0] + 1_000_000
        c.execute("SELECT COALESCE(MAX(id), 0) FROM tickets_caller")
        c0 = c.fetchone()[0] + 1_000_000
    plan = Plan(
        run_id=0,
        actor_id=None,
        actor_unit_id=None,
        numbers=[f"B{k:013d}" for k in range(len(rows))],
    )
    w = CopyWriter(plan)
    tickets = list(range(t0, t0 + len(rows)))
    callers = list(range(c0, c0 + len(rows)))
    texts = [
        (w.callers[0], "".join(w._caller_lines(rows, callers))),
        (w.tickets[0], "".join(w._ticket_lines(rows, tickets, callers))),
        (w.events[0], "".join(w._event_lines(rows, tickets))),
        (w.assignments[0], "".join(w._assignment_lines(rows, tickets))),
    ]
    del rows
    log(
        f"bare COPY: {sum(len(t) for _, t in texts) / 1e6:.0f} M characters; COPY starts ({load()})"
    )
    connection.ensure_connection()
    with transaction.atomic():
        cur = connection.connection.cursor()
        wall, cpu = time.perf_counter(), time.process_time()
        aside = set_aside(cur) if bulk else SetAside([], [])
        for sql, text in texts:
            with cur.copy(sql) as copy:
                view = memoryview(text.encode())
                for k in range(0, len(view), 1 << 20):
                    copy.write(view[k : k + (1 << 20)])
        if bulk:
            restore(cur, aside)
        cur.execute(
            "SET CONSTRAINTS ALL IMMEDIATE"
        )  # the deferred foreign-key checks a commit runs
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        transaction.set_rollback(True)
    return wall, cpu, len(tickets)


# -- the interface bench/scale/paths.py uses (its import row) ----------------------------------
SAMPLE_MAPPING: dict[str, str] = {}  # the product's default mapping (load_mapping())
_LAST: dict[str, int] = {}


def make_sample(path: Path, rows: int) -> None:
    units, cats = ensure_org(400, 390)
    make_file(path, rows, units, cats)


def bare_copy(path: Path) -> float:
    return bare_copy_timed(path, bulk=False)[0]


class _Result:
    def __init__(self, result: object, seconds: float) -> None:
        self.seconds, self.errors = seconds, result.invalid  # type: ignore[attr-defined]
        self.rows = result.rows  # type: ignore[attr-defined]


def import_file(
    path: Path, *, mapping: dict[str, str] | None = None, batch_label: str = ""
) -> _Result:
    wall, _cpu, result = product(path, bulk=False, keep=True)
    return _Result(result, wall)


def remove_batch(label: str = "") -> None:
    if _LAST:
        _remove(_LAST["before"], _LAST["run"])


def _remove(before: int, run: int) -> None:
    from django.db import connection

    log("deleting the imported rows (not timed)")
    with connection.cursor() as c:
        if before == 0:
            c.execute(
                "TRUNCATE tickets_ticketevent, tickets_ticketassignment, tickets_ticket, "
                "tickets_caller, tickets_ticketimport, tickets_ticketsequence CASCADE"
            )
            return
        c.execute(
            "DELETE FROM tickets_ticketevent WHERE ticket_id > %s;"
            "DELETE FROM tickets_ticketassignment WHERE ticket_id > %s;"
            "CREATE TEMP TABLE gone AS SELECT caller_id FROM tickets_ticket WHERE id > %s;"
            "DELETE FROM tickets_ticket WHERE id > %s;"
            "DELETE FROM tickets_caller WHERE id IN (SELECT caller_id FROM gone);"
            "DROP TABLE gone;"
            "DELETE FROM tickets_ticketimport WHERE id = %s",
            [before, before, before, before, run],
        )


def product(path: Path, *, bulk: bool, keep: bool) -> tuple[float, float, object]:
    from django.db import connection
    from django.utils import timezone

    from duban.tickets.importing.mapping import load_mapping
    from duban.tickets.services.history_import import tickets_import

    # the product pays the deferred foreign-key checks at its commit, inside the timing

    def progress(stage: str, done: int, total: int) -> None:
        log(f"  {stage} {done}")

    with connection.cursor() as c:
        c.execute("SELECT COALESCE(MAX(id), 0) FROM tickets_ticket")
        before = c.fetchone()[0]
    wall, cpu = time.perf_counter(), time.process_time()
    result = tickets_import(
        path=path,
        mapping=load_mapping(),
        actor=None,
        now=timezone.now(),
        run_by="bench",
        bulk=bulk,
        progress=progress,
    )
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if result.problems:
        sys.exit(f"the file has invalid rows: {result.problems[:5]}")
    _LAST.update(before=before, run=result.run.pk)
    if not keep:
        _remove(before, result.run.pk)
    return wall, cpu, result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--make", type=Path, required=True, help="the CSV (written when missing)")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=400)
    parser.add_argument("--categories", type=int, default=390)
    parser.add_argument(
        "--bulk", action="store_true", help="both sides drop/rebuild the search indexes"
    )
    parser.add_argument("--keep", action="store_true", help="keep the product's import")
    parser.add_argument("--skip-bare", action="store_true")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("PostgreSQL only (DATABASE_URL=postgres://…)")
    if not args.make.exists():
        units, cats = ensure_org(args.units, args.categories)
        log(f"writing {args.rows} rows to {args.make} ({len(units)} units, {len(cats)} categories)")
        make_file(args.make, args.rows, units, cats)
    with connection.cursor() as c:
        c.execute("SELECT count(*) FROM tickets_ticket")
        existing = c.fetchone()[0]
    log(f"{existing} tickets in the table; {load()}")
    bare = None
    if not args.skip_bare:
        bare = bare_copy_timed(args.make, bulk=args.bulk)
        log(
            f"bare COPY: {bare[0]:.1f} s wall, {bare[1]:.1f} s CPU (client) for {bare[2]} tickets; {load()}"
        )
    wall, cpu, result = product(args.make, bulk=args.bulk, keep=args.keep)
    stages = ", ".join(f"{k} {v:.1f} s" for k, v in result.seconds.items())
    log(
        f"product: {wall:.1f} s wall, {cpu:.1f} s CPU (client) for {result.written} tickets ({stages}); {load()}"
    )
    mode = "--bulk (search indexes rebuilt once)" if args.bulk else "every index in place"
    print(f"\nimport of {result.written:,} tickets into a table of {existing:,}, {mode}:")
    print(
        f"  product tickets_import: {wall:6.1f} s wall, {cpu:6.1f} s CPU, {result.written / wall:,.0f} tickets/s"
    )
    if bare:
        print(
            f"  bare COPY, same rows:   {bare[0]:6.1f} s wall, {bare[1]:6.1f} s CPU, {bare[2] / bare[0]:,.0f} tickets/s"
        )
        print(f"  ratio: {wall / bare[0]:.2f}x")


if __name__ == "__main__":
    main()
