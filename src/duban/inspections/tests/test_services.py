"""The inspection services: a round walked on a phone, findings to tickets through the
engine, the unit's rectification, 回头看, repeats and the refusals of the issue."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.admin.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile

from duban.inspections import services as s
from duban.inspections.errors import (
    AlreadySubmitted,
    ChecklistInvalid,
    InvalidPhoto,
    NotAwaitingVerification,
    PhotoRequired,
    StandardNotApplicable,
    TokenReused,
    VerifierIsRectifier,
)
from duban.inspections.models import Finding, Photo, SiteCheck, Standard
from duban.tickets.choices import Kind, State

from .conftest import photo


def walk_road(insp, *, token="tok-road-0001", fixed=True, when=0):
    """The road: S1 fixed on the spot, S2 a finding to rectify."""
    return s.check_submit(
        actor=insp.inspector,
        now=insp.later(when),
        assignment=insp.a_road,
        client_token=token,
        results=[
            s.StandardResult(
                insp.std["S1"].pk,
                "fail",
                "店外经营",
                fixed_on_spot=True,
                photos=[photo()],
                after_photos=[photo()],
            ),
            s.StandardResult(
                insp.std["S2"].pk, "fail", "灯杆小广告", place="12号灯杆", photos=[photo()]
            ),
        ],
    )


def test_a_site_check_records_findings_fixed_on_the_spot_or_ticketed(insp) -> None:
    result = walk_road(insp)
    check = result.check
    assert not result.replayed and check.findings_count == 2
    fixed, ticketed = check.findings.order_by("standard__code")
    assert fixed.fixed_on_spot and fixed.state == "fixed" and fixed.ticket is None
    assert set(fixed.photos.values_list("kind", flat=True)) == {"found", "after"}
    ticket = ticketed.ticket
    assert ticket.kind == Kind.INSPECTION and ticket.state == State.DISPATCHED
    assert ticket.primary_unit == insp.d.housing and ticket.registered_by == insp.inspector
    assert ticketed.state == "rectifying" and ticketed.due_at == ticket.handle_due
    assert check.deduction == Decimal("0.60") and check.score == Decimal("99.40")
    assert LogEntry.objects.filter(object_id=str(check.pk), user=insp.inspector).exists()


def test_the_same_client_token_replays_and_a_second_submission_is_refused(insp) -> None:
    first = walk_road(insp)
    again = walk_road(insp)
    assert again.replayed and again.check.pk == first.check.pk
    assert Finding.objects.count() == 2
    with pytest.raises(AlreadySubmitted) as exc:
        walk_road(insp, token="tok-road-0002")
    assert exc.value.code == "check_already_submitted" and "重复提交" in exc.value.message
    with pytest.raises(TokenReused):
        s.check_submit(
            actor=insp.inspector,
            now=insp.later(0),
            assignment=insp.a_estate,
            client_token="tok-road-0001",
            results=[s.StandardResult(insp.std["S3"].pk, "pass")],
        )
    assert SiteCheck.objects.count() == 1


def _refused(insp, error, results, assignment=None):
    before = (SiteCheck.objects.count(), Finding.objects.count(), Photo.objects.count())
    with pytest.raises(error) as exc:
        s.check_submit(
            actor=insp.inspector,
            now=insp.later(0),
            assignment=assignment or insp.a_road,
            client_token="tok-bad-00001",
            results=results,
        )
    assert (SiteCheck.objects.count(), Finding.objects.count(), Photo.objects.count()) == before
    assert any("\u4e00" <= ch <= "\u9fff" for ch in exc.value.message)
    return exc.value


def test_bad_site_checks_write_nothing(insp) -> None:
    std = insp.std
    assert (
        _refused(insp, PhotoRequired, [s.StandardResult(std["S2"].pk, "fail", "小广告")]).code
        == "photo_required"
    )
    assert (
        _refused(
            insp,
            PhotoRequired,
            [s.StandardResult(std["S2"].pk, "fail", "x", fixed_on_spot=True, photos=[photo()])],
        ).code
        == "photo_required"
    )
    err = _refused(
        insp,
        StandardNotApplicable,
        [s.StandardResult(std["S3"].pk, "fail", "飞线", photos=[photo()])],
    )
    assert err.code == "standard_not_applicable"
    text = SimpleUploadedFile("a.png", b"not an image at all", content_type="image/png")
    assert (
        _refused(
            insp, InvalidPhoto, [s.StandardResult(std["S2"].pk, "fail", "x", photos=[text])]
        ).code
        == "invalid_photo"
    )
    pdf = SimpleUploadedFile("a.pdf", b"%PDF-1.4 xx", content_type="application/pdf")
    assert (
        _refused(
            insp, InvalidPhoto, [s.StandardResult(std["S2"].pk, "fail", "x", photos=[pdf])]
        ).code
        == "invalid_photo"
    )
    huge = SimpleUploadedFile(
        "big.png", b"\x89PNG\r\n\x1a\n" + b"0" * (10 * 1024 * 1024), content_type="image/png"
    )
    assert (
        _refused(
            insp, InvalidPhoto, [s.StandardResult(std["S2"].pk, "fail", "x", photos=[huge])]
        ).code
        == "invalid_photo"
    )
    # A bad photo on the second finding: the first (valid) one is not written either.
    _refused(
        insp,
        InvalidPhoto,
        [
            s.StandardResult(std["S1"].pk, "fail", "x", photos=[photo()]),
            s.StandardResult(std["S2"].pk, "fail", "x", photos=[text]),
        ],
    )


def test_the_unit_rectifies_and_verification_rejects_then_confirms(insp, unit_head) -> None:
    finding = walk_road(insp).check.findings.get(fixed_on_spot=False)
    with pytest.raises(NotAwaitingVerification):
        s.finding_verify(actor=insp.office, now=insp.later(1), finding=finding, confirmed=True)
    s.finding_rectify(
        actor=unit_head, now=insp.later(1), finding=finding, text="已清除", photos=[photo()]
    )
    finding.refresh_from_db()
    assert finding.state == "awaiting" and finding.verification == "pending"
    assert finding.ticket.state == State.REPLIED
    with pytest.raises(VerifierIsRectifier):
        s.finding_verify(actor=unit_head, now=insp.later(2), finding=finding, confirmed=True)
    with pytest.raises(Exception) as exc:
        s.finding_verify(actor=insp.office, now=insp.later(2), finding=finding, confirmed=False)
    assert getattr(exc.value, "code", "") == "invalid_input"
    s.finding_verify(
        actor=insp.office, now=insp.later(2), finding=finding, confirmed=False, reason="仍有残留"
    )
    finding.refresh_from_db()
    ticket = finding.ticket
    assert finding.state == "rectifying" and finding.verification == "rejected"
    assert ticket.state == State.REOPENED and ticket.reopen_count == 1
    assert "仍有残留" in ticket.events.filter(type="reopen").get().payload["reason"]
    s.finding_rectify(
        actor=unit_head, now=insp.later(3), finding=finding, text="已彻底清除", photos=[photo()]
    )
    s.finding_verify(actor=insp.office, now=insp.later(4), finding=finding, confirmed=True)
    finding.refresh_from_db()
    assert finding.state == "closed" and finding.verification == "confirmed"
    assert finding.ticket.state == State.CLOSED
    assert list(finding.verifications.values_list("confirmed", flat=True)) == [False, True]


def test_a_late_rectification_costs_the_overdue_amount_once(insp, unit_head) -> None:
    check = walk_road(insp).check
    finding = check.findings.get(fixed_on_spot=False)
    s.finding_rectify(
        actor=unit_head, now=insp.later(30), finding=finding, text="已清除", photos=[photo()]
    )
    finding.refresh_from_db()
    check.refresh_from_db()
    assert finding.overdue and finding.deduction == Decimal("1.30")
    assert check.deduction == Decimal("1.60") and check.score == Decimal("98.40")


def test_a_repeat_within_the_window_is_flagged_and_costs_more(insp, now) -> None:
    from datetime import date

    walk_road(insp)
    rnd = s.round_plan(
        actor=insp.office,
        now=insp.later(7),
        programme=insp.programme,
        name="第2周",
        starts_on=date(2025, 3, 10),
        ends_on=date(2025, 3, 16),
        assignments=[(insp.road, insp.inspector)],
    )
    check = s.check_submit(
        actor=insp.inspector,
        now=insp.later(7),
        assignment=rnd.assignments.get(),
        client_token="tok-road-0003",
        results=[s.StandardResult(insp.std["S2"].pk, "fail", "又见小广告", photos=[photo()])],
    ).check
    repeat = check.findings.get()
    assert repeat.repeat and repeat.deduction == Decimal("2.30")
    assert "重复问题" in repeat.ticket.title


def test_checklist_import_validates_every_row_first(insp, now) -> None:
    bad = [
        s.StandardRow("B9", "新板块", "I9", "新内容", "S9", "新标准", line=2),
        s.StandardRow("B9", "", "I9", "新内容", "S9", "重复", site_types=("moon",), line=3),
    ]
    with pytest.raises(ChecklistInvalid) as exc:
        s.checklist_import(actor=insp.office, now=now, programme=insp.programme, rows=bad)
    errors = exc.value.details["errors"]
    assert any("第 3 行" in e and "板块名称" in e for e in errors)
    assert any("重复" in e for e in errors) and any("moon" in e for e in errors)
    assert not Standard.objects.filter(code="S9").exists()


def test_only_the_office_plans_and_only_the_assigned_inspector_submits(insp, now, unit_head):
    from duban.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        s.programme_create(actor=insp.inspector, now=now, code="x", name="x")
    with pytest.raises(PermissionDenied):
        s.check_submit(
            actor=unit_head,
            now=now,
            assignment=insp.a_road,
            client_token="tok-x-000001",
            results=[s.StandardResult(insp.std["S1"].pk, "pass")],
        )


def test_sanction_records(insp, now) -> None:
    sanction = s.sanction_record(
        actor=insp.office,
        now=now,
        kind="summons",
        unit=insp.d.hubin,
        period="2025-03",
        reason="连续两周蜗牛榜末位",
    )
    assert sanction.get_kind_display() == "约谈"
