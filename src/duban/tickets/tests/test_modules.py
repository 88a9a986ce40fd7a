"""The module extension point: a module owns a kind and declares its SLA defaults, its
registrars, its raters and its transition hook, which the engine calls in the transaction."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest

from duban.org.models import Role
from duban.sla.models import SlaRule
from duban.sla.selectors import rule_for
from duban.testing import factories as f
from duban.tickets import modules
from duban.tickets import services as s
from duban.tickets.choices import Kind
from duban.tickets.errors import PermissionDenied
from duban.tickets.models import Ticket, TicketEvent


class Recorder:
    """A module hook that records what the engine told it, and can refuse one event type."""

    def __init__(self, refuse: str = "") -> None:
        self.seen: list[tuple[str, str, bool]] = []
        self.refuse = refuse

    def __call__(self, *, ticket: Ticket, event: TicketEvent, actor, now) -> None:
        stored = TicketEvent.objects.filter(pk=event.pk, ticket_id=ticket.pk).exists()
        self.seen.append((event.type, ticket.state, stored))
        if event.type == self.refuse:
            raise PermissionDenied("模块拒绝 / the module refuses")


@pytest.fixture
def project_module() -> Iterator[Recorder]:
    hook = Recorder(refuse="urge")
    module = replace(modules.BUILT_IN[Kind.PROJECT], label="重点项目", on_transition=hook)
    with modules.substituted(module):
        yield hook


def test_the_engine_calls_the_owning_module_after_each_event_in_its_transaction(
    p, now, project_module
) -> None:
    ticket = f.dispatched(p=p, now=now, kind=Kind.PROJECT)
    assert project_module.seen == [
        ("register", "registered", True),
        ("suggest", "registered", True),
        ("dispatch", "dispatched", True),
    ]
    appeal = f.dispatched(p=p, now=now)  # another kind: not this module's business
    assert len(project_module.seen) == 3 and appeal.kind == Kind.APPEAL
    assert ticket.kind == Kind.PROJECT


def test_a_module_that_refuses_undoes_the_write(p, now, project_module) -> None:
    ticket = f.dispatched(p=p, now=now, kind=Kind.PROJECT)
    with pytest.raises(PermissionDenied):
        s.ticket_urge(ticket=ticket, actor=p.supervisor, now=now + timedelta(hours=1))
    ticket.refresh_from_db()
    assert ticket.urge_count == 0 and not ticket.events.filter(type="urge").exists()


def test_a_kind_has_one_owner_and_must_be_known() -> None:
    installed = modules.for_kind(Kind.PROJECT)  # the projects app's declaration
    assert installed is not modules.BUILT_IN[Kind.PROJECT]
    mine = replace(modules.BUILT_IN[Kind.PROJECT], on_transition=Recorder())
    with modules.substituted(mine):
        modules.register(mine)  # the same declaration again is harmless
        with pytest.raises(ValueError, match="already belongs"):
            modules.register(replace(mine, label="另一个模块"))
        with pytest.raises(ValueError, match="unknown ticket kind"):
            modules.register(replace(mine, kind="tourism"))
        assert modules.for_kind(Kind.PROJECT) is mine
    assert modules.for_kind(Kind.PROJECT) is installed


def test_every_module_kind_is_owned_by_its_installed_app() -> None:
    owners = {kind: modules.for_kind(kind) for kind in Kind.values}
    for kind in (Kind.ENTERPRISE, Kind.INSPECTION, Kind.PROJECT):
        assert owners[kind] is not modules.BUILT_IN[kind], kind


def test_who_registers_a_kind_is_the_modules_declaration(p, now) -> None:
    with pytest.raises(PermissionDenied):
        f.registered(actor=p.supervisor, now=now)  # appeals: the centre and the units
    finding = f.registered(actor=p.supervisor, now=now, kind=Kind.INSPECTION)
    assert finding.kind == Kind.INSPECTION
    assert Role.SUPERVISOR in modules.for_kind(Kind.INSPECTION).register_roles


def test_online_rating_only_for_kinds_rated_by_their_caller(p, now) -> None:
    appeal = f.reviewed(p=p, now=now)
    rated = s.ticket_rate_online(
        ticket=appeal,
        now=now + timedelta(days=2),
        phone=appeal.caller.phone,
        resolved=True,
        satisfaction="satisfied",
    )
    assert rated.state == "closed"
    finding = f.reviewed(p=p, now=now, kind=Kind.INSPECTION)
    with pytest.raises(PermissionDenied):
        s.ticket_rate_online(
            ticket=finding,
            now=now + timedelta(days=2),
            phone=finding.caller.phone,
            resolved=True,
            satisfaction="satisfied",
        )
    finding.refresh_from_db()
    assert finding.state == "reviewed" and finding.rated_at is None


def test_inspector_rates_own_finding_only() -> None:
    module = modules.for_kind(Kind.INSPECTION)
    finding = Ticket(kind=Kind.INSPECTION, registered_by_id=7)
    assert module.rated_by(ticket=finding, actor=type("U", (), {"pk": 7})())
    assert not module.rated_by(ticket=finding, actor=type("U", (), {"pk": 8})())
    assert not module.rated_by(ticket=finding, actor=None)


@pytest.mark.django_db
def test_each_module_seeds_its_sla_defaults_over_the_generic_rule() -> None:
    # The migrations seeded them; a second seeding creates nothing and keeps edits.
    SlaRule.objects.filter(kind=Kind.APPEAL, appeal_type="consultation").update(handle_within="3wd")
    assert modules.seed_sla(SlaRule) == 0
    consultation = rule_for(kind=Kind.APPEAL, appeal_type="consultation", urgency="normal")
    assert consultation.handle_within == "3wd"
    complaint = rule_for(kind=Kind.APPEAL, appeal_type="complaint", urgency="normal")
    assert complaint.handle_within == "15wd" and complaint.accept_within == "2wh"
    rows = modules.sla_rows(modules.for_kind(Kind.APPEAL))
    assert ("appeal", "help", "", "2wh", "24h", "2wd", "10wd", "10wd", "2wd") in rows
    SlaRule.objects.filter(kind=Kind.APPEAL).delete()
    assert modules.seed_sla(SlaRule) == len(rows)


def test_observers_see_every_event_of_every_kind_in_its_transaction(p, now) -> None:
    seen: list[tuple[str, str]] = []

    def observer(*, ticket, event, actor, now) -> None:
        assert TicketEvent.objects.filter(pk=event.pk).exists()
        seen.append((ticket.kind, event.type))

    modules.observe(observer)
    try:
        f.dispatched(p=p, now=now)
        f.registered(actor=p.supervisor, now=now, kind=Kind.INSPECTION)
    finally:
        modules.unobserve(observer)
    assert seen == [
        ("appeal", "register"),
        ("appeal", "suggest"),
        ("appeal", "dispatch"),
        ("inspection", "register"),
        ("inspection", "suggest"),
    ]
    f.registered(actor=p.operator, now=now)
    assert len(seen) == 5  # unobserved
