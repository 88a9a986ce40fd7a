"""Server time of the enterprise service's pages on a registry of 20,000 enterprises: the
ledger (first page, a name filter, the overdue-visit filter, an htmx page), the officer's
desk and the dashboard; and the two desks that list overdue proxy steps (the supervision
desk, 督办台, and a department's inbox).

    DUBAN_VAR_DIR=/tmp/ent-var DATABASE_URL=sqlite:////tmp/ent-var/demo.sqlite3 \\
        uv run --frozen --no-sync python bench/enterprises_pages.py [--enterprises 20000] \\
        [--late-cases 200] [--runs 10]

Needs a demo (`duban migrate && duban demo`): it tops the demo's registry up to
``--enterprises`` with filler enterprises (valid credit codes, spread over the demo's eight
officers and service groups, a third of them above scale, last visits over the past year)
and the open proxy cases up to ``--late-cases``, each with its first step overdue (the
demo's own year of cases is all completed), then prints the load average, and the median
and p95 server time (Django test client, in process), the median CPU time of the process
(what the request costs when the machine is shared), the query count and the response size
of each page. The filler rows are written in bulk (a bench fixture, not
the services); run it on a scratch copy of the demo.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")

PAGES = (
    ("leader1", "/enterprises/"),
    ("leader1", "/enterprises/?name=科技"),
    ("leader1", "/enterprises/?visit_overdue=1&above_scale=1"),
    ("leader1", "/enterprises/?page=40 (htmx)"),
    ("officer1", "/enterprises/"),
    ("officer1", "/enterprises/desk/"),
    ("leader1", "/enterprises/dashboard/"),
    ("supervisor1", "/desk/supervision/"),
    ("fgj_handler", "/desk/inbox/"),
)


def top_up(target: int) -> int:
    from datetime import timedelta

    from django.utils import timezone

    from duban.enterprises import credit_code as cc
    from duban.enterprises.models import Enterprise, IndustryChain, Park, ServiceGroup
    from duban.org.models import Unit, UnitKind, User

    have = Enterprise.objects.count()
    if have >= target:
        return have
    rng = random.Random(20000)
    first = Enterprise.objects.order_by("pk").first()
    if first is None:
        raise SystemExit("no demo: run `duban demo` first")
    district = Unit.objects.get(pk=first.district_id)
    officers = list(User.objects.filter(username__startswith="officer").order_by("username"))
    groups = list(ServiceGroup.objects.filter(kind="service_group").order_by("sort_order"))
    chains = list(IndustryChain.objects.all())
    parks = list(Park.objects.filter(district=district))
    streets = list(Unit.objects.filter(path__startswith=district.path, kind=UnitKind.STREET))
    now = timezone.now()
    codes = set(Enterprise.objects.values_list("credit_code", flat=True))
    rows = []
    for i in range(have, target):
        while True:
            body = "91410400" + "".join(rng.choice(cc.ALPHABET) for _ in range(9))
            code = body + cc.check_character(body)
            if code not in codes:
                codes.add(code)
                break
        n = i % len(officers)
        rows.append(
            Enterprise(
                district=district,
                name=f"填充企业{i:05d}{rng.choice(['科技', '制造', '物流', '医药'])}有限公司",
                credit_code=code,
                chain=rng.choice(chains),
                park=rng.choice(parks),
                street=rng.choice(streets),
                above_scale=rng.random() < 0.33,
                created_at=now - timedelta(days=400),
                officer=officers[n],
                group=groups[n % len(groups)],
                last_visited_on=(now - timedelta(days=rng.randrange(0, 200))).date(),
                contact_name="张经理",
                contact_phone="13800000000",
            )
        )
    Enterprise.objects.bulk_create(rows, batch_size=2000)
    return Enterprise.objects.count()


def top_up_late_cases(target: int) -> int:
    """Open proxy cases whose first step is past its limit, spread over the catalogue and
    the filler enterprises (bulk rows: the services would start the steps now)."""
    from datetime import timedelta

    from django.utils import timezone

    from duban.enterprises.models import (
        CaseState,
        Enterprise,
        ProxyCase,
        ProxyService,
        ProxyStep,
        StepState,
    )

    have = ProxyCase.objects.filter(state=CaseState.OPEN).count()
    if have >= target:
        return have
    rng = random.Random(200)
    now = timezone.now()
    services = list(ProxyService.objects.prefetch_related("steps").order_by("pk"))
    enterprises = list(Enterprise.objects.order_by("pk").values_list("pk", "district_id")[:2000])
    cases = []
    for i in range(have, target):
        pk, district = enterprises[(i * 7) % len(enterprises)]
        opened = now - timedelta(days=rng.randrange(5, 60))
        cases.append(
            ProxyCase(
                district_id=district,
                enterprise_id=pk,
                service=services[i % len(services)],
                created_at=opened,
                due_at=opened + timedelta(days=30),
            )
        )
    ProxyCase.objects.bulk_create(cases, batch_size=500)
    steps = []
    for case in cases:
        for i, t in enumerate(case.service.steps.all()):
            first = i == 0
            steps.append(
                ProxyStep(
                    case=case,
                    order=t.order,
                    name=t.name,
                    unit_id=t.unit_id,
                    documents=t.documents,
                    days=t.days,
                    state=StepState.PENDING if first else StepState.WAITING,
                    started_at=case.created_at if first else None,
                    due_at=case.created_at + timedelta(days=1) if first else None,
                )
            )
    ProxyStep.objects.bulk_create(steps, batch_size=2000)
    return ProxyCase.objects.filter(state=CaseState.OPEN).count()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--enterprises", type=int, default=20_000)
    parser.add_argument("--late-cases", type=int, default=200)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from duban.org.models import User

    total = top_up(args.enterprises)
    late = top_up_late_cases(args.late_cases)
    print(f"database: {connection.vendor}, enterprises: {total}, open proxy cases: {late}")
    if hasattr(os, "getloadavg"):
        print("load average: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    print(
        f"{'user':9} {'url':50} {'p50 ms':>8} {'p95 ms':>8} {'cpu p50':>8} {'queries':>7} "
        f"{'KiB':>7} status"
    )
    clients: dict[str, Client] = {}
    for username, template in PAGES:
        if username not in clients:
            clients[username] = Client(SERVER_NAME="127.0.0.1")
            clients[username].force_login(User.objects.get(username=username))
        client = clients[username]
        url, _, note = template.partition(" ")
        headers = {"HTTP_HX_REQUEST": "true"} if note == "(htmx)" else {}
        client.get(url, **headers)  # warm (templates, calendar)
        times, cpu = [], []
        for _ in range(args.runs):
            with CaptureQueriesContext(connection) as queries:
                started, cpu_started = time.perf_counter(), time.process_time()
                response = client.get(url, **headers)
                times.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - cpu_started) * 1000)
        times.sort()
        p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
        print(
            f"{username:9} {template:50} {statistics.median(times):8.1f} {p95:8.1f} "
            f"{statistics.median(cpu):8.1f} "
            f"{len(queries.captured_queries):7d} {len(response.content) / 1024:7.0f} "
            f"{response.status_code}"
        )


if __name__ == "__main__":
    main()
