"""回头看 without the centre's roles: the inspections module grants the engine's review,
call-back and reopen of its findings' tickets to the inspectors and the 创文办/督查办
(``apps.py``), so an inspector who holds no dispatcher role confirms (销号) and rejects a
rectification. The grant reaches only tickets of kind ``inspection``, only the findings of
the inspector's own rounds (the office: its district), and only those three actions."""

from __future__ import annotations

import pytest

from duban.inspections import services as s
from duban.inspections.models import Finding
from duban.org.models import Role, UnitKind
from duban.org.roles import CENTRE_ROLES
from duban.org.services import unit_create
from duban.testing import factories as f
from duban.testing.api import client_for, fast_passwords  # noqa: F401
from duban.testing.personas import make_user
from duban.tickets import services as ts
from duban.tickets.choices import State
from duban.tickets.errors import PermissionDenied
from duban.tickets.services.base import allowed

from .conftest import photo
from .test_services import walk_road

pytestmark = pytest.mark.django_db


def rectified(insp, unit_head) -> Finding:
    """The road's finding, rectified by 住建局 and awaiting 回头看."""
    finding = walk_road(insp).check.findings.get(fixed_on_spot=False)
    s.finding_rectify(
        actor=unit_head, now=insp.later(1), finding=finding, text="已清除", photos=[photo()]
    )
    finding.refresh_from_db()
    assert finding.state == "awaiting" and finding.ticket.state == State.REPLIED
    return finding


def test_an_inspector_without_the_centres_roles_confirms(insp, unit_head) -> None:
    assert not insp.inspector.has_role(CENTRE_ROLES) and not insp.office.has_role(CENTRE_ROLES)
    finding = rectified(insp, unit_head)
    s.finding_verify(
        actor=insp.inspector, now=insp.later(2), finding=finding, confirmed=True, reason="已复查"
    )
    finding.refresh_from_db()
    assert (finding.state, finding.verification) == ("closed", "confirmed")
    ticket = finding.ticket
    assert ticket.state == State.CLOSED and ticket.resolved
    steps = list(
        ticket.events.filter(seq__gt=ticket.version - 2)
        .order_by("seq")
        .values_list("type", "actor")
    )
    assert steps == [("review_pass", insp.inspector.pk), ("callback", insp.inspector.pk)]
    assert finding.verifications.get().verified_by == insp.inspector


def test_an_inspector_without_the_centres_roles_rejects(insp, unit_head) -> None:
    finding = rectified(insp, unit_head)
    s.finding_verify(
        actor=insp.inspector,
        now=insp.later(2),
        finding=finding,
        confirmed=False,
        reason="灯杆背面仍有残留",
    )
    finding.refresh_from_db()
    assert (finding.state, finding.verification) == ("rectifying", "rejected")
    ticket = finding.ticket
    assert ticket.state == State.REOPENED and ticket.reopen_count == 1
    reopen = ticket.events.get(type="reopen")
    assert reopen.actor == insp.inspector and "仍有残留" in reopen.payload["reason"]
    # the unit rectifies again; the same inspector confirms the second time
    s.finding_rectify(
        actor=unit_head, now=insp.later(3), finding=finding, text="已彻底清除", photos=[photo()]
    )
    s.finding_verify(actor=insp.inspector, now=insp.later(4), finding=finding, confirmed=True)
    finding.refresh_from_db()
    assert finding.state == "closed" and finding.ticket.state == State.CLOSED


def test_the_api_verify_by_an_inspector(insp, unit_head) -> None:
    finding = rectified(insp, unit_head)
    response = client_for(insp.inspector).post(
        f"/inspections/findings/{finding.pk}/verify", {"confirmed": True}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["verification"] == "confirmed"
    assert Finding.objects.get(pk=finding.pk).ticket.state == State.CLOSED


def test_an_inspector_verifies_only_the_findings_of_their_rounds(insp, unit_head) -> None:
    finding = rectified(insp, unit_head)
    stranger = make_user("inspector2", Role.INSPECTOR, insp.d.jgw)  # on no round
    ticket = finding.ticket
    version = ticket.version
    refusal = s.verify_refusal(finding=finding, actor=stranger)
    assert refusal is not None and refusal.code == "permission_denied"
    with pytest.raises(PermissionDenied, match="本人督查轮次"):
        s.finding_verify(actor=stranger, now=insp.later(2), finding=finding, confirmed=True)
    # The engine holds the same reach: its review is refused outright.
    assert not allowed(ticket=ticket, actor=stranger, action="review_pass")
    with pytest.raises(PermissionDenied, match="本人督查轮次"):
        ts.ticket_review_pass(ticket=ticket, actor=stranger, now=insp.later(2))
    ticket.refresh_from_db()
    assert ticket.version == version and not finding.verifications.exists()
    # Put on the round (another of its sites), the finding is within reach.
    insp.round.assignments.filter(site=insp.estate).update(inspector=stranger)
    assert s.verify_refusal(finding=finding, actor=stranger) is None
    assert allowed(ticket=ticket, actor=stranger, action="review_pass")


def test_another_districts_inspection_office_is_refused(insp, unit_head) -> None:
    finding = rectified(insp, unit_head)
    other = unit_create(code="o-district", name="卫东区", kind=UnitKind.DISTRICT)
    office = unit_create(code="o-cwb", name="卫东区创文办", kind=UnitKind.DEPARTMENT, parent=other)
    theirs = make_user("o_cwb", Role.INSPECTION_OFFICE, office)
    assert s.verify_refusal(finding=finding, actor=theirs).code == "not_found"
    assert not allowed(ticket=finding.ticket, actor=theirs, action="review_pass")
    with pytest.raises(PermissionDenied, match="管辖范围"):
        ts.ticket_review_pass(ticket=finding.ticket, actor=theirs, now=insp.later(2))


def test_the_grant_is_the_three_steps_of_the_kind_only(insp, unit_head, p, now) -> None:
    finding = rectified(insp, unit_head)
    ticket = finding.ticket
    assert allowed(ticket=ticket, actor=insp.inspector, action="review_pass")
    assert not allowed(ticket=ticket, actor=insp.inspector, action="review_reject")
    assert not allowed(ticket=ticket, actor=insp.inspector, action="invalidate")
    # A citizen's appeal is the centre's: an inspector neither reviews nor reopens it.
    appeal = f.replied(p=p, now=now)
    assert not allowed(ticket=appeal, actor=insp.inspector, action="review_pass")
    with pytest.raises(PermissionDenied, match="当前角色无权"):
        ts.ticket_review_pass(ticket=appeal, actor=insp.office, now=now)
    closed = f.closed(p=p, now=now)
    with pytest.raises(PermissionDenied, match="当前角色无权"):
        ts.ticket_reopen(ticket=closed, actor=insp.inspector, now=now, reason="复查")
    appeal.refresh_from_db()
    assert appeal.state == State.REPLIED
