"""Intake intelligence on live tickets: routing, duplicates, repeat callers, knowledge, auto-dispatch."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from duban.dispatch.classifier import save_model, train_from_pairs
from duban.dispatch.models import DispatchSettings, KnowledgeEntry
from duban.dispatch.routing import build_place_index
from duban.dispatch.selectors import model_path, ticket_training_pairs
from duban.org.models import User
from duban.testing import factories as f
from duban.tickets import services as s
from duban.tickets.models import Category

pytestmark = pytest.mark.django_db


def test_place_index_routes_village_to_its_street(p):
    index = build_place_index()
    best = index.match("东留村主街路灯不亮")[0]
    assert (best.street_name, best.unit_name) == ("滨湖街道", "东留村")
    assert index.match("建业社区门口垃圾堆积")[0].street_name == "湖滨路街道"
    assert index.match("社保卡怎么补办") == []


def test_new_ticket_gets_territorial_suggestion_and_event(p, now):
    t = f.registered(
        actor=p.operator, now=now, title="路灯不亮", content="东留村主街路灯坏了一周。", location=""
    )
    units = t.suggestions["units"]
    assert units[0]["unit_id"] == p.district.binhu.pk and units[0]["source"] == "place"
    assert units[0]["sub_unit_id"] == p.district.dongliu.pk
    assert t.events.filter(type="suggest").count() == 1


def test_category_with_default_unit_suggests_that_unit(p, now):
    cat = Category.objects.create(
        name="住房保障", level=1, full_name="住房保障", default_unit=p.district.housing
    )
    t = f.registered(
        actor=p.operator,
        now=now,
        category_id=cat.pk,
        title="公租房申请",
        content="想申请公租房",
        location="",
    )
    assert t.suggestions["units"][0]["unit_id"] == p.district.housing.pk


def test_near_duplicate_and_repeat_caller_are_flagged(p, now):
    first = f.registered(
        actor=p.operator,
        now=now,
        title="东留村路灯不亮",
        content="东留村主街路灯已经坏了一周，晚上出行不便，请尽快维修。",
        caller_phone="13800000001",
    )
    f.registered(
        actor=p.operator,
        now=now,
        title="社保卡补办",
        content="请问社保卡丢了怎么补办，需要带什么材料",
        caller_phone="13800000002",
    )
    again = f.registered(
        actor=p.operator,
        now=now + timedelta(days=2),
        title="东留村路灯坏了",
        content="东留村主街的路灯坏了一周了，晚上出行很不方便，请尽快维修",
        caller_phone="13800000001",
    )
    dups = again.suggestions["duplicates"]
    assert [d["number"] for d in dups] == [first.number]
    assert 0.3 < dups[0]["similarity"] < 1
    assert again.suggestions["repeat_caller"] == {"count": 1, "numbers": [first.number]}
    # One click merges the duplicate into its master.
    merged = s.ticket_merge(
        ticket=again, actor=p.operator, now=now + timedelta(days=2), master=first
    )
    assert merged.state == "merged"


def test_duplicates_outside_the_window_are_ignored(p, now):
    f.registered(
        actor=p.operator,
        now=now,
        title="东留村路灯不亮",
        content="东留村主街路灯已经坏了一周，请尽快维修。",
    )
    later = f.registered(
        actor=p.operator,
        now=now + timedelta(days=45),
        title="东留村路灯不亮",
        content="东留村主街路灯已经坏了一周，请尽快维修。",
    )
    assert later.suggestions["duplicates"] == []


def test_in_a_mass_event_the_look_up_reads_the_newest_calls_of_each_key(p, now, monkeypatch):
    """A blackout brings thousands of identical calls: each key reads only its newest
    ``PER_KEY`` tickets, so a call's look-up does not grow with the event."""
    monkeypatch.setattr("duban.dispatch.intake.PER_KEY", 3)
    text = "东留村全村停电两个小时了，冰箱里的东西都要坏了，请尽快恢复供电。"
    calls = [
        f.registered(
            actor=p.operator, now=now + timedelta(minutes=i), title="东留村停电", content=text
        )
        for i in range(5)
    ]
    latest = f.registered(
        actor=p.operator, now=now + timedelta(minutes=5), title="东留村停电", content=text
    )
    found = {d["number"] for d in latest.suggestions["duplicates"]}
    assert found == {t.number for t in calls[-3:]}


def test_consultation_gets_knowledge_answers(p, now):
    KnowledgeEntry.objects.create(
        question="如何补办社会保障卡",
        answer="携带身份证到社保窗口办理。",
        keywords="社保卡 补办 挂失",
        updated_at=now,
    )
    KnowledgeEntry.objects.create(
        question="过期条目 社保卡补办",
        answer="旧口径",
        valid_until=date(2020, 1, 1),
        updated_at=now,
    )
    t = f.registered(
        actor=p.operator,
        now=now,
        appeal_type="consultation",
        title="社保卡补办",
        content="我的社保卡丢了，怎么补办？",
        location="",
    )
    assert [k["question"] for k in t.suggestions["knowledge"]] == ["如何补办社会保障卡"]


def _train_unit_model(p, now):
    texts, labels = [], []
    for i in range(40):
        texts.append(f"东留村路灯不亮 第{i}次 晚上很黑 请维修路灯")
        labels.append(p.district.binhu.code)
        texts.append(f"公租房 保障房 申请 第{i}次 住房补贴 怎么办理")
        labels.append(p.district.housing.code)
    model = train_from_pairs(texts, labels)
    save_model(model, model_path())


def test_model_labels_resolve_to_units_categories_or_nothing_in_two_queries(p, now):
    """A model's labels name a unit (its code), a category (full name, or a level-1 name) or
    nothing known; all of them are resolved at once, in the model's order."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from duban.dispatch.intake import _resolve_labels

    housing = Category.objects.create(
        name="住房保障", level=1, full_name="住房保障", default_unit=p.district.housing
    )
    child = Category.objects.create(
        name="公租房", level=2, full_name="住房保障/公租房", parent=housing
    )
    ranked = [
        ("住房保障/公租房", 0.5),
        (p.district.binhu.code, 0.3),
        ("住房保障", 0.15),
        ("没有这个标签", 0.05),
    ]
    with CaptureQueriesContext(connection) as queries:
        out = _resolve_labels(ranked, [])
    assert len(queries) == 2
    assert [(e["label"], e["unit_id"], e.get("category_id")) for e in out] == [
        ("住房保障/公租房", None, child.pk),
        (p.district.binhu.code, p.district.binhu.pk, None),
        ("住房保障", p.district.housing.pk, housing.pk),
        ("没有这个标签", None, None),
    ]
    assert [e["confidence"] for e in out] == [0.5, 0.3, 0.15, 0.05]


def test_auto_dispatch_above_threshold_and_correction_recorded(p, now):
    _train_unit_model(p, now)
    DispatchSettings.objects.update_or_create(
        defaults={"auto_dispatch": True, "auto_threshold": 0.8}
    )
    t = f.registered(
        actor=p.operator,
        now=now,
        title="公租房申请",
        content="想申请公租房保障房，住房补贴怎么办理",
        location="",
    )
    assert t.suggestions["units"][0]["unit_id"] == p.district.housing.pk
    t.refresh_from_db()
    assert t.state == "dispatched" and t.primary_unit == p.district.housing
    dispatch = t.events.get(type="dispatch")
    # The engine dispatches in its own name: no user acts, no robot account exists.
    assert dispatch.payload["auto"] is True and dispatch.actor is None
    assert not User.objects.filter(username="auto_dispatch").exists()
    # Below the threshold nothing is dispatched; a correction is recorded on dispatch.
    DispatchSettings.objects.update(auto_threshold=1.01)
    manual = f.registered(
        actor=p.operator, now=now, title="公租房申请", content="公租房保障房申请", location=""
    )
    assert manual.state == "registered"
    manual = s.ticket_dispatch(ticket=manual, actor=p.operator, now=now, unit=p.district.binhu)
    event = manual.events.get(type="dispatch")
    assert (
        event.payload["suggested_unit"] == p.district.housing.pk
        and event.payload["corrected"] is True
    )
    model_path().unlink()


def test_training_pairs_use_the_final_unit_of_closed_tickets(p, now):
    f.closed(p=p, now=now)
    f.accepted(p=p, now=now)
    texts, labels = ticket_training_pairs()
    assert labels == [p.district.binhu.code] and "路灯" in texts[0]


def test_train_from_tickets_command_installs_a_model_that_suggests_units(p, now):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="not enough closed tickets"):
        call_command("dispatch", "train", "--from-tickets")
    for i in range(12):
        f.closed(p=p, now=now, title=f"东留村路灯不亮{i}", content="东留村路灯坏了请维修")
        t = f.registered(
            actor=p.operator,
            now=now,
            title=f"公租房申请{i}",
            content="公租房保障房申请怎么办理",
            location="",
        )
        t = s.ticket_dispatch(ticket=t, actor=p.operator, now=now, unit=p.district.housing)
        t = s.ticket_accept(ticket=t, actor=p.dept_handler, now=now)
        t = s.ticket_reply(
            ticket=t, actor=p.dept_handler, now=now, result="explained", text="已解答"
        )
        t = s.ticket_review_pass(ticket=t, actor=p.dispatcher, now=now)
        s.ticket_callback(
            ticket=t,
            actor=p.dispatcher,
            now=now,
            reached=True,
            resolved=True,
            satisfaction="satisfied",
        )
    call_command("dispatch", "train", "--from-tickets")
    assert model_path().is_file()
    t = f.registered(actor=p.operator, now=now, title="公租房", content="想申请公租房", location="")
    top = t.suggestions["units"][0]
    assert (
        top["source"] == "model"
        and top["unit_id"] == p.district.housing.pk
        and top["confidence"] > 0.5
    )
    model_path().unlink()
