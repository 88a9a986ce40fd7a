"""Bulk actions on the desks, where clerks repeat themselves: sign for several tickets
(本单位待办 · 待签收), pass several reviews and dispatch several registered tickets each
to its suggested unit (中心工作台 · 答复审核 / 待派单).

Each ticket is still ONE call of its ticket service with the version the clerk saw, in
its own transaction: a ticket someone else changed meanwhile, or one the service
refuses, is reported with its reason and never holds back or undoes the others.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from duban.core.access import readable
from duban.core.errors import DomainError, InvalidInput
from duban.org.models import User
from duban.tickets import services as s
from duban.tickets.models import Ticket
from duban.tickets.selectors import unit_by_ref, visible_ticket
from duban.tickets.services.base import TABLE
from duban.tickets.services.dispatching import suggested_unit_id

# At most this many tickets per click: a batch stays a few seconds of work.
MAX_BATCH = 50
OK = "成功"
STALE = "已被他人处理（工单已更新），请刷新后核对"


class BatchTooLarge(InvalidInput):
    code = "batch_too_large"


class NothingChosen(InvalidInput):
    code = "nothing_chosen"


class NoSuggestedUnit(InvalidInput):
    code = "no_suggested_unit"


class WeakReply(InvalidInput):
    code = "weak_reply"


Run = Callable[[Ticket, User, datetime, int], Ticket]


def _accept(ticket: Ticket, actor: User, now: datetime, version: int) -> Ticket:
    return s.ticket_accept(ticket=ticket, actor=actor, now=now, expected_version=version)


def _review_pass(ticket: Ticket, actor: User, now: datetime, version: int) -> Ticket:
    # A reply the reply check flagged is read one by one (the card shows why).
    if (ticket.reply_check or {}).get("weak"):
        raise WeakReply("答复质量存疑，请逐件审核 / flagged reply: review it on its own")
    return s.ticket_review_pass(ticket=ticket, actor=actor, now=now, expected_version=version)


def _dispatch(ticket: Ticket, actor: User, now: datetime, version: int) -> Ticket:
    unit_id = suggested_unit_id(ticket.suggestions)
    if unit_id is None:
        raise NoSuggestedUnit("没有推荐单位，请逐件派单 / no suggested unit")
    unit = unit_by_ref(int(unit_id))
    return s.ticket_dispatch(
        ticket=ticket, actor=actor, now=now, unit=unit, expected_version=version
    )


@dataclass(frozen=True)
class BulkAction:
    name: str  # the ticket action (``tickets.services.base.TABLE``)
    label: str | Promise
    desk: str  # where it is offered: the desk and its tab
    tab: str
    run: Run

    @property
    def roles(self) -> frozenset[str]:
        """Who may run it: the state table's roles for the action, no second list."""
        return TABLE[self.name].roles


BULK_ACTIONS: dict[str, BulkAction] = {
    a.name: a
    for a in (
        BulkAction("accept", _("批量签收"), "inbox", "pending", _accept),
        BulkAction("review_pass", _("批量审核通过"), "centre", "review", _review_pass),
        BulkAction("dispatch", _("按推荐单位批量派单"), "centre", "dispatch", _dispatch),
    )
}


def offered(*, desk: str, tab: str, user: User) -> BulkAction | None:
    """The bulk action of a desk's tab, if this user's role may run it."""
    return next(
        (
            a
            for a in BULK_ACTIONS.values()
            if a.desk == desk and a.tab == tab and user.role in a.roles
        ),
        None,
    )


@dataclass(frozen=True)
class Outcome:
    number: str
    ok: bool
    message: str  # 成功, or the Chinese reason the ticket was refused


def _refusal(exc: DomainError) -> str:
    return STALE if exc.code == "stale_version" else readable(exc)


def bulk_act(
    *, action: str, actor: User, now: datetime, items: Sequence[tuple[str, int]]
) -> list[Outcome]:
    """Run ``action`` on each chosen ticket ``(number, version seen)``, one service call and
    one transaction each, in the order given; the outcome of every ticket.

    Refuses the whole batch, before touching any ticket, when it is empty or larger than
    ``MAX_BATCH`` or the action has no bulk form.
    """
    bulk = BULK_ACTIONS.get(action)
    if bulk is None:
        raise InvalidInput(f"不支持的批量操作 / no bulk action {action}", field="action")
    if not items:
        raise NothingChosen("请先勾选要处理的工单 / choose at least one ticket")
    if len(items) > MAX_BATCH:
        raise BatchTooLarge(
            f"一次最多处理 {MAX_BATCH} 件，本次选择了 {len(items)} 件，请分批操作 / "
            f"at most {MAX_BATCH} tickets at once, {len(items)} chosen",
            limit=MAX_BATCH,
        )
    outcomes = []
    for number, version in items:
        try:
            # A savepoint even inside a request-wide transaction: a refusal undoes only
            # this ticket's writes.
            with transaction.atomic():
                ticket = visible_ticket(user=actor, number=number)
                bulk.run(ticket, actor, now, version)
        except DomainError as exc:
            outcomes.append(Outcome(number=number, ok=False, message=_refusal(exc)))
        else:
            outcomes.append(Outcome(number=number, ok=True, message=OK))
    return outcomes
