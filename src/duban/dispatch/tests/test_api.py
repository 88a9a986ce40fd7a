"""Smart-dispatch endpoints: duplicates of a ticket, knowledge search, hot-spots."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from duban.dispatch.models import KnowledgeEntry
from duban.testing import factories as f
from duban.testing.api import client_for

pytestmark = pytest.mark.django_db


def test_duplicates_endpoint_lists_near_duplicates_and_hides_other_streets(p):
    now = timezone.now() - timedelta(hours=1)
    first = f.registered(
        actor=p.operator,
        now=now,
        title="东留村路灯不亮",
        content="东留村主街路灯已经坏了一周，晚上出行不便，请尽快维修。",
    )
    again = f.registered(
        actor=p.operator,
        now=now + timedelta(minutes=5),
        title="东留村路灯坏了",
        content="东留村主街的路灯坏了一周了，晚上出行很不方便，请尽快维修",
    )
    data = client_for(p.operator).get(f"/tickets/{again.number}/duplicates").json()
    assert [d["number"] for d in data["duplicates"]] == [first.number]
    assert (
        client_for(p.other_street_handler).get(f"/tickets/{again.number}/duplicates").status_code
        == 404
    )


def test_knowledge_search_endpoint(p):
    KnowledgeEntry.objects.create(
        question="如何补办社会保障卡",
        answer="携带身份证到社保窗口办理。",
        keywords="社保卡 补办",
        updated_at=timezone.now(),
    )
    client = client_for(p.operator)
    hits = client.get("/knowledge?q=社保卡补办").json()
    assert hits[0]["question"] == "如何补办社会保障卡"
    assert client.get("/knowledge").status_code == 422
    assert client.get("/knowledge?q=" + "长" * 300).status_code == 422


def test_hotspots_endpoint_clusters_similar_appeals(p):
    now = timezone.now() - timedelta(days=1)
    for i in range(6):
        f.registered(
            actor=p.operator,
            now=now + timedelta(hours=i),
            title=f"东留村垃圾无人清运{i}",
            content="东留村垃圾堆积多日无人清运，气味难闻，请尽快处理。",
            caller_phone=f"1370000000{i}",
        )
    for i in range(3):
        f.registered(
            actor=p.operator,
            now=now + timedelta(hours=i),
            title=f"社保卡补办{i}",
            content=f"第{i}位市民咨询社保卡补办流程和所需材料",
            caller_phone=f"1360000000{i}",
        )
    spots = client_for(p.operator).get("/hotspots?top=3").json()
    assert (
        spots
        and spots[0]["volume"] >= 5
        and "垃圾" in spots[0]["label"] + " ".join(spots[0]["keywords"])
    )
    bad = client_for(p.operator).get(
        "/hotspots?since=2025-01-01T00:00:00&until=2020-01-01T00:00:00"
    )
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_input"
