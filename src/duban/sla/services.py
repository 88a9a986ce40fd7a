"""Writes on SLA data: the working calendar and the deadline rules.

Every write invalidates the per-process calendar/rule cache at once and again after
commit (other processes pick changes up within the selectors' cache lifetime).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING

from django.db import transaction

from duban.core.choices import AppealType, Kind, Urgency
from duban.core.errors import InvalidInput, NotFound

from . import seed
from .durations import DurationSpecError, parse_duration
from .models import CalendarDay, CalendarYear, SlaRule
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


# -- calendar ------------------------------------------------------------------------------


@transaction.atomic
def calendar_set_day(
    *, day: date, is_workday: bool, name: str = "", actor: User | None, now: datetime
) -> CalendarDay:
    """Mark ``day`` as a working day or a day off, overriding the Mon–Fri rule."""
    name = name.strip()
    if len(name) > _NAME_MAX:
        raise CalendarError(f"说明最多 {_NAME_MAX} 个字 / name longer than {_NAME_MAX} characters")
    entry, _ = CalendarDay.objects.update_or_create(
        date=day, defaults={"is_workday": is_workday, "name": name, "source": "admin"}
    )
    log.info(
        "calendar day %s set to %s by %s at %s",
        day,
        "workday" if is_workday else "day off",
        _actor_label(actor),
        now.isoformat(),
    )
    _invalidate()
    return entry


@transaction.atomic
def calendar_confirm_year(*, year: int, actor: User | None, now: datetime) -> CalendarYear:
    """Declare ``year``'s holidays entered: it stops falling back to (and warning about) Mon–Fri."""
    if not 1900 < year < 2200:
        raise CalendarError(f"年份无效 / invalid year: {year}")
    entry, _ = CalendarYear.objects.get_or_create(year=year, defaults={"source": "admin"})
    log.info("calendar year %s confirmed by %s at %s", year, _actor_label(actor), now.isoformat())
    _invalidate()
    return entry


@transaction.atomic
def calendar_seed(years: Iterable[int] | None = None) -> int:
    """Copy holidays and make-up days from the chinesecalendar package.

    ``years`` defaults to every year the installed package knows. Years already entered
    are left alone. Returns the number of calendar days stored.
    """
    known = seed.library_years()
    wanted = sorted(set(years)) if years is not None else list(known)
    unknown = [y for y in wanted if y not in known]
    if unknown:
        raise CalendarError(
            f"chinesecalendar 只包含 {known.start}–{known.stop - 1} 年，无法导入 {unknown}；"
            f"请手工录入 / the chinesecalendar package knows {known.start}-{known.stop - 1} "
            f"only; enter {unknown} by hand (duban calendar set)"
        )
    if not wanted:
        return 0
    created = seed.seed_calendar(CalendarDay, CalendarYear, wanted)
    _invalidate()
    return created


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
    rule = SlaRule.objects.create(kind=kind, appeal_type=appeal_type, urgency=urgency, **durations)
    log.info("SLA rule %s created by %s at %s", rule, _actor_label(actor), now.isoformat())
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
    _invalidate()
    return locked
