"""The grid worker's page: report with a photo, own tasks and their actions, landing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from duban.org.services import unit_create
from duban.testing import factories as f
from duban.testing.personas import make_user
from duban.tickets import services as s
from duban.tickets.models import Attachment, Ticket

pytestmark = pytest.mark.django_db

URL = "/desk/grid/"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


@pytest.fixture
def grid_unit(p):
    return unit_create(
        code="t-dongliu-g1", name="东留村第一网格", kind="grid", parent=p.district.dongliu
    )


@pytest.fixture
def grid_worker(grid_unit):
    return make_user("grid_worker", "handler", grid_unit)


def _report(client, **overrides):
    data = {
        "place": "东留村村委会东侧",
        "description": "村委会东侧下水道井盖缺失，有安全隐患。",
        "appeal_type": "help",
        "idempotency_key": "g-1",
    }
    data.update(overrides)
    return client.post(URL, data)


def test_grid_page_renders_for_a_grid_worker_only(p, client_for, grid_worker):
    page = client_for(grid_worker).get(URL).content.decode()
    assert "上报问题" in page and 'capture="environment"' in page and 'accept="image/*"' in page
    assert "我的任务" in page and 'name="viewport"' in page
    assert client_for(p.street_handler).get(URL).status_code == 403
    assert client_for(p.operator).get(URL).status_code == 403


def test_grid_worker_lands_on_the_grid_page(p, grid_worker):
    from duban.web.nav import home_url

    assert home_url(grid_worker) == URL
    assert home_url(p.street_handler) == "/desk/inbox/"
    assert home_url("handler") == "/desk/inbox/"


def test_report_without_photo_registers_a_grid_ticket(p, client_for, grid_worker):
    client = client_for(grid_worker)
    response = _report(client)
    assert response.status_code == 302
    t = Ticket.objects.get()
    assert t.channel == "grid" and t.registered_by == grid_worker and t.state == "registered"
    assert t.location == "东留村村委会东侧" and t.title.startswith("村委会东侧下水道井盖缺失")
    page = client.get(URL).content.decode()
    assert f"已上报，工单编号 {t.number}" in page


def test_report_with_a_photo_stores_the_attachment(p, client_for, grid_worker):
    photo = SimpleUploadedFile("well.png", PNG, content_type="image/png")
    response = _report(client_for(grid_worker), photo=photo)
    assert response.status_code == 302, re.findall(
        r"notice bad.*?</div>", response.content.decode(), re.S
    )
    t = Ticket.objects.get()
    assert t.channel == "grid"
    (a,) = Attachment.objects.filter(ticket=t)
    assert a.content_type == "image/png" and a.uploaded_by == grid_worker
    assert t.events.filter(type="attach").exists()


def test_report_with_a_non_image_is_refused_and_writes_nothing(p, client_for, grid_worker):
    bad = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")
    response = _report(client_for(grid_worker), photo=bad)
    assert response.status_code == 422 and "文件内容与类型不符" in response.content.decode()
    assert Ticket.objects.count() == 0


def test_report_needs_place_and_description(p, client_for, grid_worker):
    response = _report(client_for(grid_worker), place="", description="")
    page = response.content.decode()
    assert response.status_code == 422 and "请填写地点" in page and "请描述发现的问题" in page
    assert Ticket.objects.count() == 0


def test_double_report_makes_one_ticket(p, client_for, grid_worker):
    client = client_for(grid_worker)
    _report(client, idempotency_key="same")
    _report(client, idempotency_key="same")
    assert Ticket.objects.count() == 1


def _tasks(p, grid_unit, recent):
    mine = f.dispatched(p=p, now=recent, unit=grid_unit)
    sub = f.accepted(p=p, now=recent)
    sub = s.ticket_sub_dispatch(
        ticket=sub,
        actor=p.street_handler,
        now=recent + timedelta(hours=1),
        unit=grid_unit,
    )
    village = f.accepted(p=p, now=recent)
    village = s.ticket_sub_dispatch(
        ticket=village,
        actor=p.street_handler,
        now=recent + timedelta(hours=1),
        unit=p.district.dongliu,
    )
    street = f.dispatched(p=p, now=recent)
    return mine, sub, village, street


def test_grid_worker_sees_only_own_tasks_with_their_actions(
    p, client_for, grid_worker, grid_unit, recent
):
    mine, sub, village, street = _tasks(p, grid_unit, recent)
    page = client_for(grid_worker).get(URL).content.decode()
    assert mine.number in page and sub.number in page
    assert village.number not in page and street.number not in page
    assert f"/tickets/{mine.number}/act/accept/" in page
    assert f"/desk/grid/{sub.number}/part/" in page
    assert f"/tickets/{sub.number}/act/reply/" not in page


def test_grid_worker_accepts_through_the_ticket_action(
    p, client_for, grid_worker, grid_unit, recent
):
    mine = f.dispatched(p=p, now=recent, unit=grid_unit)
    response = client_for(grid_worker).post(
        f"/tickets/{mine.number}/act/accept/", {"expected_version": mine.version}
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.state == "accepted"


def test_grid_worker_submits_its_part(p, client_for, grid_worker, grid_unit, recent):
    _, sub, _, _ = _tasks(p, grid_unit, recent)
    client = client_for(grid_worker)
    response = client.post(
        f"/desk/grid/{sub.number}/part/",
        {"expected_version": sub.version, "text": "井盖已补装，现场已拍照。"},
    )
    assert response.status_code == 302
    event = sub.events.order_by("-seq").first()
    assert event.type == "submit_part" and event.payload["text"] == "井盖已补装，现场已拍照。"
    assert "办理情况已上报" in client.get(URL).content.decode()


def test_part_of_an_invisible_ticket_is_404(p, client_for, grid_worker, recent):
    street = f.dispatched(p=p, now=recent)
    response = client_for(grid_worker).post(
        f"/desk/grid/{street.number}/part/", {"expected_version": 1, "text": "x"}
    )
    assert response.status_code == 404


@pytest.mark.parametrize("rows", [1, 6])
def test_task_list_query_count_is_fixed(
    p, client_for, grid_worker, grid_unit, recent, django_assert_max_num_queries, rows
):
    for _ in range(rows):
        f.dispatched(p=p, now=recent, unit=grid_unit)
    client = client_for(grid_worker)
    with django_assert_max_num_queries(6):
        page = client.get(URL).content.decode()
    assert page.count('class="card ticket task') == rows


def test_grid_page_is_phone_sized(p, client_for, grid_worker):
    page = client_for(grid_worker).get(URL).content.decode()
    assert "max-width:640px" in page and "font-size:16px" in page
