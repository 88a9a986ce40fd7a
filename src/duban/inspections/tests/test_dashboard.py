"""The 督查看板 and the round planner read their figures with few queries, and they are the
figures the plain queries give.

The dashboard counts a period's findings once, grouped by standard, and carries the counts up
the checklist; the reference here is the page's earlier form — one grouped query per figure
over the findings joined to the checklist — run on random findings (flags, programmes,
checklists sharing a board's name, moments on the period's edges, another district's rows)."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Count, Q

from duban.core.periods import PERIOD_TZ
from duban.inspections import selectors, selectors_dashboard
from duban.inspections import services as s
from duban.inspections.models import Finding, Round, Site, SiteCheck, Standard
from duban.org.models import UnitKind
from duban.org.services import unit_create

from .test_pages import client_for
from .test_services import walk_road


def live_dashboard(user, *, window, programme=None) -> dict[str, Any]:
    """The reference: the dashboard's figures as one grouped query each over the findings
    joined to the checklist (the page's form before the counts by standard)."""
    qs = selectors.scoped(
        Finding.objects.filter(found_at__gte=window.start, found_at__lt=window.end), user
    )
    if programme is not None:
        qs = qs.filter(programme=programme)
    by_board = qs.values("standard__item__board__name").annotate(n=Count("pk")).order_by()
    by_item = qs.values("standard__item__name").annotate(n=Count("pk")).order_by()
    common = qs.values("standard__code", "standard__text").annotate(n=Count("pk")).order_by()
    totals = qs.aggregate(
        findings=Count("pk"),
        fixed=Count("pk", filter=Q(fixed_on_spot=True)),
        ticketed=Count("pk", filter=Q(ticket__isnull=False)),
        rectified=Count("pk", filter=Q(rectified_at__isnull=False)),
        on_time=Count("pk", filter=Q(rectified_at__isnull=False, overdue=False)),
        repeats=Count("pk", filter=Q(repeat=True)),
        closed=Count("pk", filter=Q(state=Finding.State.CLOSED)),
    )
    return {
        "by_board": {r["standard__item__board__name"]: r["n"] for r in by_board},
        "by_item": {r["standard__item__name"]: r["n"] for r in by_item},
        "common": {(r["standard__code"], r["standard__text"]): r["n"] for r in common},
        "totals": totals,
    }


def second_programme(insp):
    """安全 (safety): its own checklist, one board named as one of 创文's."""
    programme = s.programme_create(actor=insp.office, now=insp.later(0), code="aq", name="安全")
    rows = [
        s.StandardRow("A1", "市容环境", "J1", "消防通道", "F1", "消防通道畅通", line=2),
        s.StandardRow("A1", "市容环境", "J1", "消防通道", "F2", "无占用消防通道", line=3),
        s.StandardRow("A2", "燃气安全", "J2", "燃气管线", "G1", "燃气管线无私拉", line=4),
    ]
    s.checklist_import(actor=insp.office, now=insp.later(0), programme=programme, rows=rows)
    return programme


def random_findings(insp, programmes, seed: int) -> None:
    """Site checks and findings of February to April 2025 with random flags, written as rows
    (the services are tested elsewhere), in this district and in another one."""
    rng = random.Random(seed)
    d = insp.d
    sites = [insp.road, insp.estate]
    for k, (street, unit) in enumerate(
        [(d.binhu, d.housing), (d.hubin, d.jianye), (d.hubin, d.hubin), (d.binhu, d.dongliu)]
    ):
        sites.append(
            Site.objects.create(
                district=d.district,
                code=f"rnd-{k}",
                name=f"点位{k}",
                type="main_road",
                street=street,
                unit=unit,
            )
        )
    other = unit_create(code="t-other", name="外区", kind=UnitKind.DISTRICT)
    other_street = unit_create(
        code="t-other-st", name="外区街道", kind=UnitKind.STREET, parent=other
    )
    sites.append(
        Site.objects.create(
            district=other,
            code="far",
            name="外区点位",
            type="main_road",
            street=other_street,
            unit=other_street,
        )
    )
    standards = {p.pk: list(Standard.objects.filter(programme=p)) for p in programmes}
    # Moments on the edges of March and of ISO week 10 (3–9 March), in the period's zone.
    edges = [
        datetime(2025, 2, 28, 23, 59, tzinfo=PERIOD_TZ),
        datetime(2025, 3, 1, 0, 0, tzinfo=PERIOD_TZ),
        datetime(2025, 3, 2, 23, 59, tzinfo=PERIOD_TZ),
        datetime(2025, 3, 3, 0, 0, tzinfo=PERIOD_TZ),
        datetime(2025, 3, 9, 23, 59, tzinfo=PERIOD_TZ),
        datetime(2025, 3, 10, 0, 0, tzinfo=PERIOD_TZ),
        datetime(2025, 3, 31, 23, 59, tzinfo=PERIOD_TZ),
        datetime(2025, 4, 1, 0, 0, tzinfo=PERIOD_TZ),
    ]
    start = datetime(2025, 2, 15, tzinfo=PERIOD_TZ)
    for r in range(8):
        programme = rng.choice(programmes)
        monday = date(2025, 2, 17) + timedelta(weeks=r)
        rnd = Round.objects.create(
            district=d.district,
            programme=programme,
            name=f"随机{seed}-{r}",
            starts_on=monday,
            ends_on=monday + timedelta(days=6),
            created_at=insp.later(0),
        )
        for site in sites:
            if rng.random() < 0.2:
                continue
            if rng.random() < 0.3:
                at = rng.choice(edges)
            else:
                at = start + timedelta(minutes=rng.randrange(60 * 24 * 60))
            n = rng.choice((0, 1, 1, 2, 3))
            deduction = Decimal("0.3") * n + (Decimal(1) if rng.random() < 0.2 else 0)
            check = SiteCheck.objects.create(
                district_id=site.district_id,
                programme=programme,
                round=rnd,
                site=site,
                street_id=site.street_id,
                unit_id=site.unit_id,
                inspector=insp.inspector,
                checked_at=at,
                client_token=f"rnd-{seed}-{r}-{site.pk}",
                findings_count=n,
                deduction=deduction,
                score=Decimal(100) - deduction,
            )
            for _ in range(n):
                fixed = rng.random() < 0.5
                state = "fixed" if fixed else rng.choice(("rectifying", "awaiting", "closed"))
                rectified = None if state in ("fixed", "rectifying") else at + timedelta(days=3)
                Finding.objects.create(
                    district_id=site.district_id,
                    programme=programme,
                    site_check=check,
                    site=site,
                    standard=rng.choice(standards[programme.pk]),
                    street_id=site.street_id,
                    unit_id=site.unit_id,
                    found_at=at,
                    description="随机问题",
                    fixed_on_spot=fixed,
                    repeat=rng.random() < 0.2,
                    overdue=rectified is not None and rng.random() < 0.4,
                    deduction=Decimal("0.3"),
                    state=state,
                    rectified_at=rectified,
                )


def as_dicts(board: selectors_dashboard.Dashboard) -> dict[str, Any]:
    return {
        "by_board": {b.name: b.n for b in board.by_board},
        "by_item": {b.name: b.n for b in board.by_item},
        "common": {(p.code, p.text): p.n for p in board.common},
    }


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_dashboard_counts_are_the_plain_queries_counts(insp, seed) -> None:
    walk_road(insp)  # real findings: one fixed on the spot, one with its ticket
    safety = second_programme(insp)
    programmes = [insp.programme, safety]
    random_findings(insp, programmes, seed)
    seen = 0
    for period in ("2025-02", "2025-03", "2025-04", "2025-W10", "2025-W09", "2025-W11"):
        window = selectors.parse_window(period)
        for programme in (None, *programmes):
            board = selectors_dashboard.dashboard(insp.office, window=window, programme=programme)
            live = live_dashboard(insp.office, window=window, programme=programme)
            # Fewer than ten items and standards: the top tens are whole.
            assert as_dicts(board) == {k: live[k] for k in ("by_board", "by_item", "common")}
            totals = dict(board.totals)
            rate = totals.pop("on_time_rate")
            assert totals == live["totals"]
            if live["totals"]["rectified"]:
                on_time = live["totals"]["on_time"] / live["totals"]["rectified"]
                assert rate == round(100 * on_time, 1)
            else:
                assert rate is None
            for rows in (board.by_board, board.by_item, board.common):
                assert [r.n for r in rows] == sorted((r.n for r in rows), reverse=True)
            streets = selectors.rankings(
                user=insp.office, period=period, group="streets", programme=programme
            ).ranked
            assert [(r.unit, r.score, r.checks, r.rank) for r in board.streets] == [
                (r.unit, r.score, r.checks, r.rank) for r in streets
            ]
            seen += totals["findings"]
    assert seen > 0
    # The other district's findings are nobody's here.
    assert "外区街道" not in {r.unit for r in board.streets}


def test_a_board_named_alike_in_two_programmes_counts_once_under_its_name(insp) -> None:
    safety = second_programme(insp)
    walk_road(insp)  # 创文's 市容环境: S1 and S2
    site_check = SiteCheck.objects.get()
    Finding.objects.create(
        district=insp.d.district,
        programme=safety,
        site_check=site_check,
        site=insp.road,
        standard=Standard.objects.get(programme=safety, code="F1"),
        street=insp.d.binhu,
        unit=insp.d.housing,
        found_at=site_check.checked_at,
        description="消防通道堵塞",
        state="fixed",
        fixed_on_spot=True,
    )
    window = selectors.parse_window("2025-03")
    board = selectors_dashboard.dashboard(insp.office, window=window)
    assert [(b.name, b.n) for b in board.by_board] == [("市容环境", 3)]
    assert board.totals["findings"] == 3 and board.totals["fixed"] == 2
    assert board.totals["ticketed"] == 1 and board.totals["on_time_rate"] is None
    only_safety = selectors_dashboard.dashboard(insp.office, window=window, programme=safety)
    assert [(p.code, p.n) for p in only_safety.common] == [("F1", 1)]


def test_an_empty_period_shows_zeros_and_no_rate(insp) -> None:
    board = selectors_dashboard.dashboard(insp.office, window=selectors.parse_window("2024-01"))
    assert board.by_board == board.by_item == board.common == board.streets == []
    assert board.totals["findings"] == 0 and board.totals["on_time_rate"] is None


def test_the_dashboard_page_runs_the_same_queries_whatever_the_data(
    insp, django_assert_max_num_queries
) -> None:
    walk_road(insp)
    c = client_for(insp.office)
    url = "/inspections/?period=2025-03"
    c.get(url)
    with django_assert_max_num_queries(30) as q:
        response = c.get(url)
    assert response.status_code == 200
    assert "无乱涂乱画和小广告" in response.content.decode()
    before = len(q.captured_queries)
    random_findings(insp, [insp.programme, second_programme(insp)], seed=7)
    with django_assert_max_num_queries(before):
        assert c.get(url).status_code == 200


def test_the_round_planner_counts_each_rounds_sites_and_checks(insp) -> None:
    walk_road(insp)
    extra = s.round_plan(
        actor=insp.office,
        now=insp.later(1),
        programme=insp.programme,
        name="加查",
        starts_on=date(2025, 3, 4),
        ends_on=date(2025, 3, 5),
        assignments=[(insp.road, insp.inspector)],
    )
    counts = {r.pk: (r.sites, r.done) for r in selectors.rounds_for(insp.office)}
    assert counts == {insp.round.pk: (2, 1), extra.pk: (1, 0)}
    page = client_for(insp.office).get("/inspections/rounds/")
    assert page.status_code == 200
