"""The centre's dispatch and merge forms (desk card and ticket page): the appeal, the
suggested units (preselected only when confident) and the duplicate candidates, from
which merge picks its master."""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.test import Client
from django.utils import timezone

from duban.dispatch.models import DispatchSettings
from duban.testing import factories as f
from duban.tickets import services as s
from duban.tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def recent():
    return timezone.now() - timedelta(hours=2)


@pytest.fixture
def model(monkeypatch):
    """An installed dispatch model that names 住建局 with the confidence set on it."""

    class Model:
        confidence = 0.4

        def suggest(self, text, title="", k=3):
            return [SimpleNamespace(label="t-housing", confidence=self.confidence)]

    fake = Model()
    monkeypatch.setattr("duban.dispatch.intake.current_model", lambda: fake)
    return fake


def _selected_unit(html: str) -> str | None:
    select = html[html.index('name="unit"') :]
    select = select[: select.index("</select>")]
    found = re.search(r'<option value="(\d+)" selected', select)
    return found.group(1) if found else None


def _dispatch_form(p, t, *, desk="centre"):
    query = f"?desk={desk}" if desk else ""
    return signed_in(p.dispatcher).get(f"/tickets/{t.number}/act/dispatch/{query}", **HX)


def test_the_card_form_shows_the_appeal_units_and_duplicates(p, recent):
    first = f.registered(actor=p.operator, now=recent, caller_phone="13900001111")
    t = f.registered(
        actor=p.operator,
        now=recent + timedelta(minutes=1),
        caller_phone="13900001111",
        title="路灯还是不亮",
        content="上午反映的路灯到现在还没人来修。",
        location="东留村",
    )
    html = _dispatch_form(p, t).content.decode()
    assert "路灯还是不亮" in html and "上午反映的路灯到现在还没人来修。" in html
    assert "地点：东留村" in html
    assert "推荐承办单位" in html and "滨湖街道" in html and "属地派单" in html
    assert "疑似重复件" in html and first.number in html and "同一来电人" in html
    # A place match naming one street is confident: preselected.
    assert _selected_unit(html) == str(p.district.binhu.pk) and "已预选" in html


def test_a_low_confidence_suggestion_is_shown_but_not_preselected(p, recent, model):
    t = f.registered(
        actor=p.operator, now=recent, title="房屋漏水", content="楼顶漏水", location=""
    )
    html = _dispatch_form(p, t).content.decode()
    assert "住建局" in html and "置信度 40.0%" in html
    assert _selected_unit(html) is None and "未预选主办单位" in html
    # The threshold is the admin's: lowered below the confidence, the unit is preselected.
    DispatchSettings.objects.update(preselect_threshold=0.3)
    html = _dispatch_form(p, t, desk="").content.decode()  # the ticket page's panel
    assert _selected_unit(html) == str(p.district.housing.pk)


def test_a_confident_model_suggestion_is_preselected(p, recent, model):
    model.confidence = 0.9
    t = f.registered(
        actor=p.operator, now=recent, title="房屋漏水", content="楼顶漏水", location=""
    )
    assert _selected_unit(_dispatch_form(p, t).content.decode()) == str(p.district.housing.pk)


def _repeat(p, recent) -> tuple[Ticket, Ticket, Ticket]:
    """A master candidate (open), a closed one of the same caller and the new ticket."""
    master = f.dispatched(p=p, now=recent, caller_phone="13900002222")
    gone = f.registered(actor=p.operator, now=recent, caller_phone="13900002222")
    t = f.registered(actor=p.operator, now=recent, caller_phone="13900002222")
    gone = s.ticket_invalidate(ticket=gone, actor=p.operator, now=recent, reason="重复登记")
    return master, gone, t


def test_merge_offers_the_open_candidates_as_choices(p, recent):
    master, gone, t = _repeat(p, recent)
    html = (
        signed_in(p.dispatcher)
        .get(f"/tickets/{t.number}/act/merge/?desk=centre", **HX)
        .content.decode()
    )
    assert f'type="radio" name="candidate" value="{master.number}"' in html
    assert f'value="{gone.number}"' not in html  # invalid: no longer a possible master
    assert "同一来电人" in html and 'name="master"' in html  # the typed number as fallback


def test_merge_into_a_chosen_candidate(p, recent):
    master, _gone, t = _repeat(p, recent)
    response = signed_in(p.dispatcher).post(
        f"/tickets/{t.number}/act/merge/",
        {"expected_version": t.version, "desk": "centre", "candidate": master.number},
        **HX,
    )
    assert "合并成功" in response.content.decode()
    t.refresh_from_db()
    assert (t.state, t.master_id) == ("merged", master.pk)
    event = TicketEvent.objects.filter(ticket=t).order_by("-seq").first()
    assert (event.type, event.payload["master"], event.actor) == (
        "merge",
        master.number,
        p.dispatcher,
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "请从疑似重复件中选择主工单，或输入主工单编号"),
        ({"candidate": "20990101000001"}, "所选工单不在可合并的疑似重复件中"),
        ({"candidate": "MASTER", "master": "20990101000001"}, "请勿再输入其他编号"),
        ({"master": "20990101000001"}, "主工单不存在"),
        ({"master": "SELF"}, "不能合并到自身"),
    ],
)
def test_bad_merge_input_is_refused_in_chinese_and_writes_nothing(p, recent, data, message):
    master, _gone, t = _repeat(p, recent)
    data = {k: {"MASTER": master.number, "SELF": t.number}.get(v, v) for k, v in data.items()}
    events = TicketEvent.objects.count()
    response = signed_in(p.dispatcher).post(
        f"/tickets/{t.number}/act/merge/", {"expected_version": t.version, **data}
    )
    assert response.status_code == 422 and message in response.content.decode()
    t.refresh_from_db()
    assert t.state == "registered" and TicketEvent.objects.count() == events


def test_without_candidates_merge_asks_for_the_number(p, recent):
    t = f.registered(actor=p.operator, now=recent, title="独一件", content="只此一件的内容")
    html = signed_in(p.dispatcher).get(f"/tickets/{t.number}/act/merge/").content.decode()
    assert 'name="candidate"' not in html and "主工单编号" in html
