"""Writes on SLA data: the working calendar and the deadline rules.

Every write invalidates the per-process calendar/rule cache at once and again after
commit (other processes pick changes up within the selectors' cache lifetime), and the
cached calendar warning (``selectors.calendar_gaps``) with it. Writes by a person are
audited in the admin's log (``org.services.audit_log``) in the same transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime, time
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction

from duban.core.choices import AppealType, Kind, Urgency
from duban.core.errors import InvalidInput, NotFound
from duban.org.services import audit_log, field_labels

from . import seed
from .calendar import LOCAL_TZ
from .durations import DurationSpecError, parse_duration
from .models import (
    CalendarDay,
    CalendarSource,
    CalendarStatus,
    CalendarYear,
    SlaRule,
    WorkingPeriod,
)
from .notice import NoticeError, parse_notice
from .seed import RULE_FIELDS
from .selectors import calendar_invalidate

if TYPE_CHECKING:
    from duban.org.models import User

log = logging.getLogger("duban.sla")

_NAME_MAX = CalendarDay._meta.get_field("name").max_length or 50


class CalendarError(InvalidInput):
    code = "calendar_invalid"


class InvalidSlaRule(InvalidInput):
    code = "sla_rule_invalid"


def _invalidate() -> None:
    calendar_invalidate()
    transaction.on_commit(calendar_invalidate)


def _actor_label(actor: User | None) -> str:
    return actor.username if actor is not None else "system"


def _check_year(year: int) -> None:
    if not 1900 < year < 2200:
        raise CalendarError(f"年份无效 / invalid year: {year}")


# -- calendar days ---------------------------------------------------------------------------


@transaction.atomic
def calendar_set_day(
    *, day: date, is_workday: bool, name: str = "", actor: User | None, now: datetime
) -> CalendarDay:
    """Mark ``day`` as a working day or a day off, overriding the Mon–Fri rule."""
    name = name.strip()
    if len(name) > _NAME_MAX:
        raise CalendarError(f"说明最多 {_NAME_MAX} 个字 / name longer than {_NAME_MAX} characters")
    entry, _ = CalendarDay.objects.update_or_create(
        date=day,
        defaults={"is_workday": is_workday, "name": name, "source": CalendarSource.ADMIN},
    )
    log.info(
        "calendar day %s set to %s by %s at %s",
        day,
        "workday" if is_workday else "day off",
        _actor_label(actor),
        now.isoformat(),
    )
    audit_log(actor=actor, obj=entry, message=f"设为{'工作日' if is_workday else '休息日'} {name}")
    _invalidate()
    return entry


@transaction.atomic
def calendar_clear_day(*, day: date, actor: User | None, now: datetime) -> None:
    """Forget ``day``'s entry: it follows the Mon–Fri rule again."""
    entry = CalendarDay.objects.filter(date=day).first()
    if entry is None:
        return
    audit_log(actor=actor, obj=entry, message="删除，恢复按周一至周五计算", action="delete")
    entry.delete()
    log.info("calendar day %s cleared by %s at %s", day, _actor_label(actor), now.isoformat())
    _invalidate()


# -- calendar years --------------------------------------------------------------------------


@transaction.atomic
def calendar_confirm_year(*, year: int, actor: User | None, now: datetime) -> CalendarYear:
    """Declare ``year``'s days (entered one by one) complete: it is confirmed, no fallback."""
    _check_year(year)
    entry, _ = CalendarYear.objects.get_or_create(
        year=year, defaults={"source": CalendarSource.ADMIN}
    )
    entry.status, entry.updated_at = CalendarStatus.CONFIRMED, now
    entry.save(update_fields=["status", "updated_at"])
    log.info("calendar year %s confirmed by %s at %s", year, _actor_label(actor), now.isoformat())
    audit_log(actor=actor, obj=entry, message="确认全年日历")
    _invalidate()
    return entry


@transaction.atomic
def calendar_confirm_notice(
    *, year: int, text: str, actor: User | None, now: datetime
) -> CalendarYear:
    """Enter the State Council's arrangement for ``year`` in one go and confirm the year.

    ``text`` lists every holiday and make-up working day (``notice.parse_notice``); the
    year's stored days are replaced by them (a provisional year's rule-based holidays
    included) and the year is marked confirmed, with the notice kept on it.
    """
    _check_year(year)
    try:
        days = parse_notice(year, text)
    except NoticeError as exc:
        raise CalendarError(str(exc), field="notice") from exc
    entry, _ = CalendarYear.objects.select_for_update().get_or_create(year=year)
    CalendarDay.objects.filter(date__year=year).delete()
    earlier = [d.date for d in days if d.date.year != year]  # a December make-up day
    CalendarDay.objects.filter(date__in=earlier).delete()
    CalendarDay.objects.bulk_create(
        CalendarDay(date=d.date, is_workday=d.is_workday, name=d.name, source=CalendarSource.NOTICE)
        for d in days
    )
    entry.status, entry.source = CalendarStatus.CONFIRMED, CalendarSource.NOTICE
    entry.notice, entry.updated_at = text.strip(), now
    entry.save(update_fields=["status", "source", "notice", "updated_at"])
    off = sum(not d.is_workday for d in days)
    summary = f"录入国务院放假安排：放假 {off} 天，调休上班 {len(days) - off} 天，全年日历已确认"
    log.info(
        "calendar year %s: %s, by %s at %s", year, summary, _actor_label(actor), now.isoformat()
    )
    audit_log(actor=actor, obj=entry, message=summary)
    _invalidate()
    return entry


def _replace_provisional(years: Iterable[int]) -> None:
    """Drop provisional years (and their rule-based days) that a better source now knows."""
    provisional = list(
        CalendarYear.objects.filter(
            year__in=list(years), status=CalendarStatus.PROVISIONAL
        ).values_list("year", flat=True)
    )
    for year in provisional:
        CalendarDay.objects.filter(date__year=year, source=CalendarSource.RULE).delete()
    CalendarYear.objects.filter(year__in=provisional).delete()


@transaction.atomic
def calendar_seed(years: Iterable[int] | None = None, *, now: datetime | None = None) -> int:
    """Store years not entered yet; returns the number of calendar days stored.

    Years the chinesecalendar package knows are copied from it (confirmed: it carries the
    State Council's arrangements), replacing a provisional year. Other years are seeded
    provisional by rule (``seed.seed_provisional``). ``years`` defaults to every year the
    package knows plus, given ``now``, this year and next. Entered years are left alone.
    """
    known = seed.library_years()
    if years is None:
        wanted = set(known)
        if now is not None:
            this_year = now.astimezone(LOCAL_TZ).year
            wanted |= {this_year, this_year + 1}
    else:
        wanted = set(years)
    for year in wanted:
        _check_year(year)
    from_library = sorted(y for y in wanted if y in known)
    _replace_provisional(from_library)
    created = seed.seed_calendar(CalendarDay, CalendarYear, from_library)
    created += seed.seed_provisional(
        CalendarDay, CalendarYear, [y for y in wanted if y not in known]
    )
    _invalidate()
    return created


def ensure_next_year(now: datetime) -> list[int]:
    """Make sure this year and next are in the calendar (``duban sla tick`` calls it).

    Idempotent and cheap: one query when both years exist. A missing year is seeded
    (provisional unless chinesecalendar knows it), so deadlines across 1 January skip
    New Year's Day even before the State Council's notice is entered. Returns the years
    added.
    """
    this_year = now.astimezone(LOCAL_TZ).year
    wanted = {this_year, this_year + 1}
    present = set(CalendarYear.objects.filter(year__in=wanted).values_list("year", flat=True))
    missing = sorted(wanted - present)
    if not missing:
        return []
    try:
        calendar_seed(missing)
    except IntegrityError:  # another process seeded the year at the same moment
        return []
    log.warning("calendar years %s were missing and have been seeded", missing)
    return missing


# -- working periods -------------------------------------------------------------------------


def working_period_refusal(*, period: WorkingPeriod | None, start: time, end: time) -> str | None:
    """Why ``period`` (None: a new one) may not run from ``start`` to ``end``, or None."""
    if start >= end:
        return "结束时间必须晚于开始时间"
    others = (
        WorkingPeriod.objects.all()
        if period is None
        else WorkingPeriod.objects.exclude(pk=period.pk)
    )
    if others.filter(start__lt=end, end__gt=start).exists():
        return "工作时段不能与其他时段重叠"
    return None


@transaction.atomic
def working_period_save(
    *, period: WorkingPeriod | None, start: time, end: time, actor: User | None, now: datetime
) -> WorkingPeriod:
    """Create (``period`` None) or change a working period of the working day."""
    refusal = working_period_refusal(period=period, start=start, end=end)
    if refusal:
        raise CalendarError(refusal)
    period = period or WorkingPeriod()
    period.start, period.end = start, end
    period.save()
    log.info("working period %s saved by %s at %s", period, _actor_label(actor), now.isoformat())
    audit_log(actor=actor, obj=period, message=f"工作时段 {period}")
    _invalidate()
    return period


@transaction.atomic
def working_period_delete(*, period: WorkingPeriod, actor: User | None, now: datetime) -> None:
    if WorkingPeriod.objects.count() <= 1:
        raise CalendarError("至少保留一个工作时段 / keep at least one working period")
    audit_log(actor=actor, obj=period, message=f"删除工作时段 {period}", action="delete")
    period.delete()
    log.info("working period deleted by %s at %s", _actor_label(actor), now.isoformat())
    _invalidate()


# -- rules ---------------------------------------------------------------------------------


def _validate_rule_key(*, kind: str, appeal_type: str, urgency: str) -> None:
    for label, value, choices in (
        ("kind", kind, Kind.values),
        ("appeal_type", appeal_type, AppealType.values),
        ("urgency", urgency, Urgency.values),
    ):
        if value and value not in choices:
            raise InvalidSlaRule(
                f"{label} 取值无效 / invalid {label}: {value!r} (allowed: {', '.join(choices)} or blank)",
                field=label,
            )


def _validate_durations(values: dict[str, str]) -> None:
    for field, spec in values.items():
        try:
            parse_duration(spec)
        except DurationSpecError as exc:
            raise InvalidSlaRule(f"{field}: {exc}", field=field) from exc


@transaction.atomic
def rule_create(
    *,
    kind: str = "",
    appeal_type: str = "",
    urgency: str = "",
    actor: User | None,
    now: datetime,
    **durations: str,
) -> SlaRule:
    """Create a rule; every duration field (``seed.RULE_FIELDS``) is required."""
    _validate_rule_key(kind=kind, appeal_type=appeal_type, urgency=urgency)
    missing = [f for f in RULE_FIELDS if f not in durations]
    extra = [f for f in durations if f not in RULE_FIELDS]
    if missing or extra:
        raise InvalidSlaRule(f"missing duration fields {missing}, unknown fields {extra}")
    _validate_durations(durations)
    if SlaRule.objects.filter(kind=kind, appeal_type=appeal_type, urgency=urgency).exists():
        raise InvalidSlaRule(
            f"规则已存在 / a rule for {kind or '*'}/{appeal_type or '*'}/{urgency or '*'} exists"
        )
    rule = SlaRule.objects.create(
        kind=kind,
        appeal_type=appeal_type,
        urgency=urgency,
        **{field: spec.strip() for field, spec in durations.items()},
    )
    log.info("SLA rule %s created by %s at %s", rule, _actor_label(actor), now.isoformat())
    audit_log(actor=actor, obj=rule, message="新增时限规则", action="add")
    _invalidate()
    return rule


@transaction.atomic
def rule_update(*, rule: SlaRule, actor: User | None, now: datetime, **changes: str) -> SlaRule:
    """Change duration fields of ``rule``, e.g. ``rule_update(rule=r, handle_within="5wd", ...)``."""
    unknown = [f for f in changes if f not in RULE_FIELDS]
    if unknown:
        raise InvalidSlaRule(
            f"不能修改这些字段 / cannot change {unknown}; editable: {', '.join(RULE_FIELDS)}"
        )
    _validate_durations(changes)
    locked = SlaRule.objects.select_for_update().filter(pk=rule.pk).first()
    if locked is None:
        raise NotFound(f"时限规则不存在 / no such SLA rule: {rule.pk}")
    for field, spec in changes.items():
        setattr(locked, field, spec.strip())
    if changes:
        locked.save(update_fields=list(changes))
    log.info(
        "SLA rule %s changed %s by %s at %s", locked, changes, _actor_label(actor), now.isoformat()
    )
    if changes:
        labels = field_labels(SlaRule, changes)
        audit_log(actor=actor, obj=locked, message=f"修改{labels}")
    _invalidate()
    return locked


def rule_delete_refusal(rule: SlaRule) -> str | None:
    """Why ``rule`` may not be deleted, or None: the catch-all rule always stays."""
    if not (rule.kind or rule.appeal_type or rule.urgency):
        return "兜底规则（任意/任意/任意）不能删除，它适用于其他规则都不匹配的工单"
    return None


@transaction.atomic
def rule_delete(*, rule: SlaRule, actor: User | None, now: datetime) -> None:
    """Delete a rule: its tickets fall to the next most specific rule."""
    refusal = rule_delete_refusal(rule)
    if refusal:
        raise InvalidSlaRule(refusal)
    audit_log(actor=actor, obj=rule, message="删除时限规则", action="delete")
    log.info("SLA rule %s deleted by %s at %s", rule, _actor_label(actor), now.isoformat())
    rule.delete()
    _invalidate()
