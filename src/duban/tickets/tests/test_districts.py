"""Tickets carry their district: in an installation with two districts, every role of the
other district neither sees nor acts on a ticket, dispatched or not yet dispatched."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest

from duban.org.models import Role, Unit, UnitKind, User
from duban.org.services import unit_create
from duban.testing import factories as f
from duban.testing.personas import make_user
from duban.tickets import services as s
from duban.tickets.errors import InvalidInput, PermissionDenied
from duban.tickets.models import Ticket

# Where each role of the other district sits.
OTHER_ROLES: dict[str, str] = {
    Role.OPERATOR: "centre",
    Role.DISPATCHER: "centre",
    Role.HANDLER: "street",
    Role.UNIT_HEAD: "street",
    Role.SUPERVISOR: "centre",
    Role.LEADER: "district",
    Role.SERVICE_OFFICER: "street",
    Role.PROJECT_REPORTER: "street",
    Role.ADMIN: "district",
}


@pytest.fixture
def other(db: None) -> SimpleNamespace:
    """A second district (卫东区) with its centre, a street and one user of every role."""
    d = unit_create(code="o-district", name="卫东区", kind=UnitKind.DISTRICT)
    units = {
        "district": d,
        "centre": unit_create(code="o-centre", name="卫东区12345", kind=UnitKind.CENTRE, parent=d),
        "street": unit_create(code="o-street", name="东安路街道", kind=UnitKind.STREET, parent=d),
    }
    users = {
        role: make_user(f"o_{role}", role, units[where]) for role, where in OTHER_ROLES.items()
    }
    return SimpleNamespace(units=units, users=users, street=units["street"])


def _tickets(p: SimpleNamespace, now) -> dict[str, Ticket]:
    return {
        "registered": f.registered(actor=p.operator, now=now),
        "dispatched": f.dispatched(p=p, now=now),
    }


def test_a_ticket_belongs_to_its_registrars_district(p, other, now) -> None:
    mine = f.registered(actor=p.operator, now=now)
    theirs = f.registered(actor=other.users[Role.OPERATOR], now=now)
    assert mine.district == p.district.district
    assert theirs.district == other.units["district"]


@pytest.mark.parametrize("role", list(OTHER_ROLES))
def test_no_role_of_another_district_sees_its_tickets(p, other, now, role) -> None:
    tickets = _tickets(p, now)
    user: User = other.users[role]
    visible = set(Ticket.objects.visible_to(user).values_list("pk", flat=True))
    assert not visible & {t.pk for t in tickets.values()}


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.DISPATCHER, Role.SUPERVISOR, Role.LEADER])
def test_district_wide_roles_see_their_own_undispatched_tickets(p, other, now, role) -> None:
    ticket = f.registered(actor=p.operator, now=now)
    mine = make_user(f"mine_{role}", role, p.district.centre)
    assert Ticket.objects.visible_to(mine).filter(pk=ticket.pk).exists()
    their_ticket = f.registered(actor=other.users[Role.OPERATOR], now=now)
    assert not Ticket.objects.visible_to(mine).filter(pk=their_ticket.pk).exists()


def _attempts(p, other, ticket: Ticket, user: User, now):
    later = now + timedelta(hours=1)
    return {
        "dispatch": lambda: s.ticket_dispatch(
            ticket=ticket, actor=user, now=later, unit=other.street
        ),
        "direct_answer": lambda: s.ticket_direct_answer(
            ticket=ticket, actor=user, now=later, answer="已解答"
        ),
        "invalidate": lambda: s.ticket_invalidate(
            ticket=ticket, actor=user, now=later, reason="无效"
        ),
        "supervise": lambda: s.ticket_supervise(ticket=ticket, actor=user, now=later, level=1),
        "escalate": lambda: s.ticket_escalate(ticket=ticket, actor=user, now=later, reason="提级"),
        "assign_leader": lambda: s.ticket_assign_leader(
            ticket=ticket, actor=user, now=later, leader=other.users[Role.LEADER]
        ),
    }


@pytest.mark.parametrize("role", list(OTHER_ROLES))
@pytest.mark.parametrize(
    "action", ["dispatch", "direct_answer", "invalidate", "supervise", "escalate", "assign_leader"]
)
def test_no_role_of_another_district_acts_on_an_undispatched_ticket(
    p, other, now, role, action
) -> None:
    ticket = f.registered(actor=p.operator, now=now)
    attempt = _attempts(p, other, ticket, other.users[role], now)[action]
    with pytest.raises((PermissionDenied, InvalidInput)):
        attempt()
    ticket.refresh_from_db()
    assert ticket.state == "registered" and ticket.version == 2  # register + suggest only
    assert ticket.events.count() == 2


@pytest.mark.parametrize("role", list(OTHER_ROLES))
def test_no_role_of_another_district_urges_or_merges_a_dispatched_ticket(p, other, now, role):
    ticket = f.dispatched(p=p, now=now)
    user = other.users[role]
    version = ticket.version
    with pytest.raises(PermissionDenied):
        s.ticket_urge(ticket=ticket, actor=user, now=now + timedelta(hours=2))
    their = f.registered(actor=other.users[Role.OPERATOR], now=now)
    with pytest.raises((PermissionDenied, InvalidInput)):
        s.ticket_merge(ticket=their, actor=user, now=now + timedelta(hours=2), master=ticket)
    ticket.refresh_from_db()
    assert ticket.version == version


def test_portal_submission_names_its_district_when_there_are_several(p, other, now) -> None:
    fields = {
        "title": "路灯不亮",
        "content": "东安路路灯不亮",
        "appeal_type": "complaint",
        "channel": "web",
        "caller_phone": "13800000000",
        "caller_name": "李四",
    }
    with pytest.raises(InvalidInput) as exc:
        s.ticket_register(actor=None, now=now, **fields)
    assert exc.value.details.get("field") == "district"
    assert not Ticket.objects.exists()
    ticket = s.ticket_register(actor=None, now=now, district=other.units["district"], **fields)
    assert ticket.district == other.units["district"]
    with pytest.raises(InvalidInput):  # a unit that is not a district
        s.ticket_register(actor=None, now=now, district=other.street, **fields)


def test_a_single_district_installation_needs_no_district_for_the_portal(p, now) -> None:
    ticket = s.ticket_register(
        actor=None,
        now=now,
        title="路灯不亮",
        content="东留村路灯不亮",
        appeal_type="complaint",
        channel="web",
        caller_phone="13800000000",
    )
    assert ticket.district == p.district.district
    assert Unit.objects.filter(parent__isnull=True).count() == 1


@pytest.mark.parametrize("role", list(OTHER_ROLES))
def test_pages_and_api_of_another_district_answer_not_found(client, p, other, now, role) -> None:
    tickets = _tickets(p, now)
    numbers = {t.number for t in tickets.values()}
    client.force_login(p.operator)  # the ticket's own district lists both
    own = client.get("/api/v1/tickets", {"limit": 100}).json()
    assert numbers <= {row["number"] for row in own["items"]}
    client.force_login(other.users[role])
    listed = client.get("/api/v1/tickets", {"limit": 100})
    assert listed.status_code in (200, 403)
    if listed.status_code == 200:
        assert not numbers & {row["number"] for row in listed.json()["items"]}
    for ticket in tickets.values():
        assert client.get(f"/api/v1/tickets/{ticket.number}").status_code == 404
        assert client.get(f"/tickets/{ticket.number}/").status_code in (403, 404)
        dispatched = client.post(
            f"/api/v1/tickets/{ticket.number}/dispatch",
            {"unit": other.street.code},
            content_type="application/json",
        )
        assert dispatched.status_code in (403, 404), dispatched.content
        ticket.refresh_from_db()
        assert ticket.primary_unit != other.street
