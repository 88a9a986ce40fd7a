"""Every read of the inspections module, scoped by the reader's district (and, for a unit's
staff, by their unit's subtree); every figure is one SQL aggregate over stored scores."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import (
    Avg,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce

from duban.core.errors import InvalidInput, NotFound
from duban.core.periods import PERIOD_TZ, parse_period
from duban.org.models import Unit, User
from duban.org.roles import DISTRICT_WIDE_ROLES, INSPECTOR_ROLES

from .models import (
    Assignment,
    Board,
    Finding,
    Item,
    Photo,
    Programme,
    Round,
    Sanction,
    Site,
    SiteCheck,
    Standard,
)

OPEN_STATES = (Finding.State.RECTIFYING, Finding.State.AWAITING)
BOARD_SIZE = 3  # rows on the 飞虎榜 and on the 蜗牛榜
_WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")


def district_wide(user: User) -> bool:
    return user.has_role(DISTRICT_WIDE_ROLES | INSPECTOR_ROLES)


def scoped(qs: QuerySet[Any], user: User, unit_field: str = "unit") -> QuerySet[Any]:
    """Rows of the reader's district; a unit's staff see their own unit's subtree only."""
    if user.district_pk is None:
        return qs.none()
    qs = qs.filter(district_id=user.district_pk)
    if not district_wide(user):
        qs = qs.filter(**{f"{unit_field}__path__startswith": user.scope_path})
    return qs


# -- programmes and checklists -----------------------------------------------------------------


def _count(model: Any, **link: Any) -> Subquery:
    """The number of ``model`` rows linked to the outer row; ``COUNT(*)``, so that the link's
    index alone answers it (an index-only scan on PostgreSQL)."""
    return Subquery(
        model.objects.filter(**link)
        .order_by()
        .values(next(iter(link)))
        .annotate(n=Count("*"))
        .values("n"),
        output_field=IntegerField(),
    )


def programmes_for(user: User) -> QuerySet[Programme]:
    """The district's programmes with the size of each checklist (boards, items, standards)."""
    return (
        Programme.objects.filter(district_id=user.district_pk)
        .annotate(
            boards_count=Coalesce(_count(Board, programme=OuterRef("pk")), 0),
            items_count=Coalesce(_count(Item, board__programme=OuterRef("pk")), 0),
            standards_count=Coalesce(_count(Standard, programme=OuterRef("pk")), 0),
        )
        .order_by("id")
    )


def programme_by_code(user: User, code: str) -> Programme:
    programme = Programme.objects.filter(district_id=user.district_pk, code=code).first()
    if programme is None:
        raise NotFound("督查项目不存在 / no such programme", field="programme")
    return programme


def checklist(programme: Programme) -> list[Board]:
    """Boards → items → standards, three queries."""
    from django.db.models import Prefetch

    return list(
        Board.objects.filter(programme=programme).prefetch_related(
            Prefetch(
                "items",
                queryset=Item.objects.prefetch_related(
                    Prefetch("standards", queryset=Standard.objects.order_by("sort_order", "id"))
                ),
            )
        )
    )


def checklist_rows(programme: Programme) -> QuerySet[Standard]:
    return (
        Standard.objects.filter(programme=programme)
        .select_related("item__board")
        .order_by("item__board__sort_order", "item__sort_order", "sort_order", "id")
    )


# -- sites and rounds --------------------------------------------------------------------------


def sites_for(user: User, *, street: int | None = None, q: str = "") -> QuerySet[Site]:
    qs = scoped(Site.objects.all(), user).select_related("street", "unit")
    if street:
        qs = qs.filter(street_id=street)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(place__icontains=q) | Q(code__icontains=q))
    return qs.order_by("street__sort_order", "street_id", "name")


def rounds_for(user: User) -> QuerySet[Round]:
    return (
        Round.objects.filter(district_id=user.district_pk)
        .select_related("programme")
        # Counted by subqueries on each round's index: a join of both tables would multiply
        # a round's assignments by its checks (5,000 × 5,000 rows for a round of 5,000 sites).
        .annotate(
            sites=Coalesce(_count(Assignment, round=OuterRef("pk")), 0),
            done=Coalesce(_count(SiteCheck, round=OuterRef("pk")), 0),
        )
        .order_by("-starts_on", "-id")
    )


def my_assignments(user: User) -> QuerySet[Assignment]:
    """The inspector's sites in open rounds, with whether each is already checked."""
    done = SiteCheck.objects.filter(round=OuterRef("round"), site=OuterRef("site")).values("pk")
    return (
        Assignment.objects.filter(inspector=user, round__state=Round.State.OPEN)
        .select_related("round", "site", "site__street")
        .annotate(check_id=Subquery(done[:1]))
        .order_by("round__starts_on", "site__name")
    )


def assignment_for(user: User, pk: int) -> Assignment:
    assignment = (
        Assignment.objects.filter(pk=pk, inspector=user)
        .select_related("round__programme", "site", "site__street", "site__unit")
        .first()
    )
    if assignment is None:
        raise NotFound("没有这个督查任务 / no such assignment")
    return assignment


def check_for(user: User, pk: int) -> SiteCheck:
    """A site check the inspector submitted."""
    check = SiteCheck.objects.filter(pk=pk, inspector=user).select_related("site").first()
    if check is None:
        raise NotFound("没有这次检查 / no such check")
    return check


def check_findings(check: SiteCheck) -> QuerySet[Finding]:
    return check.findings.select_related("standard", "ticket").order_by("id")


def applicable_standards(assignment: Assignment) -> list[Standard]:
    site_type = assignment.site.type
    return [
        s
        for s in Standard.objects.filter(programme_id=assignment.round.programme_id)
        .select_related("item__board")
        .order_by("item__board__sort_order", "item__sort_order", "sort_order", "id")
        if s.applies_to(site_type)
    ]


# -- findings ----------------------------------------------------------------------------------


def findings_for(
    user: User, *, programme: str | None = None, state: str | None = None
) -> QuerySet[Finding]:
    qs = scoped(Finding.objects.all(), user)
    if programme:
        qs = qs.filter(programme__code=programme)
    if state:
        if state not in Finding.State.values:
            raise InvalidInput("状态取值无效 / invalid state", field="state")
        qs = qs.filter(state=state)
    return qs.select_related("site", "standard", "ticket", "unit", "street").order_by(
        "-found_at", "-id"
    )


def finding_for(user: User, pk: int) -> Finding:
    finding = (
        findings_for(user)
        .select_related("standard__item__board", "site_check__inspector", "programme")
        .filter(pk=pk)
        .first()
    )
    if finding is None:
        raise NotFound("督查问题不存在 / no such finding")
    return finding


def finding_photos(finding: Finding) -> list[Photo]:
    return list(finding.photos.order_by("uploaded_at", "id"))


def photo_for(user: User, pk: int) -> Photo:
    photo = Photo.objects.filter(pk=pk, finding__in=findings_for(user).values("pk")).first()
    if photo is None:
        raise NotFound("照片不存在 / no such photo")
    return photo


# -- the rectification desk --------------------------------------------------------------------


@dataclass(frozen=True)
class DeskRow:
    unit_id: int
    unit_name: str
    open: int
    due_soon: int
    overdue: int
    awaiting: int


def desk_by_unit(user: User, *, now: datetime) -> list[DeskRow]:
    """Open findings by responsible unit: rectifying, due within two days, overdue, and
    awaiting 回头看 — one grouped query."""
    soon = now + timedelta(days=2)
    rectifying = Q(state=Finding.State.RECTIFYING)
    rows = list(
        scoped(Finding.objects.filter(state__in=OPEN_STATES), user)
        # Grouped on an expression, so that SQLite reads the few open rows through the
        # (district, state, unit) index rather than walking every finding in unit order.
        .values(key=F("unit_id") + 0)
        .annotate(
            open=Count("pk", filter=rectifying),
            due_soon=Count("pk", filter=rectifying & Q(due_at__gte=now, due_at__lt=soon)),
            overdue=Count("pk", filter=rectifying & Q(due_at__lt=now)),
            awaiting=Count("pk", filter=Q(state=Finding.State.AWAITING)),
        )
        .order_by()
    )
    names = dict(Unit.objects.filter(pk__in=[r["key"] for r in rows]).values_list("pk", "name"))
    result = [
        DeskRow(
            r["key"], names.get(r["key"], ""), r["open"], r["due_soon"], r["overdue"], r["awaiting"]
        )
        for r in rows
    ]
    result.sort(key=lambda r: (-r.overdue, -r.open, r.unit_name))
    return result


def desk_findings(
    user: User, *, now: datetime, view: str = "open", unit: int | None = None, limit: int = 50
) -> list[Finding]:
    qs = scoped(Finding.objects.filter(state__in=OPEN_STATES), user)
    if unit:
        qs = qs.filter(unit_id=unit)
    if view == "overdue":
        qs = qs.filter(state=Finding.State.RECTIFYING, due_at__lt=now)
    elif view == "due":
        qs = qs.filter(
            state=Finding.State.RECTIFYING, due_at__gte=now, due_at__lt=now + timedelta(days=2)
        )
    elif view == "awaiting":
        qs = qs.filter(state=Finding.State.AWAITING)
    else:
        qs = qs.filter(state=Finding.State.RECTIFYING)
    return list(
        qs.select_related("site", "standard", "unit", "ticket").order_by("due_at", "id")[:limit]
    )


# -- scores and rankings -----------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    label: str
    start: datetime
    end: datetime
    previous: Window | None = None


def _week(year: int, week: int) -> tuple[datetime, datetime]:
    try:
        monday = date.fromisocalendar(year, week, 1)
    except ValueError as exc:
        raise InvalidInput("周次不存在 / no such week", field="period") from exc
    start = datetime(monday.year, monday.month, monday.day, tzinfo=PERIOD_TZ)
    return start, start + timedelta(days=7)


def parse_window(value: str) -> Window:
    """``YYYY-MM`` (a month) or ``YYYY-Www`` (an ISO week), with the period before it."""
    match = _WEEK_RE.match((value or "").strip())
    if match:
        start, end = _week(int(match.group(1)), int(match.group(2)))
        before = start - timedelta(days=7)
        iso = before.isocalendar()
        previous = Window(f"{iso.year}-W{iso.week:02d}", before, start)
        return Window(value.strip(), start, end, previous)
    period = parse_period(value)
    prev = period.previous
    return Window(period.label, period.start, period.end, Window(prev.label, prev.start, prev.end))


def week_label(when: datetime) -> str:
    iso = when.astimezone(PERIOD_TZ).isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


GROUPS = {"streets": "street", "units": "unit"}


@dataclass
class RankRow:
    unit_id: int
    unit: str
    score: float
    checks: int
    findings: int
    deduction: float
    rank: int = 0
    previous_rank: int | None = None
    previous_score: float | None = None
    rank_change: int | None = None
    score_change: float | None = None


@dataclass
class Ranking:
    period: str
    previous_period: str | None
    group: str
    ranked: list[RankRow] = field(default_factory=list)

    @property
    def top(self) -> list[RankRow]:
        return self.ranked[:BOARD_SIZE]

    @property
    def bottom(self) -> list[RankRow]:
        if len(self.ranked) <= BOARD_SIZE:
            return []
        return list(reversed(self.ranked[-BOARD_SIZE:]))


def pair_sums(
    district_id: int, window: Window, programme: Programme | None, round_id: int | None
) -> list[dict[str, Any]]:
    """Sums of the site checks' scores by (street, responsible unit): one grouped scan serves
    both rankings (a street's or a unit's mean is its pairs' total over their count)."""
    qs = SiteCheck.objects.filter(district_id=district_id)
    if round_id is not None:
        qs = qs.filter(round_id=round_id)
    else:
        qs = qs.filter(checked_at__gte=window.start, checked_at__lt=window.end)
    if programme is not None:
        qs = qs.filter(programme=programme)
    rows = (
        qs.values("street_id", "unit_id")
        .annotate(
            total=Sum("score"),
            checks=Count("pk"),
            found=Coalesce(Sum("findings_count"), 0),
            deducted=Coalesce(Sum("deduction"), Decimal(0)),
        )
        .order_by()
    )
    return [dict(row) for row in rows]


def ranked_rows(pairs: list[dict[str, Any]], group: str, names: dict[int, str]) -> list[RankRow]:
    column = f"{GROUPS[group]}_id"
    sums: dict[int, list[Any]] = {}
    for pair in pairs:
        acc = sums.setdefault(pair[column], [Decimal(0), 0, 0, Decimal(0)])
        acc[0] += pair["total"] or 0
        acc[1] += pair["checks"]
        acc[2] += pair["found"]
        acc[3] += pair["deducted"]
    ranked = [
        RankRow(
            unit_id=key,
            unit=names.get(key, ""),
            score=round(float(total / checks), 2) if checks else 0.0,
            checks=checks,
            findings=findings,
            deduction=round(float(deducted), 2),
        )
        for key, (total, checks, findings, deducted) in sums.items()
    ]
    ranked.sort(key=lambda r: (-r.score, r.unit))
    # Equal scores share a rank (1, 1, 3 …).
    for index, row in enumerate(ranked):
        same = index and ranked[index - 1].score == row.score
        row.rank = ranked[index - 1].rank if same else index + 1
    return ranked


def rankings_all(
    *,
    user: User,
    period: str,
    programme: Programme | None = None,
    round_id: int | None = None,
) -> dict[str, Ranking]:
    """飞虎榜 / 蜗牛榜 of streets and of responsible units by their site checks' mean score in
    a month, a week or one round, with the change from the period before: two grouped
    scans (this period, the one before) and the units' names."""
    window = parse_window(period)
    district_id = user.district_pk
    if district_id is None:
        raise NotFound("用户未归属单位 / user has no unit")
    current = pair_sums(district_id, window, programme, round_id)
    before: list[dict[str, Any]] = []
    previous_label = None
    if round_id is None and window.previous is not None:
        previous_label = window.previous.label
        before = pair_sums(district_id, window.previous, programme, None)
    ids = {p["street_id"] for p in current + before} | {p["unit_id"] for p in current + before}
    names = dict(Unit.objects.filter(pk__in=ids).values_list("pk", "name"))
    result: dict[str, Ranking] = {}
    for group in GROUPS:
        rows = ranked_rows(current, group, names)
        if previous_label is not None:
            old = {r.unit_id: r for r in ranked_rows(before, group, names)}
            for row in rows:
                was = old.get(row.unit_id)
                if was is not None:
                    row.previous_rank, row.previous_score = was.rank, was.score
                    row.rank_change = was.rank - row.rank
                    row.score_change = round(row.score - was.score, 2)
        result[group] = Ranking(
            period=window.label, previous_period=previous_label, group=group, ranked=rows
        )
    return result


def rankings(
    *,
    user: User,
    period: str,
    group: str,
    programme: Programme | None = None,
    round_id: int | None = None,
) -> Ranking:
    """One of :func:`rankings_all`'s two rankings (``streets`` or ``units``)."""
    if group not in GROUPS:
        raise InvalidInput(
            "分组应为 streets 或 units / group must be streets or units", field="group"
        )
    return rankings_all(user=user, period=period, programme=programme, round_id=round_id)[group]


# -- the weekly 通报 and the dashboard ---------------------------------------------------------


def worst_sites(user: User, *, window: Window, limit: int = 10) -> list[SiteCheck]:
    return list(
        SiteCheck.objects.filter(
            district_id=user.district_pk,
            checked_at__gte=window.start,
            checked_at__lt=window.end,
            findings_count__gt=0,
        )
        .select_related("site", "street", "unit")
        .order_by("score", "-findings_count", "id")[:limit]
    )


def report_photos(checks: list[SiteCheck]) -> dict[int, list[Photo]]:
    """The problem photos of the listed checks, by check (one query)."""
    photos: dict[int, list[Photo]] = {}
    for photo in (
        Photo.objects.filter(finding__site_check__in=checks, kind=Photo.Kind.FOUND)
        .select_related("finding")
        .order_by("id")
    ):
        bucket = photos.setdefault(photo.finding.site_check_id, [])
        if len(bucket) < 3:
            bucket.append(photo)
    return photos


def window_totals(user: User, *, window: Window) -> dict[str, Any]:
    checks = SiteCheck.objects.filter(
        district_id=user.district_pk, checked_at__gte=window.start, checked_at__lt=window.end
    ).aggregate(checks=Count("pk"), avg=Avg("score"))
    findings = Finding.objects.filter(
        district_id=user.district_pk, found_at__gte=window.start, found_at__lt=window.end
    ).aggregate(
        findings=Count("pk"),
        fixed=Count("pk", filter=Q(fixed_on_spot=True)),
        tickets=Count("pk", filter=Q(ticket__isnull=False)),
        repeats=Count("pk", filter=Q(repeat=True)),
        closed=Count("pk", filter=Q(state=Finding.State.CLOSED)),
    )
    return {**checks, **findings}


def sanctions_for(user: User) -> QuerySet[Sanction]:
    return (
        Sanction.objects.filter(district_id=user.district_pk)
        .select_related("unit", "decided_by")
        .order_by("-decided_at")
    )


def district_units(user: User, kind: str | None = None) -> QuerySet[Unit]:
    qs = Unit.objects.filter(path__startswith=f"{user.district_pk}/", is_active=True)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("sort_order", "name")


def inspectors(user: User) -> QuerySet[User]:
    return (
        User.objects.with_role("inspector")
        .filter(is_active=True, unit__path__startswith=f"{user.district_pk}/")
        .order_by("username")
    )
