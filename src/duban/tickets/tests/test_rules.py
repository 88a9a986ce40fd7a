"""The lifecycle numbers and predicates of ``tickets.rules`` and the services' shared refusals,
as the services, the pages and the demo apply them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from duban.demo import centre, simulate
from duban.testing import factories as f
from duban.tickets import rules
from duban.tickets import services as s
from duban.tickets.choices import Channel, ReplyResult, Satisfaction
from duban.tickets.errors import InvalidInput, PermissionDenied
from duban.tickets.forms import DirectAnswerForm
from duban.tickets.services.closing import CLOSES_DUPLICATES, rating_refusal
from duban.tickets.services.intake import register_refusal

pytestmark = pytest.mark.django_db


def test_the_demo_uses_the_services_numbers():
    assert centre.ESCALATE_AFTER is rules.ESCALATE_AFTER
    assert centre.MAX_CALLBACK_ATTEMPTS is rules.MAX_CALLBACK_ATTEMPTS
    assert simulate.ONLINE_CHANNELS is rules.ONLINE_CHANNELS


def test_returns_escalate_the_ticket_at_the_threshold(p, now):
    t = f.registered(actor=p.operator, now=now)
    for n in range(1, rules.ESCALATE_AFTER + 1):
        at = now + timedelta(hours=n)
        t = s.ticket_dispatch(ticket=t, actor=p.dispatcher, now=at, unit=p.district.binhu)
        t = s.ticket_request_return(ticket=t, actor=p.street_handler, now=at, reason="非本单位")
        t = s.ticket_approve_return(ticket=t, actor=p.dispatcher, now=at)
        assert (t.return_count, t.escalated) == (n, n >= rules.ESCALATE_AFTER)


def test_reopens_escalate_the_ticket_at_the_threshold(p, now):
    t = f.closed(p=p, now=now)
    for n in range(1, rules.ESCALATE_AFTER + 1):
        at = now + timedelta(days=2 + n)
        t = s.ticket_reopen(ticket=t, actor=p.dispatcher, now=at, reason="仍未解决")
        assert (t.reopen_count, t.escalated) == (n, n >= rules.ESCALATE_AFTER)
        t = s.ticket_accept(ticket=t, actor=p.street_handler, now=at)
        t = s.ticket_reply(ticket=t, actor=p.street_handler, now=at, result="solved", text="已修复")
        t = s.ticket_review_pass(ticket=t, actor=p.dispatcher, now=at)
        t = s.ticket_callback(
            ticket=t, actor=p.dispatcher, now=at, reached=True, resolved=True, satisfaction="basic"
        )


def test_unanswered_callbacks_close_the_ticket_as_unreachable(p, now):
    t = f.reviewed(p=p, now=now)
    for n in range(1, rules.MAX_CALLBACK_ATTEMPTS + 1):
        t = s.ticket_callback(
            ticket=t, actor=p.dispatcher, now=now + timedelta(days=n), reached=False
        )
        last = n == rules.MAX_CALLBACK_ATTEMPTS
        assert (t.callback_attempts, t.state, t.unreachable) == (
            n,
            "closed" if last else "reviewed",
            last,
        )


def test_anonymous_registrations_only_through_the_online_channels(p, now):
    """``register_refusal`` (which the demo's checker calls too) with ``ONLINE_CHANNELS``."""
    for channel in Channel.values:
        refusal = register_refusal(actor=None, kind="appeal", channel=channel)
        assert (refusal is None) == (channel in rules.ONLINE_CHANNELS), channel
    with pytest.raises(PermissionDenied, match="anonymous submissions only via online"):
        f.registered(actor=None, now=now, channel="phone")
    assert f.registered(actor=None, now=now, channel="web").registered_by is None
    assert register_refusal(actor=p.operator, kind="appeal", channel="phone") is None
    assert register_refusal(actor=p.operator, kind="project", channel="web") is None
    assert register_refusal(actor=p.village_handler, kind="project", channel="web") is not None


def test_a_rating_reopens_only_when_unsatisfied_or_unresolved():
    for resolved in (True, False):
        for satisfaction in Satisfaction.values:
            may = rules.rating_may_reopen(resolved=resolved, satisfaction=satisfaction)
            assert may == (satisfaction == "unsatisfied" or not resolved)
            refusal = rating_refusal(resolved=resolved, satisfaction=satisfaction, reopen=True)
            assert (refusal is None) == may
            assert rating_refusal(resolved=resolved, satisfaction=satisfaction) is None
    missing = rating_refusal(resolved=None, satisfaction="satisfied")
    assert missing is not None and missing.details["field"] == "satisfaction"
    reopen = rating_refusal(resolved=True, satisfaction="basic", reopen=True)
    assert reopen is not None and reopen.details["field"] == "reopen"


def test_direct_answer_results_and_the_reason_a_reply_needs(p, now):
    assert set(rules.DIRECT_ANSWER_RESULTS) == {"solved", "explained"}
    assert [r for r, _ in DirectAnswerForm.base_fields["result"].choices] == list(  # type: ignore[attr-defined]
        rules.DIRECT_ANSWER_RESULTS
    )
    with pytest.raises(InvalidInput, match="direct answers are solved or explained"):
        s.ticket_direct_answer(
            ticket=f.registered(actor=p.operator, now=now),
            actor=p.operator,
            now=now,
            answer="已解答",
            result="partly",
        )
    assert [r for r in ReplyResult.values if rules.reply_needs_reason(r)] == ["cannot"]


def test_only_the_closing_services_close_a_masters_duplicates(p, now):
    """``CLOSES_DUPLICATES``: a direct answer closes the duplicates; invalidating does not."""
    h = timedelta(hours=1)
    for action, closes in (("direct_answer", True), ("invalidate", False)):
        master = f.registered(actor=p.operator, now=now)
        dup = s.ticket_merge(
            ticket=f.registered(actor=p.operator, now=now),
            actor=p.operator,
            now=now + h,
            master=master,
        )
        if action == "direct_answer":
            s.ticket_direct_answer(
                ticket=master, actor=p.operator, now=now + 2 * h, answer="已解答"
            )
        else:
            s.ticket_invalidate(ticket=master, actor=p.operator, now=now + 2 * h, reason="骚扰")
        dup.refresh_from_db()
        assert (dup.closed_at is not None) == closes == (action in CLOSES_DUPLICATES)
    assert {"direct_answer", "callback", "rate_online"} == CLOSES_DUPLICATES
