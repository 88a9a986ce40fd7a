"""Blockers are tickets of kind ``project``: raised from the project, driven by the engine."""

from __future__ import annotations

from datetime import timedelta

import pytest

from duban.projects.models import Blocker, ProjectEvent
from duban.projects.services_blockers import blocker_raise
from duban.tickets import modules
from duban.tickets import services as ts
from duban.tickets.choices import Kind, State

from .conftest import at, make_project


def test_the_module_owns_the_project_kind_and_the_owner_rates_like_a_caller() -> None:
    module = modules.for_kind(Kind.PROJECT)
    assert module is not modules.BUILT_IN[Kind.PROJECT]
    assert module.rated_by_caller()
    assert module.on_transition.__name__ == "project_ticket_changed"


def test_a_blocker_is_dispatched_handled_and_closed_through_the_engine(w) -> None:
    project = make_project(w, owner_contact="李经理")
    t0 = at(2025, 3, 3, 9)
    blocker = blocker_raise(
        project=project, actor=w.reporter, now=t0, title="施工用电", content="需要临时用电接入"
    )
    ticket = blocker.ticket
    assert ticket.kind == Kind.PROJECT and project.name in ticket.title
    project.refresh_from_db()
    assert project.open_blockers == 1
    if ticket.state == State.REGISTERED:
        ticket = ts.ticket_dispatch(
            ticket=ticket,
            actor=w.dispatcher,
            now=t0 + timedelta(minutes=5),
            unit=w.district.housing,
            co_units=[w.district.binhu],
        )
    ticket = ts.ticket_accept(ticket=ticket, actor=w.dept_handler, now=t0 + timedelta(minutes=30))
    ticket = ts.ticket_record_contact(
        ticket=ticket, actor=w.dept_handler, now=t0 + timedelta(hours=1)
    )
    ticket = ts.ticket_reply(
        ticket=ticket,
        actor=w.dept_handler,
        now=t0 + timedelta(days=1),
        result="solved",
        text="已接入",
    )
    ticket = ts.ticket_review_pass(
        ticket=ticket, actor=w.dispatcher, now=t0 + timedelta(days=1, hours=2)
    )
    ts.ticket_callback(
        ticket=ticket,
        actor=w.dispatcher,
        now=t0 + timedelta(days=2),
        reached=True,
        resolved=True,
        satisfaction="satisfied",
    )
    blocker.refresh_from_db()
    project.refresh_from_db()
    assert blocker.state == State.CLOSED and blocker.closed_at is not None
    assert project.open_blockers == 0
    told = list(
        ProjectEvent.objects.filter(project=project, type="blocker_state").values_list(
            "payload__state", flat=True
        )
    )
    assert told == ["dispatched", "replied", "closed"]


def test_only_the_projects_people_raise_its_blockers(w) -> None:
    project = make_project(w, reporter=w.reporter2)
    with pytest.raises(Exception) as refused:
        blocker_raise(project=project, actor=w.reporter, now=at(2025, 3, 3), title="x", content="y")
    assert refused.value.code == "project_forbidden"
    assert not Blocker.objects.exists()
