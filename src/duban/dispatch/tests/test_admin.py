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


def test_categories_are_retired_not_added_or_renamed(admin_client) -> None:
    category = Category.objects.create(name="住房保障", level=1, full_name="住房保障")
    assert admin_client.get("/admin/tickets/category/add/").status_code == 403
    assert admin_client.get(f"/admin/tickets/category/{category.pk}/delete/").status_code == 403
    response = admin_client.post(
        f"/admin/tickets/category/{category.pk}/change/",
        {"name": "改名", "territorial": "", "default_unit": ""},  # is_active unticked
    )
    assert response.status_code == 302, response.content[:2000]
    category.refresh_from_db()
    assert category.name == "住房保障" and not category.is_active
