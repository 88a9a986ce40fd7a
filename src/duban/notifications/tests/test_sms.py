"""The SMS outbox: sent after commit, exactly once, retried with a pause, capped."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from duban.notifications.gateways import FileBackend, MemoryBackend, SmsError, get_backend
from duban.notifications.models import SmsMessage, SmsStatus
from duban.notifications.services import sms_send
from duban.notifications.services.sms import MAX_ATTEMPTS, STALE_AFTER
from duban.testing import factories as f
from duban.tickets import services as s

pytestmark = pytest.mark.django_db


class DownGateway:
    """A gateway that refuses everything."""

    calls = 0

    def send(self, phone: str, text: str) -> None:
        DownGateway.calls += 1
        raise SmsError("网关超时 / gateway timeout")


def urge(p, now, ticket=None):
    t = ticket or f.accepted(p=p, now=now)
    return s.ticket_urge(ticket=t, actor=p.supervisor, now=now + timedelta(days=1), note="请加快")


def test_an_sms_is_sent_only_after_commit(
    p, now, phones, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        t = urge(p, now)
    # Queued in the transaction, not yet handed to the gateway.
    message = SmsMessage.objects.get()
    assert (message.status, message.attempts, message.ticket_id) == ("queued", 0, t.pk)
    assert sms_outbox == [] and len(callbacks) == 1
    callbacks[0]()  # the commit
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == ("sent", 1, "")
    assert message.sent_at is not None
    assert sms_outbox == [
        (phones.binhu, f"【督办】工单 {t.number}（滨湖街道）被催办，请尽快办理。")
    ]


def test_a_message_is_sent_exactly_once(
    p, now, phones, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        urge(p, now)
    callbacks[0]()  # a second run of the after-commit send
    later = now + timedelta(days=2)
    assert sms_send(now=later).sent == 0  # and the command
    assert len(sms_outbox) == 1
    assert SmsMessage.objects.get().attempts == 1


def test_the_command_path_sends_what_the_commit_did_not(p, now, phones, sms_outbox):
    urge(p, now)  # the test's transaction never commits: the message stays queued
    assert SmsMessage.objects.get().status == "queued"
    result = sms_send(now=now + timedelta(days=1, minutes=1))
    assert (result.sent, result.failed) == (1, 0)
    assert len(sms_outbox) == 1 and SmsMessage.objects.get().status == "sent"


def test_a_failed_message_is_retried_after_a_pause(p, now, phones, sms_outbox, settings):
    urge(p, now)
    at = now + timedelta(days=1)
    result = sms_send(now=at, backend=DownGateway())
    assert (result.sent, result.failed) == (0, 1)
    m = SmsMessage.objects.get()
    assert (m.status, m.attempts) == ("failed", 1)
    assert "网关超时" in m.last_error and m.next_attempt_at == at + timedelta(minutes=1)
    assert sms_send(now=at + timedelta(seconds=30)).sent == 0  # still pausing
    assert sms_send(now=at + timedelta(minutes=1)).sent == 1
    m.refresh_from_db()
    assert (m.status, m.attempts, m.last_error) == ("sent", 2, "")
    assert len(sms_outbox) == 1


def test_attempts_are_capped(p, now, phones):
    urge(p, now)
    DownGateway.calls = 0
    at = now + timedelta(days=1)
    for _ in range(MAX_ATTEMPTS + 3):
        sms_send(now=at, backend=DownGateway())
        at += timedelta(hours=1)
    m = SmsMessage.objects.get()
    assert DownGateway.calls == MAX_ATTEMPTS
    assert (m.status, m.attempts) == ("failed", MAX_ATTEMPTS)


def test_a_claim_abandoned_by_a_dead_sender_is_taken_again_later(p, now, phones, sms_outbox):
    urge(p, now)
    at = now + timedelta(days=1)
    # A sender claimed it and died before recording the result.
    SmsMessage.objects.update(
        status=SmsStatus.SENDING, attempts=1, next_attempt_at=at + STALE_AFTER
    )
    assert sms_send(now=at + timedelta(minutes=1)).sent == 0
    assert sms_send(now=at + STALE_AFTER).sent == 1
    assert SmsMessage.objects.get().attempts == 2


def test_the_backend_comes_from_the_setting(settings):
    settings.DUBAN_SMS_BACKEND = "duban.notifications.gateways.MemoryBackend"
    assert isinstance(get_backend(), MemoryBackend)
    settings.DUBAN_SMS_BACKEND = "duban.notifications.gateways.FileBackend"
    assert isinstance(get_backend(), FileBackend)


def test_the_file_backend_appends_json_lines_under_var(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    backend = FileBackend()
    backend.send("13800000001", "【督办】工单 1 被催办")
    backend.send("13800000002", "第二条")
    lines = (tmp_path / "sms-outbox.log").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["phone"] for line in lines] == ["13800000001", "13800000002"]
    assert json.loads(lines[0])["text"] == "【督办】工单 1 被催办"


def test_the_default_backend_writes_the_outbox_file(
    p, now, phones, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.VAR_DIR = tmp_path
    settings.DUBAN_SMS_BACKEND = "duban.notifications.gateways.FileBackend"
    with django_capture_on_commit_callbacks(execute=True):
        urge(p, now)
    [line] = (tmp_path / "sms-outbox.log").read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["phone"] == phones.binhu
