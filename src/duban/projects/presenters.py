"""Project rows as the long lists print them, computed once in Python.

A lead official's "my projects" lists a hundred and more projects twice; per-row template
work (an ``{% include %}`` for the status badges, ``{% url %}``, ``get_stage_display``, the
``pct`` and ``floatformat`` filters) was most of the page's time. Here each row's texts are
made once; the badges' HTML is made once per (status, warning) pair.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import quote

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .models import LagStatus, Stage

STATUS_BADGES = {
    LagStatus.AHEAD: ("ok", "超前"),
    LagStatus.NORMAL: ("info", "正常"),
    LagStatus.LAGGING: ("bad", "滞后"),
}
WARNING_BADGES = {"red": ("bad warn-red", "红色预警"), "yellow": ("warn", "黄色预警")}


# The columns a row reads (``QuerySet.only``: the lists skip the rest of a wide row).
ROW_FIELDS = (
    "code",
    "name",
    "stage",
    "annual_plan",
    "completed_this_year",
    "open_blockers",
    "unit__name",
)


def narrowed(qs: QuerySet[Any]) -> QuerySet[Any]:
    """A project queryset reading only what the rows print (and the unit's name)."""
    return qs.select_related(None).select_related("unit").only(*ROW_FIELDS)


@dataclass(frozen=True)
class ProjectRow:
    code: str
    name: str
    url: str
    stage: str
    status: SafeString
    warning: str
    completion: str
    elapsed: str
    annual_plan: str
    completed: str
    open_blockers: int
    unit: str
    stage_due: date | None


def whole(amount: Decimal | None) -> str:
    """万元 without decimals, rounded half up (as ``floatformat:0`` prints them)."""
    return "0" if amount is None else str(Decimal(amount).quantize(Decimal(1), ROUND_HALF_UP))


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _badges() -> dict[tuple[str, str], SafeString]:
    out = {}
    for status, (css, label) in STATUS_BADGES.items():
        badge = format_html('<span class="badge {}">{}</span>', css, _(label))
        out[(status, "")] = badge
        for level, (wcss, wlabel) in WARNING_BADGES.items():
            warn = format_html(' <span class="badge {}">{}</span>', wcss, _(wlabel))
            out[(status, level)] = mark_safe(badge + warn)
    return out


def project_rows(projects: Iterable[Any]) -> list[ProjectRow]:
    """Rows of projects annotated by ``selectors.with_progress`` (with ``unit`` joined)."""
    badges = _badges()
    stages = {s.value: str(s.label) for s in Stage}
    base = reverse("projects:project", args=["-"])[:-2]
    return [
        ProjectRow(
            code=p.code,
            name=p.name,
            url=f"{base}{quote(p.code, safe='')}/",
            stage=stages.get(p.stage, p.stage),
            status=badges.get((p.lag_status, p.warning)) or badges[(LagStatus.NORMAL, "")],
            warning=p.warning,
            completion=percent(p.completion_rate),
            elapsed=percent(p.time_elapsed_rate),
            annual_plan=whole(p.annual_plan),
            completed=whole(p.completed_this_year),
            open_blockers=p.open_blockers,
            unit=p.unit.name,
            stage_due=p.stage_due,
        )
        for p in projects
    ]
