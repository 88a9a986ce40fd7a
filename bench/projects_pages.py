"""Server time of the key-projects pages on 2,000 projects × 24 months of reports.

    DUBAN_VAR_DIR=/tmp/prj-bench uv run --frozen --no-sync python bench/projects_pages.py [--projects 2000] [--runs 20]

Builds (once, in DUBAN_VAR_DIR's SQLite file unless DATABASE_URL says otherwise) a district
with 2,000 projects, their plan curves and stage dates and 24 approved monthly reports
each (bulk-inserted: the services are measured by the tests, the reads here), then prints
p50 / p95 server time and the query count of the ledger, the dashboard, the red/black
lists, the bulletin and the API list, through the Django test client. Target: < 200 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

os.environ.setdefault("DUBAN_VAR_DIR", "/tmp/prj-bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
os.environ.setdefault("DUBAN_DEBUG", "1")

TZ = ZoneInfo("Asia/Shanghai")
PAGES = [
    ("bench_office", "/projects/"),
    ("bench_office", "/projects/?lag_status=lagging"),
    ("bench_office", "/projects/?level=province&stage=building"),
    ("bench_office", "/projects/dashboard/"),
    ("bench_office", "/projects/boards/"),
    ("bench_office", "/projects/bulletin/"),
    ("bench_office", "/projects/dispatch/"),
    ("bench_lead", "/projects/mine/"),
    ("bench_office", "/api/v1/projects?limit=50"),
    ("bench_office", "/api/v1/projects?lag_status=lagging&limit=50"),
]


def build(n: int) -> None:
    from duban.org.models import UnitKind
    from duban.org.roles import Role
    from duban.org.services import unit_create, user_create
    from duban.projects.models import (
        STAGE_ORDER,
        MonthlyReport,
        PlanMonth,
        Project,
        ReportState,
        StageDate,
        pack_levels,
    )

    rng = random.Random(7)
    district = unit_create(code="b-district", name="压测示范区", kind=UnitKind.DISTRICT)
    streets = [
        unit_create(code=f"b-street{i}", name=f"第{i}街道", kind=UnitKind.STREET, parent=district)
        for i in range(12)
    ]
    depts = [
        unit_create(code=f"b-dept{i}", name=f"第{i}局", kind=UnitKind.DEPARTMENT, parent=district)
        for i in range(20)
    ]
    office = user_create(
        username="bench_office",
        role=Role.HANDLER,
        unit=depts[0],
        full_name="项目办",
        password="bench-12345",
        extra_roles=[Role.PROJECT_OFFICE],
    )
    leads = [
        user_create(
            username="bench_lead" if i == 0 else f"bench_lead{i}",
            role=Role.LEADER,
            unit=district,
            full_name=f"领导{i}",
            password="bench-12345",
        )
        for i in range(15)
    ]
    reporter = user_create(
        username="bench_reporter",
        role=Role.PROJECT_REPORTER,
        unit=depts[0],
        full_name="填报员",
        password="bench-12345",
    )
    today = datetime.now(TZ).date()
    year = today.year if today.month > 1 else today.year - 1
    last = today.month - 1 or 12
    now = datetime.now(TZ)
    projects = []
    for i in range(n):
        annual = Decimal(rng.randrange(1000, 200000))
        share = Decimal(rng.uniform(0.5, 1.5)).quantize(Decimal("0.0001"))
        stage = rng.choice(STAGE_ORDER[1:])
        street = rng.choice(streets)
        projects.append(
            Project(
                district=district,
                code=f"B{i:05d}",
                name=f"压测项目{i}",
                nature="industry",
                levels=pack_levels(rng.sample(["province", "city", "district"], rng.randint(1, 2))),
                owner_name=f"业主{i}",
                street=street,
                unit=rng.choice([street, *depts]),
                lead=rng.choice(leads),
                reporter=reporter,
                total_investment=annual * 4,
                plan_year=year,
                annual_plan=annual,
                start_year=year - 1,
                end_year=year + 1,
                stage=stage,
                reported_month=last,
                completed_this_year=(annual * last / 12 * share).quantize(Decimal("0.01")),
                completed_total=annual * 2,
                plan_to_date=(annual * last / 12).quantize(Decimal("0.01")),
                bond_applied=annual if i % 10 == 0 else 0,
                created_at=now,
                updated_at=now,
            )
        )
    Project.objects.bulk_create(projects, batch_size=500)
    projects = list(Project.objects.filter(district=district))
    plans, stages, reports = [], [], []
    for p in projects:
        monthly = (p.annual_plan / 12).quantize(Decimal("0.01"))
        for m in range(1, 13):
            plans.append(
                PlanMonth(project=p, year=year, month=m, amount=monthly, cumulative=monthly * m)
            )
        current = STAGE_ORDER.index(p.stage)
        for k, s in enumerate(STAGE_ORDER):
            planned = date(year - 1, 1, 1) + timedelta(days=120 * k + rng.randrange(0, 90))
            stages.append(
                StageDate(
                    project=p,
                    stage=s,
                    planned_date=planned,
                    actual_date=planned if k <= current else None,
                )
            )
            if k == current + 1:
                p.next_stage, p.next_stage_due = s, planned
        ratio = p.completed_this_year / p.plan_to_date if p.plan_to_date else Decimal(1)
        cum_total = Decimal(0)
        for back in range(24, 0, -1):
            y, m = year, last - back + 1
            while m <= 0:
                y, m = y - 1, m + 12
            amount = (monthly * ratio).quantize(Decimal("0.01"))
            cum_total += amount
            cum_year = amount * m
            reports.append(
                MonthlyReport(
                    project=p,
                    year=y,
                    month=m,
                    state=ReportState.APPROVED,
                    investment_month=amount,
                    cumulative_year=cum_year,
                    cumulative_total=cum_total,
                    plan_to_date=monthly * m,
                    annual_plan=p.annual_plan,
                    completion_rate=float(cum_year / p.annual_plan),
                    progress="主体施工",
                    submitted_by=reporter,
                    submitted_at=now,
                    reviewed_by=office,
                    reviewed_at=now,
                )
            )
    Project.objects.bulk_update(projects, ["next_stage", "next_stage_due"], batch_size=500)
    PlanMonth.objects.bulk_create(plans, batch_size=2000)
    StageDate.objects.bulk_create(stages, batch_size=2000)
    MonthlyReport.objects.bulk_create(reports, batch_size=2000)
    print(f"built {len(projects)} projects, {len(reports)} reports", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    import django

    Path(os.environ["DUBAN_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from duban.org.models import User
    from duban.projects.models import Project

    call_command("migrate", verbosity=0)
    if not Project.objects.filter(code__startswith="B0").exists():
        build(args.projects)
    # Wall time, and the process's CPU time (SQLite runs in process: the CPU time is the
    # server's own work, which a machine shared with other jobs does not inflate).
    print(f"{'page':<52} {'p50 ms':>8} {'p95 ms':>8} {'cpu p50':>8} {'cpu p95':>8} {'queries':>8}")
    for username, url in PAGES:
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
        cpu.sort()
        i95 = max(0, int(len(times) * 0.95) - 1)
        print(
            f"{username + ' ' + url:<52} {statistics.median(times):>8.1f} {times[i95]:>8.1f} "
            f"{statistics.median(cpu):>8.1f} {cpu[i95]:>8.1f} {len(q):>8}"
        )


if __name__ == "__main__":
    main()
