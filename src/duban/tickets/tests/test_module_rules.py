"""A module's rules beside the state table (``TicketModule.extra_rules``): a module grants one
of the table's actions to roles of its own, for its own kind's tickets. The grant holds only
for that kind, only for those roles, only in the ticket's district and only where the
module's scope says yes; the table's own roles keep their rule, and nothing is written on a
refusal. Pages ask the same question through ``allowed``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from duban.org.models import Role, UnitKind, User
from duban.org.services import unit_create
from duban.testing import factories as f
from duban.testing.personas import make_user
from duban.tickets import modules
from duban.tickets import services as s
from duban.tickets.choices import Kind, State
from duban.tickets.errors import InvalidInput, PermissionDenied
from duban.tickets.models import Ticket
from duban.tickets.services.base import allowed

REFUSAL = "该项目不由您负责 / not your project"


@dataclass
class Served:
    """The module's scope: which tickets each user answers for (its own ledger, here a
    dict), and how often the engine asked."""

    tickets: dict[int, set[int]] = field(default_factory=dict)
    asked: int = 0

    def __call__(self, *, ticket: Ticket, actor: User) -> bool:
        self.asked += 1
        return ticket.pk in self.tickets.get(actor.pk, set())

    def give(self, actor: User, ticket: Ticket) -> None:
        self.tickets.setdefault(actor.pk, set()).add(ticket.pk)


@pytest.fixture
def served() -> Iterator[Served]:
    """Kind ``project`` owned by a module granting the engine's dispatch to service officers
    (a stand-in: any kind, any role would do)."""
    scope = Served()
    grant = modules.Grant(roles=frozenset({Role.SERVICE_OFFICER}), scope=scope, refusal=REFUSAL)
    module = replace(modules.BUILT_IN[Kind.PROJECT], extra_rules={"dispatch": grant})
    with modules.substituted(module):
        yield scope


@pytest.fixture
def officer(p: SimpleNamespace) -> User:
    """Sits in 住建局: a department, not the streets the ticket is sent to."""
    return make_user("officer", Role.SERVICE_OFFICER, p.district.housing)


def _project(p: SimpleNamespace, now) -> Ticket:
    return f.registered(actor=p.operator, now=now, kind=Kind.PROJECT)


def _refused(p, ticket: Ticket, actor: User, now, match: str | None = None) -> PermissionDenied:
    """Dispatching ``ticket`` to 滨湖街道 is refused, and nothing is written."""
    before = ticket.version
    with pytest.raises(PermissionDenied, match=match) as info:
        s.ticket_dispatch(ticket=ticket, actor=actor, now=now, unit=p.district.binhu)
    ticket.refresh_from_db()
    assert ticket.version == before and ticket.state == State.REGISTERED
    assert not ticket.events.filter(type="dispatch").exists()
    assert not ticket.assignments.exists()
    return info.value


def test_a_granted_role_takes_the_action_in_its_own_name(p, now, served, officer) -> None:
    ticket = _project(p, now)
    served.give(officer, ticket)
    assert allowed(ticket=ticket, actor=officer, action="dispatch")
    later = now + timedelta(minutes=5)
    ticket = s.ticket_dispatch(
        ticket=ticket,
        actor=officer,
        now=later,
        unit=p.district.binhu,  # outside the officer's own unit: the ticket's district decides
        co_units=[p.district.hubin],
        note="园区吹哨",
    )
    assert ticket.state == State.DISPATCHED and ticket.primary_unit == p.district.binhu
    event = ticket.events.get(type="dispatch")
    assert event.actor == officer and event.at == later
    assert event.payload["auto"] is False and event.payload["note"] == "园区吹哨"
    assert set(ticket.assignments.values_list("unit__code", "role")) == {
        ("t-binhu", "primary"),
        ("t-hubin", "co"),
    }
    # From the table's sources only: a dispatched ticket is not dispatched again.
    assert not allowed(ticket=ticket, actor=officer, action="dispatch")


def test_the_grant_holds_only_for_the_modules_kind(p, now, served, officer) -> None:
    appeal = f.registered(actor=p.operator, now=now)
    served.give(officer, appeal)  # even where the scope would say yes
    assert not allowed(ticket=appeal, actor=officer, action="dispatch")
    err = _refused(p, appeal, officer, now, match="当前角色无权")
    assert err.code == "permission_denied"
    assert served.asked == 0  # another kind's ticket is not the module's to judge


def test_the_grant_holds_only_for_the_action_granted(p, now, served, officer) -> None:
    ticket = _project(p, now)
    served.give(officer, ticket)
    assert allowed(ticket=ticket, actor=officer, action="dispatch")
    for action in ("direct_answer", "invalidate", "merge"):
        assert not allowed(ticket=ticket, actor=officer, action=action)
    with pytest.raises(PermissionDenied):
        s.ticket_invalidate(ticket=ticket, actor=officer, now=now, reason="重复")
    assert Ticket.objects.get(pk=ticket.pk).state == State.REGISTERED


@pytest.mark.parametrize("persona", ["street_handler", "supervisor", "leader", "dept_handler"])
def test_the_grant_holds_only_for_its_roles(p, now, served, persona) -> None:
    ticket = _project(p, now)
    actor = getattr(p, persona)
    served.give(actor, ticket)
    assert not allowed(ticket=ticket, actor=actor, action="dispatch")
    assert _refused(p, ticket, actor, now).code == "permission_denied"


def test_the_grant_holds_only_within_the_modules_scope(p, now, served, officer) -> None:
    mine, theirs = _project(p, now), _project(p, now)
    served.give(officer, mine)
    assert not allowed(ticket=theirs, actor=officer, action="dispatch")
    err = _refused(p, theirs, officer, now)
    assert err.message == REFUSAL
    assert allowed(ticket=mine, actor=officer, action="dispatch")


def test_the_grant_holds_only_in_the_tickets_district(p, now, served) -> None:
    other = unit_create(code="o-district", name="卫东区", kind=UnitKind.DISTRICT)
    street = unit_create(code="o-street", name="东安路街道", kind=UnitKind.STREET, parent=other)
    stranger = make_user("o_officer", Role.SERVICE_OFFICER, street)
    ticket = _project(p, now)
    served.give(stranger, ticket)  # a scope that forgot the district does not open it
    assert not allowed(ticket=ticket, actor=stranger, action="dispatch")
    _refused(p, ticket, stranger, now, match="管辖范围")
    asked = served.asked
    # … nor may an officer of the district send the ticket to the other district's units.
    officer = make_user("officer", Role.SERVICE_OFFICER, p.district.housing)
    served.give(officer, ticket)
    with pytest.raises(PermissionDenied, match="单位不在您的管辖范围内"):
        s.ticket_dispatch(ticket=ticket, actor=officer, now=now, unit=street)
    assert served.asked == asked and Ticket.objects.get(pk=ticket.pk).version == ticket.version


def test_an_inactive_officer_is_refused(p, now, served, officer) -> None:
    ticket = _project(p, now)
    served.give(officer, ticket)
    User.objects.filter(pk=officer.pk).update(is_active=False)
    officer.refresh_from_db()
    assert not allowed(ticket=ticket, actor=officer, action="dispatch")
    _refused(p, ticket, officer, now)


def test_the_tables_roles_keep_the_tables_rule(p, now, served) -> None:
    ticket = _project(p, now)
    s.ticket_dispatch(ticket=ticket, actor=p.dispatcher, now=now, unit=p.district.binhu)
    assert served.asked == 0  # the module's scope is not the centre's business
    assert Ticket.objects.get(pk=ticket.pk).state == State.DISPATCHED


def test_a_module_grants_only_users_actions_of_the_table() -> None:
    base = modules.BUILT_IN[Kind.PROJECT]
    grant = modules.Grant(roles=frozenset({Role.SERVICE_OFFICER}), scope=Served())
    for action, message in [
        ("teleport", "unknown action"),
        ("auto_dispatch", "not a user's action"),  # the engine's own
        ("suggest", "not a user's action"),
        ("rate_online", "not a user's action"),  # the public's
        ("close_with_master", "not a user's action"),  # no scope to narrow
    ]:
        with pytest.raises(ValueError, match=message):
            modules.register(replace(base, label="x", extra_rules={action: grant}))
    with pytest.raises(ValueError, match="names no role"):
        modules.register(replace(base, extra_rules={"dispatch": replace(grant, roles=frozenset())}))
    assert modules.for_kind(Kind.PROJECT).label != "x"  # nothing was registered


def test_check_upload_is_the_engines_evidence_rule_for_modules() -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
    content_type, name = s.check_upload(
        SimpleUploadedFile("..\\照片.png", png, content_type="image/png; charset=binary")
    )
    assert (content_type, name) == ("image/png", "照片.png")
    with pytest.raises(InvalidInput, match="内容与类型不符"):
        s.check_upload(SimpleUploadedFile("a.png", b"GIF89a" + png, content_type="image/png"))
    with pytest.raises(InvalidInput, match="只能上传"):
        s.check_upload(SimpleUploadedFile("a.txt", b"hello", content_type="text/plain"))
