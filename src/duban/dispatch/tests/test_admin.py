"""The admin of smart dispatch: settings row, knowledge entries, the catalogue."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.utils import timezone

from duban.dispatch.models import DispatchSettings, KnowledgeEntry
from duban.tickets.models import Category

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/admin/dispatch/dispatchsettings/",
        "/admin/dispatch/knowledgeentry/",
        "/admin/dispatch/knowledgeentry/add/",
        "/admin/tickets/category/",
    ],
)
def test_pages_render(admin_client, path: str) -> None:
    assert admin_client.get(path).status_code == 200


def test_saving_a_knowledge_entry_stamps_it(admin_client) -> None:
    old = datetime(2020, 1, 1, tzinfo=timezone.get_current_timezone())
    entry = KnowledgeEntry.objects.create(
        question="公租房怎么申请", answer="到街道办", updated_at=old
    )
    response = admin_client.post(
        f"/admin/dispatch/knowledgeentry/{entry.pk}/change/",
        {
            "question": "公租房怎么申请",
            "answer": "携带身份证到街道便民服务中心",
            "keywords": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    entry.refresh_from_db()
    assert entry.answer == "携带身份证到街道便民服务中心"
    assert entry.updated_at > old  # the knowledge search reloads its index


def test_settings_row_cannot_be_added_twice_nor_deleted(admin_client) -> None:
    row = DispatchSettings.objects.first() or DispatchSettings.objects.create()
    assert admin_client.get("/admin/dispatch/dispatchsettings/add/").status_code == 403
    assert admin_client.get(f"/admin/dispatch/dispatchsettings/{row.pk}/delete/").status_code == 403


def test_categories_are_added_renamed_and_retired_never_deleted(admin_client) -> None:
    top = Category.objects.create(name="住房保障", level=1, full_name="住房保障")
    child = Category.objects.create(name="公租房", parent=top, level=2, full_name="住房保障/公租房")
    assert admin_client.get(f"/admin/tickets/category/{top.pk}/delete/").status_code == 403
    response = admin_client.post(
        "/admin/tickets/category/add/",
        {"name": "廉租房", "parent": top.pk, "territorial": "", "is_active": "on"},
    )
    assert response.status_code == 302, response.content[:2000]
    added = Category.objects.get(full_name="住房保障/廉租房")
    assert added.level == 2
    response = admin_client.post(
        f"/admin/tickets/category/{top.pk}/change/",
        {"name": "住房", "territorial": "", "default_unit": ""},  # is_active unticked
    )
    assert response.status_code == 302, response.content[:2000]
    top.refresh_from_db()
    child.refresh_from_db()
    assert (top.full_name, top.is_active) == ("住房", False)
    assert (child.full_name, child.level, child.is_active) == ("住房/公租房", 2, False)


def test_a_category_cannot_go_under_itself_nor_below_level_three(admin_client) -> None:
    a = Category.objects.create(name="甲", level=1, full_name="甲")
    b = Category.objects.create(name="乙", parent=a, level=2, full_name="甲/乙")
    c = Category.objects.create(name="丙", parent=b, level=3, full_name="甲/乙/丙")
    response = admin_client.post(
        f"/admin/tickets/category/{a.pk}/change/",
        {"name": "甲", "parent": b.pk, "is_active": "on"},
    )
    assert "不能把分类移到它自己或它的下级之下" in response.content.decode()
    response = admin_client.post(
        "/admin/tickets/category/add/", {"name": "丁", "parent": c.pk, "is_active": "on"}
    )
    assert "分类目录最多三级" in response.content.decode()


def test_settings_are_validated_and_audited(admin_client) -> None:
    from django.contrib.admin.models import LogEntry

    row = DispatchSettings.objects.first() or DispatchSettings.objects.create()
    data = {
        "auto_dispatch": "on",
        "auto_threshold": "0.3",
        "duplicate_window_days": "30",
        "duplicate_threshold": "0.4",
    }
    data |= {
        f.name: getattr(row, f.name)
        for f in DispatchSettings._meta.fields
        if f.name not in data and f.name != "id"
    }
    response = admin_client.post(f"/admin/dispatch/dispatchsettings/{row.pk}/change/", data)
    assert "自动派单置信度阈值应在 0.5 到 1.0 之间" in response.content.decode()
    data["auto_threshold"] = "0.95"
    response = admin_client.post(f"/admin/dispatch/dispatchsettings/{row.pk}/change/", data)
    assert response.status_code == 302, response.content[:2000]
    row.refresh_from_db()
    assert row.auto_dispatch and row.auto_threshold == 0.95
    assert "自动派单置信度阈值" in LogEntry.objects.get(object_id=str(row.pk)).change_message


def test_knowledge_questions_are_unique(admin_client) -> None:
    KnowledgeEntry.objects.create(
        question="社保卡怎么补办", answer="带身份证", updated_at=timezone.now()
    )
    response = admin_client.post(
        "/admin/dispatch/knowledgeentry/add/",
        {"question": "社保卡怎么补办", "answer": "另一个答复", "keywords": "", "is_active": "on"},
    )
    assert "知识库中已有相同的问题" in response.content.decode()
