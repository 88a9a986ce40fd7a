"""Template helpers: navigation, state badges, deadline countdowns and states, rates."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from django import template
from django.template.defaultfilters import floatformat
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.formats import localize
from django.utils.html import escape, format_html
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from duban.tickets import events
from duban.tickets.choices import State
from duban.tickets.clocks import (
    BY_BREACH,
    DUE_SOON,
    STOPPED_STATES,
    UNIT_CLOCKS,
    card_clock,
    started_at,
)
from duban.tickets.event_details import payload_details

from ..nav import nav_items

register = template.Library()

# A ticket's page and its actions, linked from every card and list row: ``{% url %}``
# resolves the route each time (≈ 47 µs; ≈ 200 links on a desk page: ≈ 10 ms). The route
# is reversed once per script prefix with markers in place of the arguments, and the
# links are then formatted from it, quoted as ``reverse`` quotes them.
_MARKERS = ("NUMBERMARKER", "ACTIONMARKER")
_SAFE = RFC3986_SUBDELIMS + "~:@"  # what reverse() leaves unquoted (an argument has no "/")


@functools.lru_cache(maxsize=16)
def _ticket_route(arity: int, prefix: str, urlconf: str | None) -> tuple[str, ...]:
    """The route's literal parts around its ``arity`` arguments."""
    name = "tickets:detail" if arity == 1 else "tickets:action"
    rest = reverse(name, args=_MARKERS[:arity], urlconf=urlconf)
    parts = []
    for marker in _MARKERS[:arity]:
        head, rest = rest.split(marker, 1)
        parts.append(head)
    return (*parts, rest)


@register.simple_tag
def ticket_url(number: str, action: str | None = None) -> str:
    """``{% url 'tickets:detail' number %}`` (or ``'tickets:action' number action``), fast."""
    args = (number,) if action is None else (number, action)
    parts = _ticket_route(len(args), get_script_prefix(), get_urlconf())
    out = [parts[0]]
    for arg, part in zip(args, parts[1:], strict=True):
        out += (quote(str(arg), safe=_SAFE), part)
    return "".join(out)


STATE_CSS = {
    State.REGISTERED: "info",
    State.DISPATCHED: "warn",
    State.RETURN_PENDING: "warn",
    State.ACCEPTED: "info",
    State.REPLIED: "info",
    State.REVIEWED: "info",
    State.REOPENED: "bad",
    State.CLOSED: "ok",
    State.MERGED: "mute",
    State.INVALID: "mute",
}


@register.inclusion_tag("web/_nav.html", takes_context=True)
def nav(context: dict[str, Any]) -> dict[str, Any]:
    request = context["request"]
    return {"items": nav_items(request.user.roles, request.path), "user": request.user}


@register.simple_tag
def state_badge(state: str) -> str:
    try:
        label = State(state).label
    except ValueError:
        label = state
    return format_html('<span class="badge {}">{}</span>', STATE_CSS.get(state, "mute"), label)


def _span(delta: timedelta) -> str:
    minutes = int(abs(delta).total_seconds() // 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return (
            _("%(d)s天%(h)s小时") % {"d": days, "h": hours} if hours else _("%(d)s天") % {"d": days}
        )
    if hours:
        return _("%(h)s小时%(m)s分") % {"h": hours, "m": mins}
    return _("%(m)s分钟") % {"m": mins}


def countdown_text(due: datetime, now: datetime) -> str:
    left = due - now
    if left.total_seconds() >= 0:
        return _("剩余 %(t)s") % {"t": _span(left)}
    return _("已超期 %(t)s") % {"t": _span(left)}


@register.simple_tag
def countdown(due: datetime | None, now: datetime, soon: timedelta = DUE_SOON) -> str:
    """A live countdown: server-rendered text, updated by web/app.js from data-due.

    Amber (``soon``) in the last ``soon`` before the deadline; web/app.js reads the same
    window from data-soon (seconds).
    """
    if due is None:
        return "—"
    css = "overdue" if due < now else ("soon" if due - now < soon else "")
    return format_html(
        '<span class="countdown {}" data-due="{}" data-soon="{}">{}</span>',
        css,
        due.isoformat(),
        int(soon.total_seconds()),
        countdown_text(due, now),
    )


@register.simple_tag
def deadline_state(
    due: datetime | None,
    done: datetime | None,
    now: datetime,
    ticket: Any = None,
    clock: str = "",
) -> str:
    """按期 / 临期 / 超期 / 已完成 (超期完成) of one deadline.

    With ``ticket`` and ``clock`` (a ``tickets.clocks`` clock's breach name) 临期 is that
    clock's due-soon window; otherwise the last ``DUE_SOON`` before the deadline.
    """
    if due is None:
        return format_html('<span class="dl mute">{}</span>', "—")
    if done is not None:
        if done > due:
            return format_html('<span class="dl warn">{}</span>', _("超期完成"))
        return format_html('<span class="dl ok">{}</span>', _("已完成"))
    if (
        ticket is not None
        and ticket.state in STOPPED_STATES
        and BY_BREACH.get(clock) in UNIT_CLOCKS
    ):
        # The centre is ruling on a return: the unit's clock stands still.
        return format_html('<span class="dl mute">{}</span>', _("计时暂停"))
    if now > due:
        return format_html('<span class="dl bad">{}</span>', _("超期"))
    running = BY_BREACH.get(clock) if ticket is not None else None
    if running is not None:
        soon = running.due_soon(started=started_at(running, ticket), due=due, now=now)
    else:
        soon = due - now < DUE_SOON
    if soon:
        return format_html('<span class="dl warn">{}</span>', _("临期"))
    return format_html('<span class="dl ok">{}</span>', _("按期"))


@register.filter
def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


@register.filter
def score(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


@register.simple_tag
def unit_figure_rows(figures: list[Any], search_url: str, period: str) -> SafeString:
    """The rows of the dashboard's table of units: name (linked to their 工单查询), volume,
    the five rates, overdue count and composite score.

    A city has ≈ 400 units: the same loop in the template took ≈ 30 ms of the page at 5 M
    tickets (docs/scale.md), ``format_html_join`` ≈ 19 ms; formatted here, escaping the
    text as the template does, ≈ 10 ms (best of 30 renders of 400 rows, a quiet moment).
    The numbers and rates are digits.
    """
    url, month = escape(search_url), escape(period)
    rows = [
        f'<tr><td><a href="{url}?unit={escape(f.unit_code)}&period={month}&by=dispatched_at">'
        f"{escape(f.label)}</a></td><td>{localize(f.dispatched)}</td>"
        f"<td>{pct(f.response_rate)}</td><td>{pct(f.resolution_rate)}</td>"
        f"<td>{pct(f.satisfaction_rate)}</td><td>{pct(f.on_time_rate)}</td>"
        f"<td>{pct(f.return_rate)}</td><td>{localize(f.overdue_count)}</td>"
        f"<td>{score(f.composite)}</td></tr>"
        for f in figures
    ]
    return mark_safe("".join(rows))  # every text value is escaped above


def _minute(value: datetime | None) -> str:
    """``{{ value|date:"m-d H:i" }}``: in the current time zone, empty for none."""
    return "" if value is None else template_localtime(value).strftime("%m-%d %H:%M")


@register.simple_tag
def overdue_rows(tickets: Iterable[Any], first: int) -> SafeString:
    """The rows of the circular's overdue list: number (linked), primary unit, title, times,
    days late and state, numbered from ``first``.

    The print view and the on-screen pages share it; printed, the list holds every
    overdue ticket of the month — 10,704 rows at 1 M tickets, 2.2 s as a template loop
    (docs/scale.md). Formatted here, escaping the text as the template does.
    """
    unreplied = escape(_("未答复"))
    badges: dict[str, str] = {}

    def badge(state: str) -> str:
        if state not in badges:
            badges[state] = state_badge(state)
        return badges[state]

    rows = [
        f'<tr><td>{i}</td><td><a href="{escape(ticket_url(t.number))}">{escape(t.number)}</a>'
        f"</td><td>{escape(t.primary_unit) if t.primary_unit else '—'}</td>"
        f"<td>{escape(t.title)}</td><td>{_minute(t.dispatched_at)}</td>"
        f"<td>{_minute(t.handle_due)}</td>"
        f"<td>{_minute(t.replied_at) if t.replied_at else unreplied}</td>"
        f'<td class="num">{floatformat(t.late_days, 1)}</td><td>{badge(t.state)}</td></tr>'
        for i, t in enumerate(tickets, start=first)
    ]
    if not rows:
        empty = escape(_("本月无超期工单"))
        return format_html('<tr><td colspan="9" class="empty">{}</td></tr>', empty)
    return mark_safe("".join(rows))  # every text value is escaped above


@register.filter
def event_label(kind: str) -> str:
    """The event type's label from the vocabulary (``tickets.events.EventType``)."""
    return events.event_label(kind)


@register.filter
def event_details(payload: dict[str, Any]) -> list[tuple[str, str]]:
    """The human parts of an event's payload, in Chinese (``tickets.event_details``)."""
    return payload_details(payload)


@register.simple_tag
def clock(ticket: Any, now: datetime) -> str:
    """The countdown that matters in the ticket's state (签收, 办理 or 回访): ``card_clock``;
    计时暂停 while the centre rules on a return."""
    if ticket.state in STOPPED_STATES:
        return format_html("<small>{}</small>", _("计时暂停"))
    running = card_clock(ticket.state)
    due = getattr(ticket, running.due) if running is not None else None
    if running is None or due is None:
        return ""
    soon = running.soon_window(started=started_at(running, ticket), due=due)
    return format_html("<small>{}</small> {}", _(running.label), countdown(due, now, soon))


@register.simple_tag(takes_context=True)
def bulk_offer(context: dict[str, Any], desk: str, tab: str) -> Any:
    """The bulk action of a desk's tab for this user (``web.services_bulk``), or None."""
    from ..services_bulk import offered

    return offered(desk=desk, tab=tab, user=context["request"].user)


@register.simple_tag
def rank_change(entry: Any) -> str:
    """↑2 / ↓1 / 持平 / 新上榜, coloured."""
    from duban.metrics.excel import rank_change_text

    text = rank_change_text(entry)
    css = "ok" if text.startswith("↑") else ("bad" if text.startswith("↓") else "mute")
    return format_html('<span class="dl {}">{}</span>', css, text)


@register.filter
def state_label(state: str) -> str:
    try:
        return str(State(state).label)
    except ValueError:
        return state


@register.simple_tag(takes_context=True)
def card_actions(context: dict[str, Any], ticket: Any, desk: str) -> list[Any]:
    """The actions a desk's card offers this user (no query)."""
    from duban.tickets.forms import desk_actions

    if "actions" in context and context.get("card_view"):
        return context["actions"]
    return desk_actions(ticket, context["request"].user, desk)


REPLY_REASONS = {
    "too_short": gettext_noop("内容过短"),
    "off_topic": gettext_noop("与诉求关联度低"),
    "incomplete": gettext_noop("缺少办理措施或结果"),
    "boilerplate": gettext_noop("套话较多"),
}


@register.filter
def reply_reasons(reasons: list[str] | None) -> str:
    """The reply check's reasons in Chinese, joined for display."""
    return "、".join(str(_(REPLY_REASONS.get(r, r))) for r in reasons or [])
