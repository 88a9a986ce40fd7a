"""GET endpoints: list filters, ordering and pagination, detail masking, events, units, metrics."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from duban.testing import factories as f
from duban.testing.api import client_for, fast_passwords, recent, session_client_for  # noqa: F401
from duban.testing.personas import make_user
from duban.tickets import services as s
from duban.tickets.models import Ticket
from duban.tickets.selectors import mask_id_number, mask_name, mask_phone

pytestmark = pytest.mark.django_db


def numbers(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [item["number"] for item in response.json()["items"]]


@pytest.fixture
def tickets(p):
    """Two tickets at 滨湖, one at 东留村 (below 滨湖), one at 湖滨路, one registered only."""
    now = recent()
    return {
        "binhu": f.dispatched(p=p, now=now, title="滨湖路灯"),
        "binhu2": f.accepted(p=p, now=now, title="滨湖积水"),
        "dongliu": f.dispatched(p=p, now=now, unit=p.district.dongliu, title="东留村道路破损"),
        "hubin": f.dispatched(p=p, now=now, unit=p.district.hubin, title="建业社区噪音"),
        "new": f.registered(actor=p.operator, now=now, title="未派单件", kind="appeal"),
    }


def test_list_is_scoped_to_the_user(p, tickets):
    everything = {t.number for t in tickets.values()}
    assert set(numbers(client_for(p.operator).get("/tickets"))) == everything
    street = set(numbers(client_for(p.street_handler).get("/tickets")))
    assert street == {tickets[k].number for k in ("binhu", "binhu2", "dongliu")}
    other = set(numbers(client_for(p.other_street_handler).get("/tickets")))
    assert other == {tickets["hubin"].number}
    assert set(numbers(client_for(p.village_handler).get("/tickets"))) == {
        tickets["dongliu"].number
    }
    assert numbers(client_for(p.dept_handler).get("/tickets")) == []


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"state": "accepted"}, {"binhu2"}),
        ({"state": "registered"}, {"new"}),
        ({"kind": "appeal"}, {"binhu", "binhu2", "dongliu", "hubin", "new"}),
        ({"kind": "project"}, set()),
        ({"unit": "t-binhu"}, {"binhu", "binhu2"}),
        ({"unit": "t-binhu", "subtree": "true"}, {"binhu", "binhu2", "dongliu"}),
        ({"q": "滨湖"}, {"binhu", "binhu2"}),
        ({"overdue": "true"}, set()),
        ({"overdue": "false"}, {"binhu", "binhu2", "dongliu", "hubin", "new"}),
    ],
)
def test_list_filters(p, tickets, params, expected):
    got = set(numbers(client_for(p.dispatcher).get("/tickets", params)))
    assert got == {tickets[k].number for k in expected}


def test_list_filter_by_unit_id(p, tickets):
    got = numbers(client_for(p.dispatcher).get("/tickets", {"unit": p.district.hubin.pk}))
    assert got == [tickets["hubin"].number]


def test_list_overdue_filter_and_flag(p, tickets):
    Ticket.objects.filter(pk=tickets["binhu"].pk).update(handle_due=recent() - timedelta(days=1))
    response = client_for(p.dispatcher).get("/tickets", {"overdue": "true"})
    assert numbers(response) == [tickets["binhu"].number]
    assert response.json()["items"][0]["overdue"] is True


def test_list_period_filter(p, tickets):
    old = f.registered(actor=p.operator, now=recent() - timedelta(days=400))
    local = old.created_at.astimezone(ZoneInfo("Asia/Shanghai"))
    got = numbers(client_for(p.dispatcher).get("/tickets", {"period": f"{local:%Y-%m}"}))
    assert got == [old.number]


def test_list_ordering_and_pagination(p, tickets):
    client = client_for(p.dispatcher)
    all_numbers = sorted(t.number for t in tickets.values())
    assert numbers(client.get("/tickets", {"ordering": "number"})) == all_numbers
    assert numbers(client.get("/tickets")) == all_numbers[::-1]
    page = client.get("/tickets", {"ordering": "number", "limit": 2, "offset": 2})
    assert page.json()["count"] == 5 and numbers(page) == all_numbers[2:4]
    due = numbers(client.get("/tickets", {"ordering": "handle_due"}))
    assert due[-1] == tickets["new"].number  # no deadline: last
    assert numbers(client.get("/tickets", {"ordering": "-created_at"}))[0] == tickets["new"].number


@pytest.mark.parametrize(
    "params",
    [
        {"ordering": "title"},
        {"limit": 201},
        {"limit": 0},
        {"offset": -1},
        {"state": "lost"},
        {"period": "2025-13"},
        {"period": "March"},
        {"overdue": "maybe"},
        {"limit": "many"},
        {"q": "x" * 101},
        {"unit": "no-such-unit"},
    ],
)
def test_list_bad_parameters_are_422(p, tickets, params):
    response = client_for(p.dispatcher).get("/tickets", params)
    assert response.status_code == 422, response.json()
    assert response.json()["code"] in ("invalid_input", "unknown_unit")


def list_queries(client, **params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/tickets", params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("persona", ["dispatcher", "street_handler"])
def test_list_query_count_does_not_grow(p, persona):
    client = client_for(getattr(p, persona))
    now = recent()
    f.dispatched(p=p, now=now)
    list_queries(client)  # the first request also writes the token's last use (once a minute)
    few = list_queries(client)
    for _ in range(6):
        f.accepted(p=p, now=now)
    many = list_queries(client)
    assert client.get("/tickets").json()["count"] == 7
    assert many == few
    # Token lookup, the total, the page's ids and their rows; and for a centre role, who
    # reads callers in full, one insert of the personal-data access rows. A unit's reader's
    # total is its subtree's units, their active parts and a count per arm of the scope
    # (the third only when there are parts: ``selectors.scope_total``), each from an index.
    assert many <= (5 if persona == "dispatcher" else 7)


def test_session_list_query_count_does_not_grow(p):
    client = session_client_for(p.dispatcher)
    f.dispatched(p=p, now=recent())
    few = list_queries(client)
    for _ in range(5):
        f.dispatched(p=p, now=recent())
    assert list_queries(client) == few


def test_units_query_count_does_not_grow(p):
    from duban.org.models import UnitKind
    from duban.org.services import unit_create

    client = client_for(p.dispatcher)
    client.get("/units")  # the first request also writes the token's last use (once a minute)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/units").status_code == 200
    for i in range(5):
        unit_create(
            code=f"t-grid-{i}", name=f"网格{i}", kind=UnitKind.GRID, parent=p.district.dongliu
        )
    with CaptureQueriesContext(connection) as many:
        assert len(client.get("/units").json()) == 8 + 5
    assert len(many.captured_queries) == len(few.captured_queries)


def test_events_query_count_does_not_grow(p):
    client = client_for(p.dispatcher)
    # An earlier ticket both name as a duplicate: each timeline reads it once (who may see it).
    f.registered(actor=p.operator, now=recent())
    short = f.dispatched(p=p, now=recent())
    long = f.closed(p=p, now=recent())
    client.get("/units")  # the first request also writes the token's last use (once a minute)
    with CaptureQueriesContext(connection) as a:
        client.get(f"/tickets/{short.number}/events")
    expected = long.events.count()
    with CaptureQueriesContext(connection) as b:
        assert len(client.get(f"/tickets/{long.number}/events").json()) == expected
    assert len(a.captured_queries) == len(b.captured_queries)


# --- detail and masking -------------------------------------------------------------


def test_masking_helpers():
    assert mask_phone("13812341234") == "138****1234"
    assert mask_name("张三") == "张*" and mask_name("欧阳娜娜") == "欧***"
    assert mask_id_number("41010219900102123X") == "4101**********123X"


@pytest.mark.parametrize(
    ("persona", "masked"),
    [
        ("operator", False),
        ("dispatcher", False),
        ("street_handler", True),
        ("street_head", True),
        ("supervisor", True),
        ("leader", True),
    ],
)
def test_detail_masks_caller_unless_allowed(p, persona, masked):
    t = f.dispatched(
        p=p,
        now=recent(),
        caller_name="张三",
        caller_phone="13812341234",
        caller_id_number="41010219900102123X",
    )
    for path in (f"/tickets/{t.number}", "/tickets"):
        data = client_for(getattr(p, persona)).get(path).json()
        caller = data["caller"] if "caller" in data else data["items"][0]["caller"]
        if masked:
            assert caller == {
                "name": "张*",
                "phone": "138****1234",
                "id_number": "4101**********123X",
            }
        else:  # the ID number stays masked until revealed with a reason (PIPL)
            assert caller == {
                "name": "张三",
                "phone": "13812341234",
                "id_number": "4101**********123X",
            }


def test_detail_fields(p):
    t = f.accepted(p=p, now=recent())
    Ticket.objects.filter(pk=t.pk).update(suggestions={"units": [{"code": "t-binhu", "p": 0.9}]})
    data = client_for(p.street_handler).get(f"/tickets/{t.number}").json()
    assert data["state"] == "accepted" and data["version"] == t.version
    assert data["primary_unit"] == {
        "id": p.district.binhu.pk,
        "code": "t-binhu",
        "name": "滨湖街道",
    }
    assert set(data["deadlines"]) >= {"accept_due", "contact_due", "handle_due", "callback_due"}
    assert data["deadlines"]["handle_due"] is not None
    assert data["suggestions"] == {"units": [{"code": "t-binhu", "p": 0.9}]}


def test_detail_of_missing_ticket_is_404(p):
    for number in ("20990101000001", "abc", "1" * 40):
        response = client_for(p.dispatcher).get(f"/tickets/{number}")
        assert response.status_code == 404
        assert response.json()["code"] == "ticket_not_found"


def test_events_timeline(p):
    t = f.accepted(p=p, now=recent())
    t = s.ticket_urge(ticket=t, actor=p.supervisor, now=recent() + timedelta(hours=2), note="快")
    events = client_for(p.street_head).get(f"/tickets/{t.number}/events").json()
    assert [e["type"] for e in events] == list(
        t.events.order_by("seq").values_list("type", flat=True)
    )
    assert [e["type"] for e in events if e["type"] != "suggest"] == [
        "register",
        "dispatch",
        "accept",
        "urge",
    ]
    urge = events[-1]
    assert (urge["actor"], urge["actor_unit"]) == ("supervisor", "纪工委")
    assert (urge["from_state"], urge["to_state"]) == ("accepted", "accepted")
    assert urge["payload"]["note"] == "快"
    dispatch = next(e for e in events if e["type"] == "dispatch")
    assert dispatch["to_state"] == "dispatched" and dispatch["payload"]["unit_name"] == "滨湖街道"


# --- units and metrics --------------------------------------------------------------


def test_units_are_the_visible_subtree(p):
    district = client_for(p.dispatcher).get("/units").json()
    assert [u["code"] for u in district][:2] == ["t-district", "t-centre"]
    assert len(district) == 8
    street = client_for(p.street_handler).get("/units").json()
    assert [(u["code"], u["parent"], u["depth"]) for u in street] == [
        ("t-binhu", "t-district", 1),
        ("t-dongliu", "t-binhu", 2),
    ]
    assert street[0]["place_names"] == ["东留村", "西留村"]


def test_metrics_of_a_unit_and_of_the_district(p):
    t = f.dispatched(p=p, now=recent())
    assert t.dispatched_at is not None
    period = f"{t.dispatched_at.astimezone(ZoneInfo('Asia/Shanghai')):%Y-%m}"
    unit = client_for(p.dispatcher).get("/metrics", {"period": period, "unit": "t-binhu"})
    assert unit.status_code == 200, unit.json()
    assert unit.json()["unit_code"] == "t-binhu" and unit.json()["dispatched"] == 1
    district = client_for(p.leader).get("/metrics", {"period": period}).json()
    assert district["dispatched"] == 1 and district["unit_code"] is None
    own = client_for(p.street_head).get("/metrics", {"period": period}).json()
    assert own["unit_code"] == "t-binhu"
    other_head = make_user("hubin_head", "unit_head", p.district.hubin)
    other = client_for(other_head).get("/metrics", {"period": period, "unit": "t-binhu"})
    assert other.status_code == 404
    # Figures are for the dashboard's roles, as on the pages: a handler reads none.
    handler = client_for(p.street_handler).get("/metrics", {"period": period})
    assert handler.status_code == 403 and handler.json()["code"] == "permission_denied"
    bad = client_for(p.leader).get("/metrics", {"period": "2025-13"})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_input"


def test_rankings(p):
    response = client_for(p.supervisor).get("/rankings", {"period": "2025-03", "group": "streets"})
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["period"] == "2025-03" and data["group"] == "streets"
    assert {e["figures"]["unit_code"] for e in data["not_ranked"]} == {"t-binhu", "t-hubin"}
    bad = client_for(p.supervisor).get("/rankings", {"period": "2025-03", "group": "villages"})
    assert bad.status_code == 422


def test_metrics_query_count_is_fixed(p):
    client = client_for(p.supervisor)
    client.get("/rankings", {"period": "2025-03", "group": "streets"})  # builds the rollup
    with CaptureQueriesContext(connection) as few:
        client.get("/rankings", {"period": "2025-03", "group": "streets"})
    for _ in range(4):
        f.dispatched(p=p, now=recent())
    with CaptureQueriesContext(connection) as many:
        client.get("/rankings", {"period": "2025-03", "group": "streets"})
    assert len(few.captured_queries) == len(many.captured_queries)
