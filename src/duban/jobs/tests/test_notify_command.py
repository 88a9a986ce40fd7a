"""`duban notify send`: sends the SMS outbox's due messages once and reports the outbox."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from duban.notifications.gateways import MemoryBackend
from duban.notifications.models import SmsMessage
from duban.testing import factories as f
from duban.tickets import services as s

pytestmark = pytest.mark.django_db


class DownGateway:
    def send(self, phone: str, text: str) -> None:
        raise ConnectionError("gateway unreachable")


def send(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("notify", "send", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def queued(p, now):
    """An urge's SMS to 滨湖's duty phone, queued (the test transaction never commits)."""
    p.street_head.phone = "13800000001"
    p.street_head.save(update_fields=["phone"])
    t = f.accepted(p=p, now=now)
    s.ticket_urge(ticket=t, actor=p.supervisor, now=now + timedelta(hours=1))
    return SmsMessage.objects.get()


def test_send_sends_the_queued_messages_once(queued, now, settings):
    settings.DUBAN_SMS_BACKEND = "duban.notifications.gateways.MemoryBackend"
    MemoryBackend.outbox = []
    at = (now + timedelta(hours=2)).isoformat()
    out, _ = send("--now", at)
    assert "短信发送 1 条，失败 0 条" in out and "queued 0, failed 0, sending 0, sent 1" in out
    assert send("--now", at)[0].count("短信发送 0 条") == 1
    assert len(MemoryBackend.outbox) == 1
    MemoryBackend.outbox = []


def test_failures_are_reported_and_kept_for_the_next_run(queued, now, settings):
    settings.DUBAN_SMS_BACKEND = "duban.jobs.tests.test_notify_command.DownGateway"
    out, err = send("--now", (now + timedelta(hours=2)).isoformat())
    assert "失败 1 条" in out and "queued 0, failed 1" in out
    assert "gateway unreachable" in err
    queued.refresh_from_db()
    assert (queued.status, queued.attempts) == ("failed", 1)


def test_a_bad_now_is_refused():
    with pytest.raises(CommandError, match="--now"):
        send("--now", "soon")
    with pytest.raises(CommandError):
        call_command("notify")
