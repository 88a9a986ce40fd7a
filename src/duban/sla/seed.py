"""Default SLA data: published provincial 12345 rules, the chinesecalendar years and
provisional years computed by rule (the ``holidays`` package) for years not yet announced.

Functions take the model classes so data migrations can pass historical models.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, time, timedelta
from typing import Any

# (kind, appeal_type, urgency, accept, contact, return window, handle, extension max, call-back)
# The kind-independent rules; each ticket kind's own durations are declared by the module
# that owns the kind (``tickets.modules``) and seeded with :func:`seed_rules` too.
DEFAULT_RULES: list[tuple[str, str, str, str, str, str, str, str, str]] = [
    ("", "", "", "2wh", "24h", "2wd", "15wd", "10wd", "2wd"),
    ("", "", "urgent", "30min", "24h", "2wd", "24h", "10wd", "2wd"),
]
# The duration fields of ``SlaRule``, in the order of the rows above: the one list the
# services (what may be set), the admin (columns), the selectors and the seed read.
RULE_FIELDS = (
    "accept_within",
    "contact_within",
    "return_window",
    "handle_within",
    "extension_max",
    "callback_within",
)


def default_durations() -> dict[str, str]:
    """The durations of the kind-independent rule (what a module's defaults start from)."""
    return dict(zip(RULE_FIELDS, DEFAULT_RULES[0][3:], strict=True))


DEFAULT_PERIODS = [(time(8, 30), time(12, 0)), (time(14, 30), time(18, 0))]


def seed_rules(SlaRule: Any, rules: Iterable[tuple[str, ...]] = tuple(DEFAULT_RULES)) -> int:
    """Create the rules that do not exist yet (an admin's edits are kept)."""
    created = 0
    for kind, appeal_type, urgency, *specs in rules:
        fields = dict(zip(RULE_FIELDS, specs, strict=True))
        _, was_created = SlaRule.objects.get_or_create(
            kind=kind, appeal_type=appeal_type, urgency=urgency, defaults=fields
        )
        created += was_created
    return created


def seed_periods(WorkingPeriod: Any) -> None:
    if not WorkingPeriod.objects.exists():
        WorkingPeriod.objects.bulk_create(
            [WorkingPeriod(start=s, end=e) for s, e in DEFAULT_PERIODS]
        )


def library_years() -> range:
    """Years the installed chinesecalendar package knows."""
    import chinese_calendar

    days = list(chinese_calendar.holidays) + list(chinese_calendar.workdays)
    return range(min(days).year, max(days).year + 1)


def seed_calendar(CalendarDay: Any, CalendarYear: Any, years: Iterable[int] | None = None) -> int:
    """Store every day of the given years that differs from Mon–Fri or has a holiday name.

    Years already entered (by the admin or an earlier seed) are left untouched.
    """
    import chinese_calendar

    years = library_years() if years is None else years
    done = set(CalendarYear.objects.values_list("year", flat=True))
    rows = []
    for year in years:
        if year in done:
            continue
        day = date(year, 1, 1)
        while day.year == year:
            is_work = chinese_calendar.is_workday(day)
            _, name = chinese_calendar.get_holiday_detail(day)
            if is_work != (day.weekday() < 5) or (name and not is_work):
                rows.append(
                    CalendarDay(
                        date=day,
                        is_workday=is_work,
                        name=_holiday_name(name, is_work),
                        source="chinesecalendar",
                    )
                )
            day += timedelta(days=1)
        CalendarYear.objects.create(year=year, source="chinesecalendar")
    CalendarDay.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    return len(rows)


_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def _holiday_name(name: str | None, is_work: bool) -> str:
    zh = _NAMES.get(name or "", name or "")
    return f"{zh}调休上班" if is_work and zh else zh


# -- provisional years -----------------------------------------------------------------------


def provisional_days(year: int) -> list[tuple[date, str]]:
    """Statutory holidays of ``year`` by rule, with Chinese names; no make-up working days.

    ``holidays.China`` knows the holiday rules (元旦, 春节 with 除夕, 清明, 劳动节, 端午,
    中秋, 国庆 and their 补假) but not the State Council's 调休 arrangement, which is
    announced each November: a year seeded from it is provisional.
    """
    import holidays

    china = holidays.China(years=year, language="zh_CN")
    return [(day, str(name)[:50]) for day, name in sorted(china.items()) if day.year == year]


def seed_provisional(CalendarDay: Any, CalendarYear: Any, years: Iterable[int]) -> int:
    """Store ``years`` that are not entered yet as provisional years; returns days stored.

    Years already entered (provisional or confirmed) are left untouched.
    """
    done = set(CalendarYear.objects.values_list("year", flat=True))
    rows = []
    for year in sorted(set(years) - done):
        rows += [
            CalendarDay(date=day, is_workday=False, name=name, source="holidays")
            for day, name in provisional_days(year)
        ]
        CalendarYear.objects.create(year=year, status="provisional", source="holidays")
    CalendarDay.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    return len(rows)
