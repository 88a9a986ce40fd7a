"""Authorization matrix: every persona × every endpoint × a ticket of 滨湖 (own) or 湖滨路 (other).

A persona that cannot see a ticket gets 404 on its detail, events and every action
(so its existence never leaks) and does not find it in lists; a persona that sees it
but whose role may not act gets 403; the rest succeed. Refused requests write nothing.
"""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from duban.org.roles import DASHBOARD_ROLES
from duban.testing.api import client_for, counts, fast_passwords, recent  # noqa: F401
from duban.testing.personas import make_user
from duban.tickets import services as s
from duban.tickets.models import Ticket

pytestmark = pytest.mark.django_db

PERSONAS = [
    "operator",
    "dispatcher",
    "street_handler",
    "street_head",
    "village_handler",
    "other_street_handler",
    "dept_handler",
    "supervisor",
    "leader",
    "admin_user",
]
DISTRICT_WIDE = {"operator", "dispatcher", "supervisor", "leader", "admin_user"}
CENTRE = {"operator", "dispatcher"}
# Staff of the ticket's primary unit, per unit; and the child unit a ticket is sub-dispatched to.
UNIT_STAFF = {"binhu": {"street_handler", "street_head"}, "hubin": {"other_street_handler"}}
CHILD = {"binhu": "dongliu", "hubin": "jianye"}
CHILD_STAFF = {"binhu": {"village_handler"}, "hubin": set()}


@pytest.fixture
def people(p) -> SimpleNamespace:
    # Not the personas' ``admin_user`` fixture: pytest-django's fixture of the same name
    # (a superuser without unit or role) shadows it.
    admin = make_user("district_admin", "admin", p.district.district)
    return SimpleNamespace(**vars(p), admin_user=admin)


class Prep:
    """Drives a ticket of one unit through the services to a state, a minute per step."""

    def __init__(self, p: SimpleNamespace, unit: str) -> None:
        self.p, self.unit = p, unit
        self.staff = p.street_handler if unit == "binhu" else p.other_street_handler
        self.now = recent()

    def tick(self) -> Any:
        self.now += timedelta(minutes=1)
        return self.now

    def registered(self) -> Ticket:
        return s.ticket_register(
            actor=self.p.operator,
            now=self.tick(),
            title="路灯不亮",
            content="路灯坏了一周。",
            appeal_type="complaint",
            channel="phone",
            caller_name="张三",
            caller_phone="13812341234",
        )

    def dispatched(self) -> Ticket:
        unit = getattr(self.p.district, self.unit)
        return s.ticket_dispatch(
            ticket=self.registered(), actor=self.p.operator, now=self.tick(), unit=unit
        )

    def accepted(self) -> Ticket:
        return s.ticket_accept(ticket=self.dispatched(), actor=self.staff, now=self.tick())

    def return_pending(self) -> Ticket:
        return s.ticket_request_return(
            ticket=self.dispatched(), actor=self.staff, now=self.tick(), reason="非本单位职责"
        )

    def extension_pending(self) -> Ticket:
        return s.ticket_request_extension(
            ticket=self.accepted(), actor=self.staff, now=self.tick(), days=2, reason="需协调"
        )

    def sub_dispatched(self) -> Ticket:
        child = getattr(self.p.district, CHILD[self.unit])
        return s.ticket_sub_dispatch(
            ticket=self.accepted(), actor=self.staff, now=self.tick(), unit=child
        )

    def replied(self) -> Ticket:
        return s.ticket_reply(
            ticket=self.accepted(),
            actor=self.staff,
            now=self.tick(),
            result="solved",
            text="已修复",
        )

    def reviewed(self) -> Ticket:
        return s.ticket_review_pass(ticket=self.replied(), actor=self.p.dispatcher, now=self.tick())

    def closed(self) -> Ticket:
        return s.ticket_callback(
            ticket=self.reviewed(),
            actor=self.p.dispatcher,
            now=self.tick(),
            reached=True,
            resolved=True,
            satisfaction="satisfied",
        )


def merge_body(prep: Prep) -> dict[str, Any]:
    return {"master": prep.dispatched().number}


def png(prep: Prep) -> dict[str, Any]:
    return {"file": SimpleUploadedFile("p.png", b"\x89PNG\r\n\x1a\n" + b"0" * 16, "image/png")}


# action → (prepared state, body or body factory, roles allowed: persona names or "staff"/"child")
ACTIONS: dict[str, tuple[str, Any, set[str]]] = {
    "dispatch": ("registered", {"unit": "t-housing"}, CENTRE),
    "direct-answer": ("registered", {"answer": "已解释"}, CENTRE),
    "reassign": ("accepted", {"unit": "t-housing", "reason": "属地调整"}, {"dispatcher"}),
    "exemption-request": (
        "accepted",
        {"reason_kind": "out_of_scope", "reason": "属供电公司职责"},
        {"staff"},
    ),
    "accept": ("dispatched", None, {"staff"}),
    "contact": ("accepted", {"note": "已联系"}, {"staff"}),
    "return-request": ("dispatched", {"reason": "非本单位"}, {"staff"}),
    "return-approve": ("return_pending", None, {"dispatcher"}),
    "return-reject": ("return_pending", {"reason": "属地"}, {"dispatcher"}),
    "sub-dispatch": ("accepted", lambda prep: {"unit": f"t-{CHILD[prep.unit]}"}, {"staff"}),
    # The sub-dispatched village reports its part; the primary unit replies instead.
    "submit-part": ("sub_dispatched", {"text": "已处理"}, {"child"}),
    "extension-request": ("accepted", {"days": 2, "reason": "协调"}, {"staff"}),
    "extension-approve": ("extension_pending", None, {"dispatcher"}),
    "extension-reject": ("extension_pending", {"reason": "不同意"}, {"dispatcher"}),
    "reply": ("accepted", {"result": "solved", "text": "已修复"}, {"staff"}),
    "review-pass": ("replied", None, {"dispatcher"}),
    "review-reject": ("replied", {"reason": "不规范"}, {"dispatcher"}),
    "callback": ("reviewed", {"reached": False}, CENTRE),
    "reopen": ("closed", {"reason": "未解决"}, CENTRE),
    "merge": ("dispatched", merge_body, CENTRE),
    "invalidate": ("dispatched", {"reason": "重复来电"}, CENTRE),
    "urge": ("dispatched", None, {"supervisor", "dispatcher", "leader"}),
    "supervise": ("dispatched", {"level": 1}, {"supervisor"}),
    "assign-leader": ("dispatched", {"leader": "leader"}, {"supervisor", "leader"}),
    "escalate": ("dispatched", {"reason": "多次投诉"}, {"supervisor", "dispatcher"}),
    "attachments": (
        "accepted",
        png,
        {"operator", "dispatcher", "supervisor", "staff"},
    ),
}


def visible_to(unit: str, state: str) -> set[str]:
    if state == "registered":
        return set(DISTRICT_WIDE)
    seen = DISTRICT_WIDE | UNIT_STAFF[unit]
    if state == "sub_dispatched":
        seen |= CHILD_STAFF[unit]
    return seen


def allowed(unit: str, roles: set[str]) -> set[str]:
    names = {r for r in roles if r not in ("staff", "child")}
    if "staff" in roles:
        names |= UNIT_STAFF[unit]
    if "child" in roles:
        names |= CHILD_STAFF[unit]
    return names


MATRIX = [
    pytest.param(
        action,
        unit,
        id=f"{action}-{'own-binhu' if unit == 'binhu' else 'other-hubin'}",
    )
    for action in ACTIONS
    for unit in ("binhu", "hubin")
]


@pytest.mark.parametrize(("action", "unit"), MATRIX)
def test_action_matrix(people, action, unit):
    state, body, roles = ACTIONS[action]
    may_act, may_see = allowed(unit, roles), visible_to(unit, state)
    mismatches: list[tuple[Any, ...]] = []
    for persona in PERSONAS:
        prep = Prep(people, unit)
        ticket = getattr(prep, state)()
        payload = body(prep) if callable(body) else body
        before = counts(), Ticket.objects.values_list("version", flat=True).get(pk=ticket.pk)
        client = client_for(getattr(people, persona))
        path = f"/tickets/{ticket.number}/{action}"
        if action == "attachments":
            response = client.client.post(f"/api/v1{path}", payload)
        else:
            response = client.post(path, payload)
        expected = (201 if action == "attachments" else 200) if persona in may_act else 403
        if persona not in may_see:
            expected = 404
        if response.status_code != expected:
            mismatches.append((persona, expected, response.status_code, response.content[:200]))
        if expected >= 400:
            code = response.json().get("code")
            if expected == 404 and code != "ticket_not_found":
                mismatches.append((persona, "code", code))
            after = counts(), Ticket.objects.values_list("version", flat=True).get(pk=ticket.pk)
            if after != before:
                mismatches.append((persona, "wrote", before, after))
    assert mismatches == []


@pytest.mark.parametrize("unit", ["binhu", "hubin"], ids=["own-binhu", "other-hubin"])
def test_read_matrix(people, unit):
    prep = Prep(people, unit)
    ticket = prep.accepted()
    seen = visible_to(unit, "accepted")
    mismatches: list[tuple[Any, ...]] = []
    for persona in PERSONAS:
        client = client_for(getattr(people, persona))
        expected = 200 if persona in seen else 404
        for path in (f"/tickets/{ticket.number}", f"/tickets/{ticket.number}/events"):
            response = client.get(path)
            if response.status_code != expected:
                mismatches.append((persona, path, expected, response.status_code))
            if expected == 404 and ticket.title in response.content.decode():
                mismatches.append((persona, path, "leaked title"))
        listed = {i["number"] for i in client.get("/tickets").json()["items"]}
        if (ticket.number in listed) != (persona in seen):
            mismatches.append((persona, "list", persona in seen))
        for params in ({"q": ticket.title}, {"unit": f"t-{unit}"}, {"state": "accepted"}):
            response = client.get("/tickets", params)
            if response.json()["count"] != (1 if persona in seen else 0):
                mismatches.append((persona, "list count", params, response.json()["count"]))
    assert mismatches == []


def test_units_and_metrics_per_persona(people):
    expected_units = {
        "operator": 8,
        "dispatcher": 8,
        "supervisor": 8,
        "leader": 8,
        "admin_user": 8,
        "street_handler": 2,
        "street_head": 2,
        "village_handler": 1,
        "other_street_handler": 2,
        "dept_handler": 1,
    }
    mismatches: list[tuple[Any, ...]] = []
    for persona in PERSONAS:
        client = client_for(getattr(people, persona))
        units = client.get("/units").json()
        if len(units) != expected_units[persona]:
            mismatches.append((persona, "units", len(units)))
        # Figures are for the dashboard's roles (a unit head: its unit's), as on the pages;
        # a handler gets 403 (metrics/tests/test_roles.py).
        reads_figures = getattr(people, persona).role in DASHBOARD_ROLES
        own = client.get("/metrics", {"period": "2025-03", "unit": "t-binhu"}).status_code
        should_see = persona in DISTRICT_WIDE | UNIT_STAFF["binhu"]
        if own != ((200 if should_see else 404) if reads_figures else 403):
            mismatches.append((persona, "metrics t-binhu", own))
        allowed = 200 if reads_figures else 403
        if client.get("/metrics", {"period": "2025-03"}).status_code != allowed:
            mismatches.append((persona, "own metrics"))
        if (
            client.get("/rankings", {"period": "2025-03", "group": "departments"}).status_code
            != allowed
        ):
            mismatches.append((persona, "rankings"))
    assert mismatches == []


def test_other_street_handler_cannot_touch_binhu_ticket(people):
    """The headline case, spelled out: 404 everywhere, nothing written, absent from lists."""
    ticket = Prep(people, "binhu").accepted()
    before = counts(), ticket.version
    client = client_for(people.other_street_handler)
    assert client.get(f"/tickets/{ticket.number}").status_code == 404
    assert client.get(f"/tickets/{ticket.number}/events").status_code == 404
    for action in ACTIONS:
        response = client.post(f"/tickets/{ticket.number}/{action}", {})
        assert response.status_code in (404, 422), (action, response.status_code)
        if response.status_code == 422:  # the body was checked first; the ticket never was
            assert response.json()["code"] == "invalid_input"
    assert client.get("/tickets").json() == {"count": 0, "items": []}
    ticket.refresh_from_db()
    assert (counts(), ticket.version) == before
