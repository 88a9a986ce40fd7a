"""Notices and SMS are written in the event's transaction: a transition that rolls back
leaves neither, and nothing is handed to the gateway."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction

from duban.core.errors import InvalidInput
from duban.notifications.models import Notice, SmsMessage
from duban.testing import factories as f
from duban.tickets import modules
from duban.tickets import services as s
from duban.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def refuse_urges(*, ticket, event, actor, now) -> None:
    if event.type == "urge":
        raise InvalidInput("测试：拒绝催办 / test: urge refused")


def test_a_refused_transition_leaves_no_notice_and_no_sms(
    p, now, phones, sms_outbox, django_capture_on_commit_callbacks
):
    t = f.accepted(p=p, now=now, urgency="urgent")
    notices, messages = Notice.objects.count(), SmsMessage.objects.count()
    modules.observe(refuse_urges)  # after ours: our notices are written, then undone
    try:
        with (
            django_capture_on_commit_callbacks(execute=True) as callbacks,
            pytest.raises(InvalidInput),
        ):
            s.ticket_urge(ticket=t, actor=p.supervisor, now=now + timedelta(days=1))
    finally:
        modules.unobserve(refuse_urges)
    assert (Notice.objects.count(), SmsMessage.objects.count()) == (notices, messages)
    assert callbacks == [] and sms_outbox == []
    assert Ticket.objects.get(pk=t.pk).urge_count == 0


def test_an_outer_rollback_undoes_the_notices_and_the_queued_sms(
    p, now, phones, sms_outbox, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        f.dispatched(p=p, now=now, urgency="urgent")
        assert Notice.objects.count() == 2 and SmsMessage.objects.count() == 1
        raise RuntimeError("the request failed after the dispatch")
    assert not Notice.objects.exists() and not SmsMessage.objects.exists()
    assert callbacks == [] and sms_outbox == []
