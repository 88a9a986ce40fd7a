"""The intake desk's category, channel and files, the preselect threshold, and duplicates
while typing (a caller ringing again about the same matter in other words)."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from duban.dispatch.models import DispatchSettings
from duban.testing import factories as f
from duban.tickets.errors import InvalidInput
from duban.tickets.models import Attachment, Category, Ticket, TicketEvent
from duban.tickets.services import ticket_register_and_route
from duban.web.intake_forms import IntakeForm, required_inputs

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
URL = "/desk/intake/"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"0" * 64


def _png(name: str = "现场.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def _pdf(name: str = "材料.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _form(p, **overrides):
    data = {
        "caller_phone": "13912345678",
        "caller_name": "李四",
        "appeal_type": "complaint",
        "title": "",
        "content": "东留村南头的路灯坏了一个星期，晚上太黑，请派人维修。",
        "location": "东留村",
        "unit": str(p.district.binhu.pk),
        "answer": "",
        "route": "dispatch",
        "idempotency_key": "k-1",
    }
    data.update(overrides)
    return data


def _types(t: Ticket) -> list[str]:
    return list(TicketEvent.objects.filter(ticket=t).order_by("seq").values_list("type", flat=True))


@pytest.fixture
def catalogue() -> SimpleNamespace:
    top = Category.objects.create(name="城乡建设", level=1, full_name="城乡建设")
    road = Category.objects.create(
        name="市政设施", parent=top, level=2, full_name="城乡建设 › 市政设施"
    )
    lamp = Category.objects.create(
        name="路灯",
        parent=road,
        level=3,
        full_name="城乡建设 › 市政设施 › 路灯",
        default_unit=None,
    )
    retired = Category.objects.create(name="旧分类", level=1, full_name="旧分类", is_active=False)
    return SimpleNamespace(top=top, road=road, lamp=lamp, retired=retired)


# -- 3. duplicates while typing -------------------------------------------------------------


def test_a_repeat_call_shows_the_earlier_ticket_while_typing(p, client_for):
    """The reproduction: register, then type the same caller and place with other words.

    The text alone (what the desk matched before) finds nothing: the two texts share no
    band key and their bigram Jaccard is under the threshold. The caller's phone, posted
    with the draft, finds the open ticket — already when only the phone is typed.
    """
    client = client_for(p.operator)
    assert client.post(URL, _form(p)).status_code == 302
    first = Ticket.objects.get()
    again = {
        "caller_phone": "139 1234 5678",
        "location": "东留村",
        "appeal_type": "complaint",
        "title": "",
        "content": "东留村南头路灯还是不亮，晚上太黑了",
    }
    text_only = client.post(URL + "suggest/", {"content": again["content"]}, **HX)
    assert first.number not in text_only.content.decode()
    page = client.post(URL + "suggest/", again, **HX).content.decode()
    assert first.number in page and "疑似重复件" in page
    assert "同一来电人" in page and "同一地点" in page
    phone_only = client.post(URL + "suggest/", {"caller_phone": "13912345678"}, **HX)
    assert first.number in phone_only.content.decode()
    assert Ticket.objects.count() == 1  # nothing written while typing


def test_the_phone_and_category_fields_post_the_draft(p, client_for):
    page = client_for(p.operator).get(URL).content.decode()
    trigger = re.search(r'hx-trigger="([^"]*from:\.suggest-source[^"]*)"', page)
    assert trigger is not None
    for name in ("caller_phone", "appeal_type", "content", "location", "category"):
        tag = re.search(rf'<(?:input|select|textarea)[^>]*name="{name}"[^>]*>', page).group(0)
        assert "suggest-source" in tag, name


def test_a_different_callers_open_ticket_is_no_caller_candidate(p, client_for, recent):
    other = f.registered(actor=p.operator, now=recent, caller_phone="13700000000")
    page = client_for(p.operator).post(
        URL + "suggest/", {"caller_phone": "13912345678", "content": "完全不同的事情：噪音扰民"}
    )
    assert other.number not in page.content.decode()


# -- 1. category, channel, attachments ------------------------------------------------------


def test_register_with_category_channel_and_files_in_one_transaction(p, client_for, catalogue):
    response = client_for(p.operator).post(
        URL,
        _form(
            p,
            category=str(catalogue.lamp.pk),
            channel="walk_in",
            attachments=[_png(), _pdf()],
        ),
    )
    assert response.status_code == 302
    t = Ticket.objects.get()
    assert (t.state, t.category_id, t.channel) == ("dispatched", catalogue.lamp.pk, "walk_in")
    assert t.primary_unit == p.district.binhu
    assert sorted(t.attachments.values_list("name", "content_type")) == [
        ("材料.pdf", "application/pdf"),
        ("现场.png", "image/png"),
    ]
    assert _types(t) == ["register", "suggest", "attach", "attach", "dispatch"]
    register = t.events.get(type="register")
    assert register.payload["channel"] == "walk_in" and register.actor == p.operator


def test_files_with_a_direct_answer_are_stored_before_it_closes(p, client_for):
    client_for(p.operator).post(
        URL,
        _form(
            p,
            unit="",
            route="direct",
            appeal_type="consultation",
            answer="携带身份证到区政务服务中心办理。",
            attachments=[_png()],
        ),
    )
    t = Ticket.objects.get()
    assert t.state == "closed" and t.attachments.count() == 1
    assert _types(t) == ["register", "suggest", "attach", "direct_answer"]


def test_channel_defaults_to_phone(p, client_for):
    client_for(p.operator).post(URL, _form(p))
    assert Ticket.objects.get().channel == "phone"
    assert IntakeForm().fields["channel"].initial == "phone"


def test_a_double_submit_with_files_makes_one_ticket_with_its_files_once(p, client_for):
    client = client_for(p.operator)
    first = client.post(URL, _form(p, idempotency_key="same", attachments=[_png()]))
    second = client.post(URL, _form(p, idempotency_key="same", attachments=[_png()]))
    assert first["Location"] == second["Location"]
    t = Ticket.objects.get()
    assert t.attachments.count() == 1 and _types(t).count("dispatch") == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"category": "999999"}, "分类不存在或已停用"),
        ({"category": "RETIRED"}, "分类不存在或已停用"),
        ({"channel": "api"}, "来源渠道无效"),
        ({"channel": "nonsense"}, "来源渠道无效"),
        (
            {"attachments": [SimpleUploadedFile("a.txt", b"hello", content_type="text/plain")]},
            "只能上传图片或 PDF",
        ),
        (
            {
                "attachments": [
                    SimpleUploadedFile("假.png", b"GIF89a....", content_type="image/png")
                ]
            },
            "内容与文件类型不符",
        ),
        ({"attachments": [SimpleUploadedFile("空.png", b"", content_type="image/png")]}, "空文件"),
        ({"attachments": [_png(f"{i}.png") for i in range(10)]}, "附件最多 9 个"),
    ],
)
def test_bad_category_channel_or_files_are_422_in_chinese_and_write_nothing(
    p, client_for, catalogue, overrides, message
):
    if overrides.get("category") == "RETIRED":
        overrides["category"] = str(catalogue.retired.pk)
    response = client_for(p.operator).post(URL, _form(p, **overrides))
    page = response.content.decode()
    assert response.status_code == 422
    assert message in page and "未登记" in page
    assert Ticket.objects.count() == 0 and TicketEvent.objects.count() == 0
    assert Attachment.objects.count() == 0
    assert 'value="李四"' in page  # the typed input is kept


def test_an_oversized_file_is_refused(p, client_for, monkeypatch):
    monkeypatch.setattr("duban.tickets.forms.MAX_BYTES", 32)
    response = client_for(p.operator).post(URL, _form(p, attachments=[_png()]))
    assert response.status_code == 422 and "超过" in response.content.decode()
    assert Ticket.objects.count() == 0


def test_a_refused_submit_asks_for_the_files_again(p, client_for):
    response = client_for(p.operator).post(URL, _form(p, content=" ", attachments=[_png()]))
    assert response.status_code == 422 and "本次未保存附件，请重新选择" in response.content.decode()


def test_a_file_the_service_refuses_undoes_the_registration(p, now):
    """The web service is all or nothing even past the form's checks."""
    bad = SimpleUploadedFile("x.png", b"not a png at all", content_type="image/png")
    with pytest.raises(InvalidInput) as refused:
        ticket_register_and_route(
            actor=p.operator,
            now=now,
            route="dispatch",
            ticket_fields={
                "title": "路灯",
                "content": "东留村路灯坏了",
                "appeal_type": "complaint",
                "location": "东留村",
            },
            unit=p.district.binhu,
            uploads=[_png(), bad],
        )
    assert refused.value.details["field"] == "file"
    assert Ticket.objects.count() == 0 and Attachment.objects.count() == 0
    assert TicketEvent.objects.count() == 0


# -- 2. the preselect threshold -------------------------------------------------------------


@pytest.fixture
def model(monkeypatch, catalogue):
    """An installed dispatch model naming the 路灯 category with the confidence set on it."""

    class Model:
        confidence = 0.4
        label = catalogue.lamp.full_name

        def suggest(self, text, title="", k=3):
            return [SimpleNamespace(label=self.label, confidence=self.confidence)]

    fake = Model()
    monkeypatch.setattr("duban.dispatch.intake.current_model", lambda: fake)
    return fake


def _box(page: str) -> tuple[str, str]:
    found = re.search(r'data-top-unit="([^"]*)" data-top-category="([^"]*)"', page)
    return found.group(1), found.group(2)


def test_a_low_confidence_suggestion_is_shown_not_preselected(p, client_for, catalogue, model):
    Category.objects.filter(pk=catalogue.lamp.pk).update(default_unit=p.district.housing)
    client = client_for(p.operator)
    draft = {"content": "路灯坏了好几天了，晚上看不见", "appeal_type": "complaint"}
    page = client.post(URL + "suggest/", draft, **HX).content.decode()
    assert "住建局" in page and "置信度 40.0%" in page
    assert _box(page) == ("", "") and "未预选主办单位" in page
    model.confidence = 0.85
    page = client.post(URL + "suggest/", draft, **HX).content.decode()
    assert _box(page) == (str(p.district.housing.pk), str(catalogue.lamp.pk))
    DispatchSettings.objects.update(preselect_threshold=0.9)  # the admin's setting, read afresh
    page = client.post(URL + "suggest/", draft, **HX).content.decode()
    assert _box(page) == ("", "")


def test_a_place_match_is_preselected_unless_two_streets_are_named(p, client_for):
    client = client_for(p.operator)
    one = client.post(URL + "suggest/", {"content": "东留村村口垃圾堆积很多天"}, **HX)
    assert _box(one.content.decode())[0] == str(p.district.binhu.pk)
    two = client.post(URL + "suggest/", {"content": "东留村到建业社区的路上垃圾堆积"}, **HX)
    page = two.content.decode()
    assert _box(page)[0] == "" and "属地派单" in page and "未预选主办单位" in page


def test_a_chosen_category_routes_to_its_default_unit(p, client_for, catalogue):
    Category.objects.filter(pk=catalogue.road.pk).update(default_unit=p.district.housing)
    page = (
        client_for(p.operator)
        .post(
            URL + "suggest/",
            {"content": "马路上的井盖丢了", "category": str(catalogue.road.pk)},
            **HX,
        )
        .content.decode()
    )
    assert _box(page) == (str(p.district.housing.pk), str(catalogue.road.pk))


# -- 5. keyboard ----------------------------------------------------------------------------


def test_new_fields_come_after_the_existing_ones_and_are_optional(p, client_for, catalogue):
    page = client_for(p.operator).get(URL).content.decode()
    form = page[page.index('id="intake-form"') :]
    order = [
        "caller_phone",
        "appeal_type",
        "content",
        "location",
        "unit",
        "answer",
        "category",
        "channel",
        "attachments",
    ]
    positions = [form.index(f'name="{name}"') for name in order]
    assert positions == sorted(positions)
    assert positions[-1] < form.index('id="submit-dispatch"')
    assert 'enctype="multipart/form-data"' in form and 'accesskey="g"' in form
    assert "城乡建设（其他）" in form and "市政设施 › 路灯" in form and "旧分类" not in form
    assert required_inputs(IntakeForm()) == ["appeal_type", "content", "route"]
