"""Server time of the inspections pages on 5,000 sites × a year of weekly rounds.

    DUBAN_VAR_DIR=/tmp/insp-bench uv run --frozen --no-sync python bench/inspections_pages.py [--sites 5000] [--weeks 52] [--runs 20]

Builds (once, in DUBAN_VAR_DIR's SQLite file unless DATABASE_URL says otherwise) a district
with 5,000 sites, a 140-standard checklist and one site check per site per week for a year
(260,000 checks, about two thirds of a finding each; assignments are not stored; the last weeks' findings still open, some
overdue, some awaiting 回头看). Rows are bulk-inserted: the services are measured by the
tests, the reads here. Prints the p50 / p95 server time (wall), the p50 CPU time of the
process (``time.process_time``: SQLite runs in-process, so this is the request's own work,
the closer estimate of an idle server's time on a shared machine) and the query count of the
rectification desk, the rankings (streets and units, month, week and round), the weekly 通报,
the dashboard, the site ledger, the round planner and the API through the Django test
client, with the load average before and after. Target: < 200 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

os.environ.setdefault("DUBAN_VAR_DIR", "/tmp/insp-bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
os.environ.setdefault("DUBAN_DEBUG", "1")

TZ = ZoneInfo("Asia/Shanghai")


def pages(now: datetime, round_id: int) -> list[tuple[str, str]]:
    local = now.astimezone(TZ)
    month = local.strftime("%Y-%m")
    first = local.replace(day=1)
    full = (first - timedelta(days=1)).strftime("%Y-%m")  # the last whole month
    iso = (local - timedelta(days=7)).isocalendar()
    week = f"{iso.year}-W{iso.week:02d}"
    api = "/api/v1/inspections"
    return [
        ("bench_office", "/inspections/desk/"),
        ("bench_office", "/inspections/desk/?view=overdue"),
        ("bench_unit", "/inspections/desk/"),
        ("bench_office", f"/inspections/rankings/?period={month}"),
        ("bench_office", f"/inspections/rankings/?period={full}"),
        ("bench_office", f"/inspections/rankings/?period={week}"),
        ("bench_office", f"/inspections/report/?period={week}"),
        ("bench_office", f"/inspections/?period={month}"),
        ("bench_office", f"/inspections/?period={full}"),
        ("bench_office", f"/inspections/?period={full}&programme=cw"),
        ("bench_office", f"/inspections/?period={week}"),
        ("bench_office", "/inspections/sites/"),
        ("bench_office", "/inspections/rounds/"),
        ("bench_office", "/inspections/checklists/"),
        ("bench_office", f"{api}/rankings?period={month}&group=streets"),
        ("bench_office", f"{api}/rankings?period={month}&group=units"),
        ("bench_office", f"{api}/rankings?period={full}&group=units"),
        ("bench_office", f"{api}/rankings?period={week}&group=units"),
        ("bench_office", f"{api}/rankings?period={week}&group=streets&round={round_id}"),
        ("bench_office", f"{api}/findings?state=rectifying&limit=50"),
        ("bench_office", f"{api}/programmes"),
    ]


def build(n_sites: int, weeks: int) -> None:
    from duban.inspections import services as s
    from duban.inspections.models import (
        Finding,
        Round,
        Site,
        SiteCheck,
        SiteType,
        Standard,
    )
    from duban.org.models import UnitKind
    from duban.org.roles import Role
    from duban.org.services import unit_create, user_create

    rng = random.Random(13)
    now = datetime.now(TZ)
    district = unit_create(code="ib-district", name="压测示范区", kind=UnitKind.DISTRICT)
    streets = [
        unit_create(code=f"ib-street{i}", name=f"第{i}街道", kind=UnitKind.STREET, parent=district)
        for i in range(12)
    ]
    depts = [
        unit_create(code=f"ib-dept{i}", name=f"第{i}局", kind=UnitKind.DEPARTMENT, parent=district)
        for i in range(20)
    ]
    office = user_create(
        username="bench_office",
        role=Role.INSPECTION_OFFICE,
        unit=depts[0],
        full_name="创文办",
        password="bench-12345",
        extra_roles=[Role.DISPATCHER],
    )
    inspector = user_create(
        username="bench_inspector",
        role=Role.INSPECTOR,
        unit=depts[0],
        full_name="督查员",
        password="bench-12345",
    )
    user_create(
        username="bench_unit",
        role=Role.UNIT_HEAD,
        unit=depts[1],
        full_name="第1局",
        password="bench-12345",
    )
    programme = s.programme_create(actor=office, now=now, code="cw", name="创文")
    types = list(SiteType.values)
    rows = [
        s.StandardRow(
            f"{b}",
            f"板块{b}",
            f"{b}.{i}",
            f"内容{b}.{i}",
            f"{b}.{i}.{k}",
            f"测评标准{b}.{i}.{k}",
            site_types=tuple(rng.sample(types, 4)),
        )
        for b in range(1, 10)
        for i in range(1, 9)
        for k in range(1, 3)
    ][:140]
    s.checklist_import(actor=office, now=now, programme=programme, rows=rows)
    standards = list(Standard.objects.filter(programme=programme))
    Site.objects.bulk_create(
        [
            Site(
                district=district,
                code=f"s{i:05d}",
                name=f"点位{i}",
                type=rng.choice(types),
                street=(street := rng.choice(streets)),
                unit=rng.choice([street, *depts]),
                place=f"地点{i}",
            )
            for i in range(n_sites)
        ],
        batch_size=2000,
    )
    sites = list(Site.objects.filter(district=district))
    start = (now - timedelta(weeks=weeks)).date()
    start -= timedelta(days=start.weekday())
    for w in range(weeks):
        monday = start + timedelta(weeks=w)
        rnd = Round.objects.create(
            district=district,
            programme=programme,
            name=f"第{w + 1}周",
            starts_on=monday,
            ends_on=monday + timedelta(days=6),
            created_by=office,
            created_at=now,
            state="closed" if w < weeks - 2 else "open",
        )
        checks = []
        for i, site in enumerate(sites):
            at = datetime(monday.year, monday.month, monday.day, 9, tzinfo=TZ) + timedelta(
                days=i % 5, minutes=i % 480
            )
            n = rng.choice((0, 0, 0, 1, 1, 2))
            deduction = Decimal("0.3") * n
            checks.append(
                SiteCheck(
                    district=district,
                    programme=programme,
                    round=rnd,
                    site=site,
                    street_id=site.street_id,
                    unit_id=site.unit_id,
                    inspector=inspector,
                    checked_at=at,
                    client_token=f"b{w}-{site.pk}",
                    findings_count=n,
                    deduction=deduction,
                    score=Decimal(100) - deduction,
                )
            )
        SiteCheck.objects.bulk_create(checks, batch_size=5000)
        findings = []
        recent = w >= weeks - 3
        for check in SiteCheck.objects.filter(round=rnd, findings_count__gt=0).select_related(
            "site"
        ):
            for _ in range(check.findings_count):
                fixed = rng.random() < 0.7
                if fixed:
                    state = "fixed"
                elif recent:
                    state = rng.choice(("rectifying", "rectifying", "awaiting"))
                else:
                    state = "closed"
                findings.append(
                    Finding(
                        district=district,
                        programme=programme,
                        site_check=check,
                        site_id=check.site_id,
                        standard=rng.choice(standards),
                        street_id=check.street_id,
                        unit_id=check.unit_id,
                        found_at=check.checked_at,
                        description="问题",
                        fixed_on_spot=fixed,
                        deduction=Decimal("0.3"),
                        state=state,
                        verification="pending"
                        if state == "awaiting"
                        else ("confirmed" if state == "closed" else ""),
                        due_at=check.checked_at + timedelta(days=7) if not fixed else None,
                    )
                )
        Finding.objects.bulk_create(findings, batch_size=5000)
        print(
            f"week {w + 1}/{weeks}: {len(checks)} checks, {len(findings)} findings", file=sys.stderr
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sites", type=int, default=5000)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    import django

    Path(os.environ["DUBAN_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from duban.inspections.models import Round, Site
    from duban.org.models import User

    call_command("migrate", verbosity=0)
    if not Site.objects.filter(code="s00000").exists():
        build(args.sites, args.weeks)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("ANALYZE")
        elif connection.vendor == "postgresql":
            # As autovacuum leaves a settled database: statistics, and the visibility map
            # that lets the covering indexes answer without reading the tables.
            cursor.execute("VACUUM (ANALYZE) inspections_sitecheck, inspections_finding")
    now = datetime.now(TZ)
    print(f"{connection.vendor}; load average {_load()}")
    print(f"{'page':<64} {'p50 ms':>8} {'p95 ms':>8} {'CPU p50':>8} {'queries':>8}")
    last_closed = Round.objects.filter(state="closed").order_by("-starts_on").first()
    assert last_closed is not None
    for username, url in pages(now, last_closed.pk):
        client = Client()
        client.force_login(User.objects.get(username=username))
        client.get(url)  # warm
        times, cpu = [], []
        for _ in range(args.runs):
            start, start_cpu = time.perf_counter(), time.process_time()
            with CaptureQueriesContext(connection) as q:
                response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        times.sort()
        p95 = times[max(0, int(len(times) * 0.95) - 1)]
        print(
            f"{username + ' ' + url:<64} {statistics.median(times):>8.1f} {p95:>8.1f}"
            f" {statistics.median(cpu):>8.1f} {len(q):>8}"
        )
    print(f"load average {_load()}")


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
