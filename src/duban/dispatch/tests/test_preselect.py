"""Which suggestion a form preselects (DispatchSettings.preselect_threshold), and the
duplicate candidates intake finds for a caller who rings again."""

from __future__ import annotations

from datetime import timedelta

import pytest

from duban.dispatch.intake import duplicate_candidates, preselected, preselected_category
from duban.dispatch.models import DispatchSettings
from duban.dispatch.selectors import dispatch_settings
from duban.org.models import UnitKind
from duban.org.services import unit_create
from duban.testing import factories as f
from duban.testing.personas import make_user
from duban.tickets import services as s
from duban.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def _model(confidence: float, unit: int = 7) -> dict:
    return {"source": "model", "unit_id": unit, "confidence": confidence}


def _place(*, ambiguous: bool = False) -> dict:
    return {"source": "place", "unit_id": 3, "confidence": None, "ambiguous": ambiguous}


@pytest.mark.parametrize(
    ("units", "expected"),
    [
        ([], None),
        ([_model(0.59)], None),  # shown, never preselected
        ([_model(0.6)], 7),
        ([_model(0.93), _place()], 7),
        ([_model(0.4), _place()], None),  # only the top suggestion is ever preselected
        ([_place()], 3),  # 属地: the district's own rule, one street named
        ([_place(ambiguous=True)], None),  # places of two streets: a guess
        ([{**_model(0.9), "source": "territorial", "ambiguous": True}], None),
        ([{"source": "model", "unit_id": None, "confidence": 0.99}], None),  # no default unit
    ],
)
def test_only_a_confident_top_suggestion_is_preselected(units, expected) -> None:
    top = preselected(units, threshold=0.6)
    assert (top["unit_id"] if top else None) == expected


def test_the_category_is_preselected_at_the_same_threshold() -> None:
    assert preselected_category([{**_model(0.7), "category_id": 5}], threshold=0.6) == 5
    assert preselected_category([{**_model(0.5), "category_id": 5}], threshold=0.6) is None
    assert preselected_category([_place()], threshold=0.6) is None


def test_the_threshold_defaults_to_0_6_and_is_read_afresh(db) -> None:
    assert dispatch_settings().preselect_threshold == 0.6
    DispatchSettings.objects.update(preselect_threshold=0.8)
    assert dispatch_settings().preselect_threshold == 0.8


def test_the_admin_edits_the_threshold_within_0_and_1(admin_client) -> None:
    row = DispatchSettings.objects.get()
    url = f"/admin/dispatch/dispatchsettings/{row.pk}/change/"
    page = admin_client.get(url).content.decode()
    assert "预选主办单位置信度阈值" in page
    form = {
        "auto_threshold": "0.98",
        "duplicate_window_days": "30",
        "duplicate_threshold": "0.4",
    }
    bad = admin_client.post(url, {**form, "preselect_threshold": "1.5"})
    assert bad.status_code == 200 and DispatchSettings.objects.get().preselect_threshold == 0.6
    assert admin_client.post(url, {**form, "preselect_threshold": "0.75"}).status_code == 302
    assert DispatchSettings.objects.get().preselect_threshold == 0.75


# -- a caller who rings again --------------------------------------------------------------


def test_the_same_callers_open_tickets_are_candidates_whatever_the_words(p, now) -> None:
    first = f.registered(
        actor=p.operator,
        now=now,
        title="东留村南头路灯坏了",
        content="东留村南头的路灯坏了一个星期，晚上太黑，请派人维修。",
        location="东留村",
        caller_phone="13900001111",
    )
    again = f.registered(
        actor=p.operator,
        now=now + timedelta(minutes=1),
        title="路灯还是不亮",
        content="上午反映的路灯到现在还没人来修，晚上出门看不见。",
        location="滨湖街道东留村",
        caller_phone="13900001111",
    )
    (dup,) = again.suggestions["duplicates"]
    assert dup["number"] == first.number
    assert dup["reasons"] == ["caller", "place"]  # not "text": the words differ
    assert dup["similarity"] < dispatch_settings().duplicate_threshold


def test_closed_tickets_of_the_caller_and_other_districts_are_not_caller_candidates(p, now) -> None:
    closed = f.closed(p=p, now=now, caller_phone="13900002222", title="社保卡补办")
    d = unit_create(code="o-district", name="卫东区", kind=UnitKind.DISTRICT)
    centre = unit_create(code="o-centre", name="卫东区12345", kind=UnitKind.CENTRE, parent=d)
    theirs = f.registered(
        actor=make_user("o_operator", "operator", centre), now=now, caller_phone="13900002222"
    )
    still_open = f.registered(actor=p.operator, now=now, caller_phone="13900002222")
    draft = Ticket(district_id=p.district.district.pk, title="路灯", content="别的事情")
    found = duplicate_candidates(
        draft, keys=[], cfg=dispatch_settings(), now=now + timedelta(days=3), phone="13900002222"
    )
    assert [d["number"] for d in found] == [still_open.number]
    assert closed.number not in str(found) and theirs.number not in str(found)


def test_a_text_duplicate_from_another_caller_keeps_the_text_reason(p, now) -> None:
    first = f.registered(actor=p.operator, now=now, caller_phone="13900003333")
    again = f.registered(actor=p.operator, now=now + timedelta(hours=1), caller_phone="13900004444")
    (dup,) = again.suggestions["duplicates"]
    assert dup["number"] == first.number and dup["reasons"] == ["text", "place"]


def test_merging_a_caller_candidate_uses_the_engine(p, now) -> None:
    first = f.registered(actor=p.operator, now=now, caller_phone="13900005555")
    again = f.registered(
        actor=p.operator,
        now=now,
        caller_phone="13900005555",
        title="又打来了",
        content="还是那件事，请尽快处理",
    )
    master = Ticket.objects.get(number=again.suggestions["duplicates"][0]["number"])
    merged = s.ticket_merge(ticket=again, actor=p.operator, now=now, master=master)
    assert merged.state == "merged" and merged.master_id == first.pk
    assert merged.events.order_by("-seq").first().payload["master"] == first.number
