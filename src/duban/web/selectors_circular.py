"""Reads of the monthly circular (月度通报).

The circular counts what the figures count and lists everything it counts: its overdue
tickets are the month's tickets of the reader's district that ``tickets.clocks.overdue_as_of``
holds overdue as of the moment the month's rollup was computed (the figures' cut-off), and
that count in the figures (``metrics.expressions.counted``: an exempted ticket does not), so
the list has exactly as many rows as the dashboard, the report and the metrics API count.
Its boards are the rankings page's (``rankings_from_rollup``), scoped to the district.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from duban.core.periods import PERIOD_TZ, Period, parse_period
from duban.metrics.expressions import HoursBetween, counted
from duban.metrics.figures import MonthFigures, Ranking
from duban.metrics.models import MetricSettings
from duban.metrics.selectors import get_metric_settings, reader_district, weights_of
from duban.metrics.selectors_rollup import (
    months_as_of,
    rankings_from_rollup,
    series_from_rollup,
    unit_overdue_counts,
)
from duban.org.models import Unit, User
from duban.tickets.clocks import overdue_as_of
from duban.tickets.models import Ticket
from duban.tickets.querysets import TicketQuerySet

PAGE_SIZE = 50
# The columns the list, the print view and the exports show (the content stays behind).
LIST_FIELDS = (
    "number",
    "title",
    "state",
    "dispatched_at",
    "handle_due",
    "replied_at",
    "primary_unit__name",
    "primary_unit__path",
)
EXPORT_CHUNK = 2000


@dataclass(frozen=True)
class Circular:
    period: Period
    as_of: datetime  # the cut-off: the month's figures and overdue list are as of it
    issuer: str  # 发文机关
    number: str  # 文号
    title: str
    current: MonthFigures  # the district's figures of the month
    previous: MonthFigures  # … and of the month before (each as of its own rollup)
    streets: Ranking
    departments: Ranking
    overdue_total: int  # = current.overdue_count when the tickets did not move since as_of

    @property
    def issued_on(self) -> date:
        return self.as_of.astimezone(PERIOD_TZ).date()

    @property
    def boards(self) -> list[tuple[str, Ranking]]:
        return [(_("街道/镇"), self.streets), (_("部门"), self.departments)]

    @property
    def overdue_change(self) -> int:
        return self.current.overdue_count - self.previous.overdue_count

    @property
    def addressees(self) -> str:
        return _("各街道（镇）、区直各部门：")

    @property
    def opening(self) -> str:
        return _("现将%(year)d年%(month)d月全区12345热线工单办理情况通报如下。") % _ym(self.period)

    @property
    def summary(self) -> str:
        """The figures paragraph, worded once for the page, the print view and the Word file."""
        c, change = self.current, self.overdue_change
        if change > 0:
            trend = _("较上月增加%(n)d件") % {"n": change}
        elif change < 0:
            trend = _("较上月减少%(n)d件") % {"n": -change}
        else:
            trend = _("与上月持平")
        return _(
            "%(year)d年%(month)d月，全区共派发12345热线工单%(dispatched)d件（上月%(previous)d件），"
            "响应率%(response)s，解决率%(resolution)s，满意率%(satisfaction)s，按期办结率%(on_time)s；"
            "超过办理时限的工单%(overdue)d件，%(trend)s。以上数据统计截至%(as_of)s。"
        ) % {
            **_ym(self.period),
            "dispatched": c.dispatched,
            "previous": self.previous.dispatched,
            "response": percent(c.response_rate, missing=_("暂无")),
            "resolution": percent(c.resolution_rate, missing=_("暂无")),
            "satisfaction": percent(c.satisfaction_rate, missing=_("暂无")),
            "on_time": percent(c.on_time_rate, missing=_("暂无")),
            "overdue": self.overdue_total,
            "trend": trend,
            "as_of": local_minute(self.as_of),
        }

    @property
    def closing(self) -> str:
        return _("请各单位对照通报内容，认真查找问题原因，抓好整改落实。")

    @property
    def date_text(self) -> str:
        d = self.issued_on
        return _("%(year)d年%(month)d月%(day)d日") % {
            "year": d.year,
            "month": d.month,
            "day": d.day,
        }


@dataclass(frozen=True)
class OverduePage:
    tickets: list[Ticket]
    count: int
    page: int
    pages: int
    first: int  # the list number (序号) of the page's first row


def _ym(period: Period) -> dict[str, int]:
    return {"year": period.start.year, "month": period.start.month}


def percent(value: float | None, missing: str = "—") -> str:
    return missing if value is None else f"{value * 100:.1f}%"


def local_minute(moment: datetime) -> str:
    """``2026年12月3日09:15`` in the district's time."""
    t = moment.astimezone(PERIOD_TZ)
    return _("%(year)d年%(month)d月%(day)d日%(time)s") % {
        "year": t.year,
        "month": t.month,
        "day": t.day,
        "time": f"{t:%H:%M}",
    }


def _district(user: User) -> Unit | None:
    return Unit.objects.filter(pk=reader_district(user)).only("name", "aliases").first()


def circular_header(
    *, district: Unit | None, period: Period, ms: MetricSettings
) -> tuple[str, str, str]:
    """(issuer 发文机关, number 文号, title) of the month's circular.

    The number is derived, not stored: ``prefix〔year〕month号`` — one circular a month,
    numbered by the month it covers, so a reprint carries the same number.
    """
    name = district.name if district else ""
    short = (district.aliases[0] if district and district.aliases else "") or name
    issuer = ms.circular_issuer.strip() or _("%(district)s12345热线服务中心") % {"district": name}
    prefix = ms.circular_number_prefix.strip() or _("%(district)s督") % {"district": short}
    year, month = period.start.year, period.start.month
    number = f"{prefix}〔{year}〕{month}号"
    title = _("关于%(year)d年%(month)d月12345热线工单办理情况的通报") % {
        "year": year,
        "month": month,
    }
    return issuer, number, title


def overdue_tickets(*, user: User, period: Period, as_of: datetime) -> TicketQuerySet:
    """The month's overdue tickets the reader may see, as of ``as_of``, in list order.

    By primary unit (tree order), then deadline and number; each with ``late_days``, the
    days (a float) from the deadline to the reply (or the merge/invalidation, or ``as_of``).
    """
    late_until = Coalesce(F("replied_at"), F("closed_at"), Value(as_of))
    return (
        Ticket.objects.visible_to(user)
        .dispatched_between(period.start, period.end)
        .filter(counted(), overdue_as_of(as_of))  # as the figures count: 核减 left out
        .select_related("primary_unit")
        .only(*LIST_FIELDS)
        .annotate(late_days=HoursBetween(late_until, F("handle_due")) / Value(24.0))
        .order_by("primary_unit__path", "handle_due", "number")
    )


def circular_data(*, user: User, period: str, now: datetime) -> Circular:
    """Everything on the circular but the overdue rows (a fixed number of queries)."""
    p = parse_period(period)
    ms = get_metric_settings()
    district_pk = reader_district(user)
    as_of = months_as_of([p.previous, p], now=now).get(p.label, now)
    previous, current = series_from_rollup(
        last=p, months=2, unit=None, weights=weights_of(ms), district=district_pk
    )
    issuer, number, title = circular_header(district=_district(user), period=p, ms=ms)

    def board(group: str) -> Ranking:
        return rankings_from_rollup(
            period=p.label, group=group, now=now, settings=ms, district=district_pk
        )

    return Circular(
        period=p,
        as_of=as_of,
        issuer=issuer,
        number=number,
        title=title,
        current=current,
        previous=previous,
        streets=board("streets"),
        departments=board("departments"),
        # The list's length is the month's figure: every circular role reads the whole
        # district, and the rollup counts overdue as of ``as_of`` with the list's filter
        # (tests pin the two equal). Counted live, it scanned the month's tickets: 104 ms
        # of the page's 310 at 1 M tickets, growing with the month (docs/scale.md).
        overdue_total=current.overdue_count,
    )


def circular_cutoff(*, user: User, period: str, now: datetime) -> tuple[Period, datetime, int]:
    """The month, its cut-off and the overdue list's length, for a page of the list (htmx;
    three queries): the length is the month's rolled-up overdue figure, as on the circular
    (:func:`circular_data`), not a count over the month's tickets."""
    p = parse_period(period)
    as_of = months_as_of([p], now=now).get(p.label, now)
    (month,) = series_from_rollup(
        last=p,
        months=1,
        unit=None,
        weights=weights_of(get_metric_settings()),
        district=reader_district(user),
    )
    return p, as_of, month.overdue_count


def overdue_page(
    *, user: User, period: Period, as_of: datetime, page: int, count: int | None = None
) -> OverduePage:
    """One page of the overdue list.

    With ``count`` (the circular's: the month's rolled-up overdue figure) the page is read
    from the units it spans only (:func:`overdue_by_unit`, two queries); without it, the
    list is counted and sliced (two queries over the month's tickets).
    """
    qs = overdue_tickets(user=user, period=period, as_of=as_of)
    total = qs.count() if count is None else count
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    start = (page - 1) * PAGE_SIZE
    if count is None:
        tickets = list(qs[start : start + PAGE_SIZE])
    else:
        tickets = _page_of_units(qs, overdue_by_unit(user=user, period=period), start=start)
    return OverduePage(tickets=tickets, count=total, page=page, pages=pages, first=start + 1)


def overdue_by_unit(*, user: User, period: Period) -> list[tuple[int, int]]:
    """(primary unit, overdue tickets) of the month in the list's unit order: the rows
    of the circular's total, split by unit (the rollup; one query)."""
    return unit_overdue_counts(period=period, district=reader_district(user))


def _page_of_units(
    qs: TicketQuerySet, by_unit: list[tuple[int, int]], *, start: int
) -> list[Ticket]:
    """The list's rows ``start`` … ``start + PAGE_SIZE`` read from the units they fall in.

    The list runs unit by unit (tree order), so the page's rows are those of a few
    consecutive units: skip the whole units before ``start`` by their counts and read the
    rest from the month's tickets of those units only (an index on primary unit and
    dispatch time), not from every ticket of the month, which sorting the whole list
    needs (0.8 s at 10 M tickets; docs/scale.md). One query.
    """
    skip, taken = start, 0  # rows before the page within the units read; their rows
    units: list[int] = []
    for unit_id, n in by_unit:
        if not units and skip >= n:
            skip -= n
            continue
        units.append(unit_id)
        taken += n
        if taken - skip >= PAGE_SIZE:
            break
    if not units:
        return []
    return list(qs.filter(primary_unit_id__any=units)[skip : skip + PAGE_SIZE])


def all_overdue(*, user: User, circular: Circular) -> Iterator[Ticket]:
    """Every overdue row, streamed in chunks (the print view and the exports)."""
    qs = overdue_tickets(user=user, period=circular.period, as_of=circular.as_of)
    return qs.iterator(chunk_size=EXPORT_CHUNK)
