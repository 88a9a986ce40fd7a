"""Each ticket event that concerns a unit notifies that unit's handlers and head — never
the actor, never another unit — in one bulk write."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from duban.notifications.models import Notice, NoticeKind, SmsMessage
from duban.notifications.services import on_ticket_event
from duban.notifications.services.notices import Plan, notify
from duban.org.services import user_create
from duban.testing import factories as f
from duban.tickets import services as s
from duban.tickets.models import TicketEvent

pytestmark = pytest.mark.django_db


def told(kind: str | None = None, ticket=None) -> dict[str, str]:
    """username → notice text."""
    qs = Notice.objects.all()
    if kind is not None:
        qs = qs.filter(kind=kind)
    if ticket is not None:
        qs = qs.filter(ticket=ticket)
    return dict(qs.values_list("recipient__username", "text"))


def test_a_dispatch_tells_the_new_units_handlers_and_head(p, now):
    t = f.dispatched(p=p, now=now)
    notices = told(NoticeKind.DISPATCH)
    assert set(notices) == {"binhu_handler", "binhu_head"}
    text = notices["binhu_handler"]
    assert t.number in text and "已派至滨湖街道" in text and "前签收" in text
    # Not the operator who dispatched, not the village below, not the other street.
    assert Notice.objects.count() == 2
    assert Notice.objects.filter(ticket=t, created_at=now + timedelta(minutes=5)).count() == 2
    assert not SmsMessage.objects.exists()  # not urgent


def test_co_units_are_told_to_help(p, now):
    t = f.registered(actor=p.operator, now=now)
    s.ticket_dispatch(
        ticket=t, actor=p.dispatcher, now=now, unit=p.district.binhu, co_units=[p.district.housing]
    )
    assert told(NoticeKind.CO_DISPATCH) == {
        "housing_handler": f"工单 {t.number}「{t.title}」由滨湖街道主办，请贵单位协办并反馈。"
    }
    assert set(told(NoticeKind.DISPATCH)) == {"binhu_handler", "binhu_head"}


def test_an_urgent_dispatch_also_texts_the_units_phone_once(p, now, phones):
    t = f.dispatched(p=p, now=now, urgency="urgent")
    assert told(NoticeKind.DISPATCH)["binhu_head"].startswith("【紧急】")
    sms = list(SmsMessage.objects.values_list("phone", "text", "status", "ticket_id"))
    # Handler and head share the duty phone: one message.
    assert sms == [
        (phones.binhu, sms[0][1], "queued", t.pk),
    ]
    assert sms[0][1].startswith("【督办】紧急工单 " + t.number) and t.title not in sms[0][1]


def test_an_urge_tells_the_primary_unit_and_texts_it(p, now, phones):
    t = f.accepted(p=p, now=now)
    Notice.objects.all().delete()
    s.ticket_urge(ticket=t, actor=p.supervisor, now=now + timedelta(days=1), note="群众反映强烈")
    notices = told(NoticeKind.URGE)
    assert set(notices) == {"binhu_handler", "binhu_head"}
    assert "被催办（第 1 次）：群众反映强烈" in notices["binhu_head"]
    assert list(SmsMessage.objects.values_list("phone", flat=True)) == [phones.binhu]


def test_a_sub_dispatch_tells_the_child_unit(p, now):
    t = f.accepted(p=p, now=now)
    s.ticket_sub_dispatch(
        ticket=t, actor=p.street_handler, now=now + timedelta(hours=1), unit=p.district.dongliu
    )
    assert told(NoticeKind.SUB_DISPATCH) == {
        "dongliu_handler": f"工单 {t.number}「{t.title}」已由滨湖街道下派至东留村，请办理并反馈。"
    }


@pytest.mark.parametrize("approve", [True, False])
def test_a_return_ruling_tells_the_unit_that_asked(p, now, approve):
    t = f.in_state("return_pending", p=p, now=now)
    Notice.objects.all().delete()
    later = now + timedelta(hours=2)
    if approve:
        s.ticket_approve_return(ticket=t, actor=p.dispatcher, now=later, note="改派住建局")
        kind, words = NoticeKind.RETURN_APPROVED, "退单申请已同意"
    else:
        s.ticket_reject_return(ticket=t, actor=p.dispatcher, now=later, reason="属地管理，请办理")
        kind, words = NoticeKind.RETURN_REJECTED, "退单申请被驳回：属地管理，请办理"
    notices = told(kind)
    # The clerk who asked hears the ruling too: the actor is the dispatcher.
    assert set(notices) == {"binhu_handler", "binhu_head"}
    assert words in notices["binhu_handler"]
    assert Notice.objects.count() == 2


def test_a_rejected_review_tells_the_primary_unit(p, now):
    t = f.replied(p=p, now=now)
    Notice.objects.all().delete()
    s.ticket_review_reject(
        ticket=t, actor=p.dispatcher, now=now + timedelta(days=2), reason="答复未说明维修时间"
    )
    notices = told(NoticeKind.REVIEW_REJECTED)
    assert set(notices) == {"binhu_handler", "binhu_head"}
    assert "答复审核未通过：答复未说明维修时间" in notices["binhu_handler"]


def test_a_reassignment_tells_the_new_unit_only(p, now):
    t = f.accepted(p=p, now=now)
    Notice.objects.all().delete()
    s.ticket_reassign(
        ticket=t,
        actor=p.dispatcher,
        now=now + timedelta(hours=2),
        unit=p.district.hubin,
        reason="属地有误",
    )
    assert set(told(NoticeKind.REASSIGN)) == {"hubin_handler"}
    assert "已改派至湖滨路街道" in told()["hubin_handler"]
    assert Notice.objects.count() == 1


def test_a_reopen_tells_the_primary_unit(p, now):
    t = f.in_state("reopened", p=p, now=now)
    assert "已重办：仍未解决" in told(NoticeKind.REOPENED, ticket=t)["binhu_handler"]


def test_a_callback_that_reopens_tells_the_primary_unit(p, now):
    t = f.reviewed(p=p, now=now)
    s.ticket_callback(
        ticket=t,
        actor=p.dispatcher,
        now=now + timedelta(days=2),
        reached=True,
        resolved=False,
        satisfaction="unsatisfied",
        note="路灯仍不亮",
        reopen=True,
    )
    assert "已重办：路灯仍不亮" in told(NoticeKind.REOPENED)["binhu_head"]


def test_the_engines_own_dispatch_tells_everyone_of_the_unit(p, now):
    t = f.registered(actor=p.operator, now=now)
    s.ticket_dispatch(ticket=t, actor=None, now=now, unit=p.district.binhu, auto=True)
    assert set(told(NoticeKind.DISPATCH)) == {"binhu_handler", "binhu_head"}


def test_events_that_concern_no_unit_notify_nobody(p, now):
    f.closed(p=p, now=now)  # register, dispatch, accept, contact, reply, review, call-back
    assert set(Notice.objects.values_list("kind", flat=True)) == {NoticeKind.DISPATCH}


def test_the_actor_is_never_notified(p, now, phones):
    t = f.dispatched(p=p, now=now, urgency="urgent")
    Notice.objects.all().delete()
    SmsMessage.objects.all().delete()
    plans = [Plan(NoticeKind.URGE, (p.district.binhu.pk,), "催办", sms="【督办】催办")]
    assert notify(plans=[(t.pk, plans)], actor=p.street_head, now=now) == 1
    assert set(told()) == {"binhu_handler"}
    # The shared duty phone is still texted: the handler holds it too.
    assert SmsMessage.objects.count() == 1


def test_inactive_staff_and_other_roles_of_the_unit_are_not_told(p, now):
    p.street_head.is_active = False
    p.street_head.save(update_fields=["is_active"])
    user_create(username="binhu_reporter", role="project_reporter", unit=p.district.binhu)
    f.dispatched(p=p, now=now)
    assert set(told()) == {"binhu_handler"}


def _dispatch_event_queries(p, now) -> int:
    t = f.registered(actor=p.operator, now=now)
    t = s.ticket_dispatch(ticket=t, actor=p.operator, now=now, unit=p.district.binhu)
    event = TicketEvent.objects.get(ticket=t, type="dispatch")
    with CaptureQueriesContext(connection) as ctx:
        on_ticket_event(ticket=t, event=event, actor=p.operator, now=now)
    return len(ctx.captured_queries)


def test_the_observer_runs_a_fixed_number_of_queries(p, now, phones):
    few = _dispatch_event_queries(p, now)
    for i in range(8):
        user_create(
            username=f"binhu_extra{i}",
            role="handler",
            unit=p.district.binhu,
            phone=f"1370000000{i}",
        )
    many = _dispatch_event_queries(p, now)
    assert few == many == 2  # the unit's staff, one bulk insert of notices


def test_an_urgent_event_adds_one_insert_for_its_sms(p, now, phones, django_assert_num_queries):
    t = f.dispatched(p=p, now=now, urgency="urgent")
    event = TicketEvent.objects.get(ticket=t, type="dispatch")
    for i in range(5):
        user_create(
            username=f"binhu_extra{i}",
            role="handler",
            unit=p.district.binhu,
            phone=f"1370000000{i}",
        )
    with django_assert_num_queries(3):  # staff, notices, SMS (sending waits for the commit)
        on_ticket_event(ticket=t, event=event, actor=p.operator, now=now)


def test_other_events_cost_no_query(p, now, django_assert_num_queries):
    t = f.accepted(p=p, now=now)
    event = TicketEvent.objects.get(ticket=t, type="accept")
    with django_assert_num_queries(0):
        on_ticket_event(ticket=t, event=event, actor=p.street_handler, now=now)
