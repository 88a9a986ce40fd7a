"""Two senders at once on PostgreSQL: disjoint claims (FOR UPDATE SKIP LOCKED) and every
message handed to the gateway exactly once."""

from __future__ import annotations

import threading
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction

from duban.notifications.models import SmsMessage, SmsStatus
from duban.notifications.services import sms_send
from duban.notifications.services.sms import _claim

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

NOW = datetime(2025, 3, 4, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def queue(n: int) -> list[int]:
    SmsMessage.objects.bulk_create(
        SmsMessage(phone=f"1380000{i:04d}", text=f"第 {i} 条", created_at=NOW, next_attempt_at=NOW)
        for i in range(n)
    )
    return list(SmsMessage.objects.order_by("pk").values_list("pk", flat=True))


class SlowGateway:
    def __init__(self) -> None:
        self.sent: list[str] = []
        self.lock = threading.Lock()

    def send(self, phone: str, text: str) -> None:
        time.sleep(0.005)
        with self.lock:
            self.sent.append(phone)


def in_thread(target, errors: list[BaseException]):
    def run() -> None:
        try:
            target()
        except BaseException as exc:  # surfaced by the test
            errors.append(exc)
        finally:
            connection.close()

    return threading.Thread(target=run)


def test_a_second_sender_skips_the_rows_another_holds():
    queue(10)
    held, done = threading.Event(), threading.Event()
    claims: dict[str, list[int]] = {}
    errors: list[BaseException] = []

    def first() -> None:
        with transaction.atomic():  # the claim's lock is held until this commits
            claims["first"] = [m.pk for m in _claim(now=NOW, ids=None, batch=5)]
            held.set()
            assert done.wait(10), "the second sender blocked on the first one's rows"

    def second() -> None:
        assert held.wait(10)
        claims["second"] = [m.pk for m in _claim(now=NOW, ids=None, batch=5)]
        done.set()

    threads = [in_thread(first, errors), in_thread(second, errors)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert errors == []
    assert len(claims["first"]) == len(claims["second"]) == 5
    assert set(claims["first"]).isdisjoint(claims["second"])


def test_two_senders_send_every_message_exactly_once():
    ids = queue(60)
    gateway = SlowGateway()
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def sender() -> None:
        start.wait(10)
        sms_send(now=NOW, batch=7, backend=gateway)

    threads = [in_thread(sender, errors), in_thread(sender, errors)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sorted(gateway.sent) == sorted(f"1380000{i:04d}" for i in range(60))
    rows = SmsMessage.objects.filter(pk__in=ids)
    assert set(rows.values_list("status", "attempts")) == {(SmsStatus.SENT, 1)}


def test_the_after_commit_send_and_the_command_do_not_both_send():
    ids = queue(30)
    gateway = SlowGateway()
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def after_commit() -> None:
        start.wait(10)
        sms_send(now=NOW, ids=ids, backend=gateway)

    def command() -> None:
        start.wait(10)
        sms_send(now=NOW, batch=4, backend=gateway)

    threads = [in_thread(after_commit, errors), in_thread(command, errors)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert len(gateway.sent) == 30 and len(set(gateway.sent)) == 30
