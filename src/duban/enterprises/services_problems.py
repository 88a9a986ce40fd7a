"""Enterprise problems (企业问题): tickets of kind ``enterprise`` on the engine.

A problem is registered through ``tickets.services.ticket_register`` and acted on through the
engine's services; the module keeps its side (category, level, source, escalations) and
follows the ticket through ``problem_ticket_changed``, the hook the engine calls after every
event of the kind. The module's declaration (``apps.py``) grants the engine's ``dispatch`` to
the chief service officers for the problems of the enterprises they serve
(``problem_ticket_served``): 园区吹哨 is the engine's dispatch in the officer's name. Close-out (销号) needs the enterprise's rating: a ticket of the kind that
would close without one is refused by the hook, so the whole write is undone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db import transaction

from duban.core.choices import AppealType, Channel
from duban.core.errors import InvalidInput, PermissionDenied
from duban.org.models import Unit, UnitKind, User
from duban.tickets.choices import Kind, State
from duban.tickets.services import ticket_dispatch, ticket_rate_online, ticket_register
from duban.tickets.services.base import TABLE, allowed

from .errors import CloseoutUnconfirmed, NotYourEnterprise, WhistleAtRegistration
from .models import (
    Enterprise,
    Escalation,
    EventType,
    Level,
    Problem,
    ProblemCategory,
    Source,
    Visit,
)
from .services import _text, check_serves, history, serves

DISPATCH = "dispatch"  # the engine's action (``tickets.services.base.TABLE``)

WHISTLE_NOTE = "园区吹哨，部门报到：{who}派单"


def _category(category_id: int) -> ProblemCategory:
    category = ProblemCategory.objects.filter(pk=category_id, is_active=True).first()
    if category is None:
        raise InvalidInput("问题类别不存在", field="category_id")
    return category


@transaction.atomic
def problem_raise(
    *,
    actor: User | None,
    now: datetime,
    enterprise: Enterprise,
    category_id: int,
    title: str,
    content: str,
    level: str = Level.DISTRICT,
    source: str = Source.VISIT,
    visit: Visit | None = None,
    units: Sequence[Unit] = (),
) -> Problem:
    """Raise a problem of ``enterprise``: by one who serves it (``actor``), or by the
    enterprise itself through its pages (``actor`` None, source 企业自报).

    园区吹哨，部门报到: the officer may name the departments at once (``units``: the first
    leads, the others join as co-units); the problem is then dispatched with its
    registration, in her name (the module's grant of the engine's ``dispatch``). Without
    ``units`` it waits, registered, for a later whistle (``problem_whistle``)."""
    if actor is not None:
        check_serves(actor, enterprise)
    elif source != Source.SELF:
        raise PermissionDenied("企业只能自报问题")
    if units and actor is None:
        raise PermissionDenied("企业不能指定承办部门")
    _check_units(units, district_id=enterprise.district_id)
    if level not in Level.values:
        raise InvalidInput("问题层级无效", field="level")
    if source not in Source.values:
        raise InvalidInput("问题来源无效", field="source")
    category = _category(category_id)
    title = _text(title, field="title", label="问题标题", limit=200)
    content = _text(content, field="content", label="问题描述", limit=5000)
    ticket = ticket_register(
        actor=actor,
        now=now,
        title=title,
        content=content,
        appeal_type=AppealType.HELP,
        channel=Channel.WEB if actor is None else Channel.WALK_IN,
        kind=Kind.ENTERPRISE,
        location=enterprise.name[:200],
        caller_name=enterprise.contact_name,
        caller_phone=enterprise.contact_phone,
        district=enterprise.district if actor is None else None,
        auto_dispatch=False,
    )
    problem = Problem.objects.create(
        district_id=enterprise.district_id,
        ticket=ticket,
        enterprise=enterprise,
        category=category,
        level=level,
        source=source,
        visit=visit,
        officer_id=enterprise.officer_id,
        group_id=enterprise.group_id,
        created_at=now,
    )
    history(
        enterprise=enterprise,
        type=EventType.PROBLEM_RAISED,
        actor=actor,
        actor_label="" if actor else "企业",
        now=now,
        problem=problem,
        note=f"{ticket.number} {category.name}：{title}",
    )
    if units and actor is not None:
        _dispatch(actor=actor, now=now, problem=problem, units=units, note="")
    return problem


def _check_units(units: Sequence[Unit], *, district_id: int) -> None:
    pks = [u.pk for u in units]
    if len(set(pks)) != len(pks):
        raise InvalidInput("部门不能重复", field="units")
    for unit in units:
        if unit.kind not in (UnitKind.DEPARTMENT, UnitKind.STREET) or (
            unit.district_pk != district_id
        ):
            raise InvalidInput("只能派往本区的部门或街道", field="units")


def _dispatch(
    *, actor: User, now: datetime, problem: Problem, units: Sequence[Unit], note: str
) -> None:
    """The engine's dispatch in ``actor``'s name: the state table lets the centre, the
    module's grant the officers who serve the enterprise (``check_permission``)."""
    who = actor.full_name or actor.username
    ticket_dispatch(
        ticket=problem.ticket,
        actor=actor,
        now=now,
        unit=units[0],
        co_units=list(units[1:]),
        note=note or WHISTLE_NOTE.format(who=who),
    )
    history(
        enterprise=problem.enterprise,
        type=EventType.WHISTLE,
        actor=actor,
        now=now,
        problem=problem,
        note="、".join(u.name for u in units),
    )


def whistle_refusal(*, problem: Problem) -> WhistleAtRegistration | None:
    """Why ``problem`` cannot be whistled now (None: it can): only a problem waiting for
    its departments — registered, or back from a department's approved return — is sent;
    once a department holds it, or it is closed, the departments are the engine's
    (改派, the unit's own sub-dispatch)."""
    ticket = problem.ticket
    if ticket.state in TABLE[DISPATCH].sources:
        return None
    return WhistleAtRegistration(
        f"该问题当前状态为「{State(ticket.state).label}」，只有待派单的问题可以吹哨派往部门"
    )


@transaction.atomic
def problem_whistle(
    *, actor: User, now: datetime, problem: Problem, units: Sequence[Unit], note: str = ""
) -> Problem:
    """园区吹哨，部门报到 after the registration: send a problem still waiting for its
    departments to several at once (主办 + 协办). By the centre (the state table) or by a
    chief service officer who serves the enterprise (the module's grant): the engine's
    dispatch in the actor's name."""
    check_serves(actor, problem.enterprise)
    if (refusal := whistle_refusal(problem=problem)) is not None:
        raise refusal
    if not units:
        raise InvalidInput("请至少选择一个部门", field="units")
    _check_units(units, district_id=problem.district_id)
    note = _text(note, field="note", label="说明", limit=500, required=False)
    _dispatch(actor=actor, now=now, problem=problem, units=units, note=note)
    return problem


def whistles_offered(*, actor: User, problems: Iterable[Problem]) -> frozenset[int]:
    """The problems of a page ``actor`` may whistle now: ``whistle_refusal`` says none, and
    the engine's ``allowed`` (the state table, or the module's grant and its scope) agrees.

    The grant's scope depends on the enterprise alone, so the engine is asked once per
    enterprise (a page lists one enterprise's problems), not once per problem."""
    offered: set[int] = set()
    verdict: dict[int, bool] = {}
    for problem in problems:
        if whistle_refusal(problem=problem) is not None:
            continue
        if problem.enterprise_id not in verdict:
            verdict[problem.enterprise_id] = allowed(
                ticket=problem.ticket, actor=actor, action=DISPATCH
            )
        if verdict[problem.enterprise_id]:
            offered.add(problem.pk)
    return frozenset(offered)


def problem_ticket_served(*, ticket: Any, actor: User) -> bool:
    """The scope of the officers' grant on kind ``enterprise`` (``apps.py``): ``ticket`` is
    the problem of an enterprise ``actor`` serves (its officer, or a member of its service
    group or task force)."""
    problem = Problem.objects.filter(ticket_id=ticket.pk).select_related("enterprise").first()
    return problem is not None and serves(actor, problem.enterprise)


@transaction.atomic
def problem_escalate(
    *, actor: User, now: datetime, problem: Problem, level: str, to: str, note: str = ""
) -> Escalation:
    """Send a problem beyond the district's power to the city or the province: it stays open
    and counts in that level's figures from now on."""
    check_serves(actor, problem.enterprise)
    if level not in (Level.CITY, Level.PROVINCE):
        raise InvalidInput("只能提级到市级或省级", field="level")
    if problem.closed_at is not None:
        raise InvalidInput("问题已销号，不能提级", field="level")
    to = _text(to, field="to", label="提交单位", limit=100)
    note = _text(note, field="note", label="说明", limit=500, required=False)
    escalation = Escalation.objects.create(
        problem=problem,
        level=level,
        escalated_to=to,
        escalated_at=now,
        escalated_by=actor,
        note=note,
    )
    Problem.objects.filter(pk=problem.pk).update(level=level)
    problem.level = level
    history(
        enterprise=problem.enterprise,
        type=EventType.ESCALATED,
        actor=actor,
        now=now,
        problem=problem,
        note=f"提交{Level(level).label}：{to}",
    )
    return escalation


@transaction.atomic
def escalation_answer(
    *, actor: User, now: datetime, escalation: Escalation, response: str
) -> Escalation:
    """Record what came back from above."""
    problem = escalation.problem
    check_serves(actor, problem.enterprise)
    if escalation.responded_at is not None:
        raise InvalidInput("该提级已有答复", field="response")
    escalation.response = _text(response, field="response", label="上级答复", limit=5000)
    escalation.responded_at = now
    escalation.save(update_fields=["response", "responded_at"])
    history(
        enterprise=problem.enterprise,
        type=EventType.ESCALATION_ANSWERED,
        actor=actor,
        now=now,
        problem=problem,
        note=escalation.response[:200],
    )
    return escalation


@transaction.atomic
def problem_confirm(
    *,
    enterprise: Enterprise,
    now: datetime,
    problem: Problem,
    resolved: bool,
    satisfaction: str,
    comment: str = "",
) -> Problem:
    """The enterprise confirms and rates the result on its pages: the engine's online rating
    (the registered mobile proves it), which closes the ticket (销号)."""
    if problem.enterprise_id != enterprise.pk:
        raise NotYourEnterprise("不是本企业的问题")
    ticket = problem.ticket
    if ticket.caller is None or not ticket.caller.phone:
        raise CloseoutUnconfirmed("该问题未登记企业联系人手机，请由服务中心回访确认")
    ticket_rate_online(
        ticket=ticket,
        now=now,
        phone=ticket.caller.phone,
        resolved=resolved,
        satisfaction=satisfaction,
        comment=comment,
    )
    problem.refresh_from_db()
    return problem


# -- the hook ----------------------------------------------------------------------------------

RATING_EVENTS = frozenset({"rate_online", "callback"})


def problem_ticket_changed(*, ticket: Any, event: Any, actor: User | None, now: datetime) -> None:
    """The engine's hook for kind ``enterprise``: refuse a close-out the enterprise did not
    rate, and follow the ticket's close and reopen into the problem's figures."""
    if ticket.state == State.CLOSED and event.from_state != State.CLOSED:
        if event.type not in RATING_EVENTS or ticket.rated_at is None:
            raise CloseoutUnconfirmed("企业问题须经企业确认或评价后方可销号")
        problem = Problem.objects.filter(ticket_id=ticket.pk).select_related("enterprise").first()
        if problem is None:
            return
        problem.closed_at = now
        problem.solved = bool(ticket.resolved)
        problem.satisfaction = ticket.satisfaction or ""
        problem.close_days = round((now - problem.created_at).total_seconds() / 86400, 2)
        problem.save(update_fields=["closed_at", "solved", "satisfaction", "close_days"])
        history(
            enterprise=problem.enterprise,
            type=EventType.PROBLEM_CLOSED,
            actor=actor,
            actor_label="" if actor else "企业",
            now=now,
            problem=problem,
            note=f"{ticket.number} {'已解决' if ticket.resolved else '未解决'}",
        )
    elif ticket.state == State.REOPENED:
        Problem.objects.filter(ticket_id=ticket.pk).update(
            closed_at=None, solved=False, satisfaction="", close_days=None
        )
