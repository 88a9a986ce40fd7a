"""The operator's intake desk: form, live suggestions, caller lookup, one-submit routing."""

from __future__ import annotations

import re

import pytest

from duban.testing import factories as f
from duban.tickets.models import PersonalDataAccess, Ticket, TicketEvent
from duban.web.intake_forms import IntakeForm, required_inputs

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
URL = "/desk/intake/"


def _key(page: str) -> str:
    return re.search(r'name="idempotency_key" value="([0-9a-f]+)"', page).group(1)


def _post(client, p, **overrides):
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
        "idempotency_key": "k-" + overrides.pop("key", "1"),
    }
    data.update(overrides)
    return client.post(URL, data)


def test_desk_renders_the_form_with_shortcuts(p, client_for):
    page = client_for(p.operator).get(URL).content.decode()
    assert "受理台" in page and 'name="caller_phone"' in page and "autofocus" in page
    assert "登记并派单" in page and "直办" in page and "仅登记" in page
    assert "Alt" in page and "Ctrl" in page and 'accesskey="p"' in page
    assert len(_key(page)) == 32
    # The phone field comes first in the form (Tab order follows the source order).
    form = page[page.index('id="intake-form"') :]
    assert form.index('name="caller_phone"') < form.index('name="appeal_type"')
    assert form.index('name="appeal_type"') < form.index('name="content"')
    assert form.index('name="content"') < form.index('name="unit"')


def test_each_render_has_a_fresh_idempotency_key(p, client_for):
    client = client_for(p.operator)
    assert _key(client.get(URL).content.decode()) != _key(client.get(URL).content.decode())


def test_other_roles_may_not_open_the_desk(p, client_for):
    assert client_for(p.street_handler).get(URL).status_code == 403
    assert client_for(p.street_handler).post(URL + "suggest/", {}).status_code == 403


def test_phone_lookup_shows_earlier_tickets_and_repeat_flag(p, client_for, recent):
    earlier = f.registered(actor=p.operator, now=recent, caller_phone="13900001111")
    other = f.registered(actor=p.operator, now=recent, caller_phone="13900002222")
    client = client_for(p.operator)
    page = client.post(URL + "caller/", {"caller_phone": "139 0000 1111"}, **HX).content.decode()
    assert earlier.number in page and other.number not in page and "重复来电" in page
    assert "<html" not in page
    fresh = client.post(URL + "caller/", {"caller_phone": "13700000000"}, **HX).content.decode()
    assert "无来电记录" in fresh and "重复来电" not in fresh
    bad = client.post(URL + "caller/", {"caller_phone": "12345678901"}, **HX).content.decode()
    assert "格式不正确" in bad


def test_a_phone_lookup_is_audited_as_a_search_of_that_person(p, client_for, recent):
    earlier = f.registered(actor=p.operator, now=recent, caller_phone="13900001111")
    client = client_for(p.operator)
    client.post(URL + "caller/", {"caller_phone": "13900001111"}, **HX)
    client.post(URL + "caller/", {"caller_phone": "13700000000"}, **HX)  # nobody found
    audit = PersonalDataAccess.objects.get()
    assert (audit.actor, audit.ticket_id, audit.caller_id, audit.kind) == (
        p.operator,
        earlier.pk,
        earlier.caller_id,
        PersonalDataAccess.Kind.SEARCH,
    )


def test_suggestions_route_a_village_to_its_street(p, client_for):
    client = client_for(p.operator)
    page = client.post(
        URL + "suggest/",
        {"title": "", "content": "东留村村口垃圾堆积很多天没人清理", "appeal_type": "complaint"},
        **HX,
    ).content.decode()
    assert "滨湖街道" in page and f'data-pick="{p.district.binhu.pk}"' in page
    assert f'data-top-unit="{p.district.binhu.pk}"' in page and "属地" in page
    assert Ticket.objects.count() == 0


def test_suggestions_list_duplicates_and_knowledge_answers(p, client_for, recent):
    from django.utils import timezone

    from duban.dispatch.models import KnowledgeEntry

    dup = f.registered(actor=p.operator, now=recent, title="东留村路灯不亮")
    KnowledgeEntry.objects.create(
        question="如何补办社会保障卡",
        answer="携带身份证到区政务服务中心社保窗口办理。",
        keywords="社保卡 补办",
        updated_at=timezone.now(),
    )
    client = client_for(p.operator)
    page = client.post(
        URL + "suggest/",
        {"title": "东留村路灯不亮", "content": dup.content, "appeal_type": "complaint"},
    ).content.decode()
    assert dup.number in page and "疑似重复件" in page and "相似度" in page
    kb = client.post(
        URL + "suggest/", {"content": "社保卡丢了怎么补办", "appeal_type": "consultation"}
    ).content.decode()
    assert "如何补办社会保障卡" in kb and 'data-answer="携带身份证' in kb and "复制答复" in kb


def test_register_and_dispatch_in_one_submit(p, client_for):
    response = _post(client_for(p.operator), p)
    assert response.status_code == 302
    (t,) = Ticket.objects.all()
    assert t.state == "dispatched" and t.primary_unit == p.district.binhu
    assert t.channel == "phone" and t.caller.phone == "13912345678"
    assert t.title == "东留村南头的路灯坏了一个星期，晚上太黑，请派人维修"[:30]
    types = list(
        TicketEvent.objects.filter(ticket=t).order_by("seq").values_list("type", flat=True)
    )
    assert types == ["register", "suggest", "dispatch"]
    assert response["Location"] == f"{URL}?done={t.number}&route=dispatch"
    page = client_for(p.operator).get(response["Location"]).content.decode()
    assert f'已登记并派单：<a href="/tickets/{t.number}/"><strong>{t.number}' in page
    # A fresh, empty form: no content carried over, a new key.
    assert "路灯坏了一个星期</textarea>" not in page and _key(page) != "k-1"


def test_register_and_dispatch_with_co_units(p, client_for):
    _post(client_for(p.operator), p, co_units=[str(p.district.housing.pk)])
    t = Ticket.objects.get()
    assert sorted(t.assignments.values_list("unit__name", "role")) == [
        ("住建局", "co"),
        ("滨湖街道", "primary"),
    ]


def test_double_submit_with_the_same_key_makes_one_ticket(p, client_for):
    client = client_for(p.operator)
    first = _post(client, p, key="same")
    second = _post(client, p, key="same")
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    (t,) = Ticket.objects.all()
    assert t.state == "dispatched"
    assert TicketEvent.objects.filter(ticket=t, type="dispatch").count() == 1


def test_direct_answer_closes_the_ticket(p, client_for):
    _post(
        client_for(p.operator),
        p,
        appeal_type="consultation",
        content="请问社保卡丢了去哪里补办？",
        unit="",
        route="direct",
        answer="携带身份证到区政务服务中心社保窗口办理。",
    )
    t = Ticket.objects.get()
    assert t.state == "closed" and t.reply_text.startswith("携带身份证")
    types = set(TicketEvent.objects.filter(ticket=t).values_list("type", flat=True))
    assert {"register", "suggest", "direct_answer"} <= types


def test_register_only_leaves_it_for_dispatch(p, client_for):
    _post(client_for(p.operator), p, route="register", unit="")
    assert Ticket.objects.get().state == "registered"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"content": "  "}, "请填写「诉求内容」"),
        ({"caller_phone": "12345"}, "来电号码格式不正确"),
        ({"content": "长" * 5001}, "「诉求内容」不能超过 5000 字"),
        ({"title": "题" * 201}, "「标题」不能超过 200 字"),
        ({"unit": "999999"}, "主办单位不存在或不可派单"),
        ({"unit": ""}, "登记并派单须选择主办单位"),
        ({"appeal_type": ""}, "请选择诉求类型"),
        ({"route": "direct"}, "直办须填写答复内容"),
        ({"co_units": ["BINHU"]}, "协办单位不能与主办单位相同"),
    ],
)
def test_bad_input_is_422_in_chinese_and_writes_nothing(p, client_for, overrides, message):
    if overrides.get("co_units") == ["BINHU"]:
        overrides["co_units"] = [str(p.district.binhu.pk)]
    response = _post(client_for(p.operator), p, **overrides)
    page = response.content.decode()
    assert response.status_code == 422
    assert message in page and "未登记" in page
    assert Ticket.objects.count() == 0 and TicketEvent.objects.count() == 0
    # The form keeps what was typed.
    assert 'value="李四"' in page


def test_a_unit_outside_dispatch_kinds_is_refused(p, client_for):
    response = _post(client_for(p.operator), p, unit=str(p.district.centre.pk))
    assert response.status_code == 422 and "主办单位不存在或不可派单" in response.content.decode()
    assert Ticket.objects.count() == 0


def test_suggestion_fragment_query_count_is_bounded(
    p, client_for, recent, django_assert_max_num_queries
):
    for _ in range(6):
        f.registered(actor=p.operator, now=recent)
    client = client_for(p.operator)
    data = {
        "title": "东留村路灯不亮",
        "content": "东留村主街路灯已经坏了一周",
        "appeal_type": "consultation",
    }
    client.post(URL + "suggest/", data)  # warm the knowledge index and settings row
    with django_assert_max_num_queries(10):
        page = client.post(URL + "suggest/", data).content.decode()
    assert "滨湖街道" in page


def test_operator_fills_few_fields_for_a_typical_dispatch():
    """Typed inputs for register-and-dispatch: phone, type, content, location; the unit comes
    preselected from the suggestion and the title from the content (docs/intake.md)."""
    form = IntakeForm()
    assert required_inputs(form) == ["appeal_type", "content", "route"]
    typed = ["caller_phone", "appeal_type", "content", "location"]
    optional = {n for n, fld in form.fields.items() if not fld.required}
    assert {"caller_phone", "location", "title", "unit"} <= optional
    assert len(typed) == 4
