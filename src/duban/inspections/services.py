"""Every write of the inspections module: keyword-only, ``actor`` and ``now``, atomic, audited.

A finding that is not fixed on the spot becomes a ticket of kind ``inspection``
(``tickets.services.ticket_register``) dispatched to the site's responsible unit by the
engine's own dispatch (the responsibility map decides the unit, as the engine's confident
intake does); the unit accepts and replies with evidence through the engine; the engine calls
``finding_ticket_changed`` after every event of the ticket, and a 回头看 visit confirms
(the engine's review and call-back close the ticket) or rejects (``ticket_reopen`` with the
reason). Those three engine steps are the centre's in the state table; the module's
declaration (``apps.py``) grants them to the inspectors and the 创文办/督查办 for the findings
within their reach (``finding_ticket_in_reach``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q, Sum

from duban.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from duban.org.models import Unit, User
from duban.org.roles import INSPECTION_OFFICE_ROLES, INSPECTOR_ROLES, SUPERVISION_ROLES
from duban.org.services import audit_log
from duban.tickets.choices import AppealType, Channel, Kind, ReplyResult, Satisfaction, State
from duban.tickets.models import Ticket
from duban.tickets.services import (
    check_upload,
    ticket_accept,
    ticket_callback,
    ticket_dispatch,
    ticket_register,
    ticket_reopen,
    ticket_reply,
    ticket_review_pass,
)

from .errors import (
    AlreadySubmitted,
    ChecklistInvalid,
    InvalidPhoto,
    NotAwaitingVerification,
    PhotoRequired,
    RoundClosed,
    StandardNotApplicable,
    TokenReused,
    VerifierIsRectifier,
)
from .models import (
    FULL_SCORE,
    Assignment,
    Board,
    Finding,
    Item,
    Level,
    Photo,
    Programme,
    Round,
    Sanction,
    Site,
    SiteCheck,
    SiteType,
    Standard,
    Verification,
)

OUTCOMES = ("pass", "fail", "na")
VERIFIER_ROLES = INSPECTOR_ROLES | INSPECTION_OFFICE_ROLES
SANCTION_ROLES = INSPECTION_OFFICE_ROLES | SUPERVISION_ROLES
DISPATCH_NOTE = "督查问题按点位责任单位派发（分包责任制）"
ZERO = Decimal("0")


# -- scores ------------------------------------------------------------------------------------


def finding_deduction(
    *, standard: Standard, repeat: bool, higher_level: bool, overdue: bool
) -> Decimal:
    """Points a finding costs its site: the standard's per-finding amount, plus its amounts
    for a repeat, a higher-level inspection and a rectification not done in time."""
    total = standard.deduct_finding
    if repeat:
        total += standard.deduct_repeat
    if higher_level:
        total += standard.deduct_higher
    if overdue:
        total += standard.deduct_overdue
    return total


def check_score(deductions: Iterable[Decimal]) -> Decimal:
    """A site check's score: 100 less its deductions, never below zero."""
    return max(ZERO, FULL_SCORE - sum(deductions, ZERO))


def _rescore(site_check: SiteCheck) -> None:
    total = site_check.findings.aggregate(total=Sum("deduction"))["total"] or ZERO
    SiteCheck.objects.filter(pk=site_check.pk).update(deduction=total, score=check_score([total]))


# -- guards ------------------------------------------------------------------------------------


def _require(actor: User, roles: frozenset[str], what: str) -> None:
    if actor is None or not actor.is_active or not actor.has_role(roles):
        raise PermissionDenied(f"当前角色无权{what} / your role may not do this")


def _same_district(actor: User, district_id: int) -> None:
    if actor.district_pk != district_id:
        raise NotFound("不在您的管辖范围内 / not in your district")


def _text(value: str, *, field: str, limit: int, required: bool = True) -> str:
    value = (value or "").replace("\x00", "").strip()
    if required and not value:
        raise InvalidInput(f"「{field}」不能为空 / {field} is required", field=field)
    if len(value) > limit:
        raise InvalidInput(f"「{field}」不能超过 {limit} 个字 / {field} too long", field=field)
    return value


def check_photo(upload: UploadedFile, *, field: str = "photo") -> tuple[str, str]:
    """The ticket engine's evidence rules (type by content, size limit), and an image."""
    try:
        content_type, name = check_upload(upload)
    except DomainError as exc:
        raise InvalidPhoto(exc.message, field=field) from exc
    if not content_type.startswith("image/"):
        raise InvalidPhoto(
            "照片只能是图片（JPEG/PNG/GIF/WebP） / photos must be images", field=field
        )
    return content_type, name


def _store_photos(
    *,
    finding: Finding,
    kind: str,
    uploads: Sequence[UploadedFile],
    checked: Sequence[tuple[str, str]],
    actor: User,
    now: datetime,
) -> None:
    for upload, (content_type, name) in zip(uploads, checked, strict=True):
        photo = Photo(
            finding=finding,
            kind=kind,
            name=name,
            content_type=content_type,
            size=upload.size or 0,
            uploaded_by=actor,
            uploaded_at=now,
        )
        upload.seek(0)
        suffix = ("." + name.rsplit(".", 1)[-1].lower()[:8]) if "." in name else ""
        photo.file.save(f"{now:%Y%m%d%H%M%S%f}-{kind}{suffix}", upload, save=False)
        photo.save()


# -- checklists --------------------------------------------------------------------------------


@dataclass(frozen=True)
class StandardRow:
    """One row of a checklist sheet (a standard with its board and item)."""

    board_code: str
    board_name: str
    item_code: str
    item_name: str
    code: str
    text: str
    site_types: tuple[str, ...] = ()
    score: Decimal = Decimal("1")
    photo_required: bool = True
    deduct_finding: Decimal = Decimal("0.3")
    deduct_overdue: Decimal = Decimal("1")
    deduct_repeat: Decimal = Decimal("2")
    deduct_higher: Decimal = Decimal("2")
    line: int = 0


@transaction.atomic
def programme_create(
    *,
    actor: User,
    now: datetime,
    code: str,
    name: str,
    description: str = "",
    repeat_window_days: int = 30,
) -> Programme:
    _require(actor, INSPECTION_OFFICE_ROLES, "设立督查项目")
    code = _text(code, field="code", limit=64)
    name = _text(name, field="name", limit=100)
    if not 1 <= repeat_window_days <= 366:
        raise InvalidInput("重复问题判定天数应为 1–366 / window 1-366 days", field="repeat_window")
    if actor.district_pk is None:
        raise PermissionDenied("用户未归属单位 / user has no unit")
    district = Unit.objects.get(pk=actor.district_pk)
    if Programme.objects.filter(district=district, code=code).exists():
        raise InvalidInput("项目编码已存在 / programme code exists", field="code")
    programme = Programme.objects.create(
        district=district,
        code=code,
        name=name,
        description=description,
        repeat_window_days=repeat_window_days,
        created_at=now,
    )
    audit_log(actor=actor, obj=programme, message="新增督查项目", action="add")
    return programme


def checklist_errors(rows: Sequence[StandardRow]) -> list[str]:
    """Every problem of a checklist sheet, by row, before anything is written."""
    errors: list[str] = []
    seen: dict[str, int] = {}
    for row in rows:
        where = f"第 {row.line} 行" if row.line else f"标准 {row.code}"
        for label, value in (
            ("板块编号", row.board_code),
            ("板块名称", row.board_name),
            ("内容编号", row.item_code),
            ("内容名称", row.item_name),
            ("标准编号", row.code),
            ("标准内容", row.text),
        ):
            if not value:
                errors.append(f"{where}：「{label}」不能为空")
        if len(row.text) > 500 or len(row.item_name) > 200 or len(row.board_name) > 100:
            errors.append(f"{where}：文字过长")
        if row.code in seen:
            errors.append(f"{where}：标准编号 {row.code} 与第 {seen[row.code]} 行重复")
        seen.setdefault(row.code, row.line)
        unknown = [t for t in row.site_types if t not in SiteType.values]
        if unknown:
            errors.append(f"{where}：未知点位类型 {'、'.join(unknown)}")
        amounts = (row.score, row.deduct_finding, row.deduct_overdue, row.deduct_higher)
        if any(a < 0 or a > 100 for a in amounts):
            errors.append(f"{where}：分值和扣分应在 0–100 之间")
        if row.deduct_finding <= 0 or row.deduct_repeat <= 0 or row.deduct_repeat > 100:
            errors.append(f"{where}：每个问题扣分和重复问题加扣应大于 0")
    return errors


@transaction.atomic
def checklist_import(
    *, actor: User, now: datetime, programme: Programme, rows: Sequence[StandardRow]
) -> dict[str, int]:
    """Create or update the programme's boards, items and standards from a sheet's rows.

    Everything is validated first: one bad row writes nothing. Standards not in the sheet
    are kept (a finding may point at them)."""
    _require(actor, INSPECTION_OFFICE_ROLES, "维护测评体系")
    _same_district(actor, programme.district_id)
    if not rows:
        raise ChecklistInvalid("表格中没有测评标准 / the sheet has no standards", errors=[])
    errors = checklist_errors(rows)
    if errors:
        raise ChecklistInvalid(
            "测评体系表格有误，未导入任何内容：" + "；".join(errors[:20]), errors=errors
        )
    boards = {b.code: b for b in Board.objects.filter(programme=programme)}
    items = {(i.board_id, i.code): i for i in Item.objects.filter(board__programme=programme)}
    standards = {s.code: s for s in Standard.objects.filter(programme=programme)}
    created = updated = 0
    for order, row in enumerate(rows):
        board = boards.get(row.board_code)
        if board is None:
            board = boards[row.board_code] = Board.objects.create(
                programme=programme, code=row.board_code, name=row.board_name, sort_order=order
            )
        elif board.name != row.board_name:
            board.name = row.board_name
            board.save(update_fields=["name"])
        item = items.get((board.pk, row.item_code))
        if item is None:
            item = items[(board.pk, row.item_code)] = Item.objects.create(
                board=board, code=row.item_code, name=row.item_name, sort_order=order
            )
        elif item.name != row.item_name:
            item.name = row.item_name
            item.save(update_fields=["name"])
        values: dict[str, Any] = {
            "item": item,
            "text": row.text,
            "site_types": list(row.site_types),
            "score": row.score,
            "photo_required": row.photo_required,
            "deduct_finding": row.deduct_finding,
            "deduct_overdue": row.deduct_overdue,
            "deduct_repeat": row.deduct_repeat,
            "deduct_higher": row.deduct_higher,
            "sort_order": order,
        }
        standard = standards.get(row.code)
        if standard is None:
            Standard.objects.create(programme=programme, code=row.code, **values)
            created += 1
        else:
            for name, value in values.items():
                setattr(standard, name, value)
            standard.save(update_fields=list(values))
            updated += 1
    audit_log(
        actor=actor, obj=programme, message=f"导入测评体系：新增 {created} 条，更新 {updated} 条"
    )
    return {"created": created, "updated": updated}


# -- sites -------------------------------------------------------------------------------------


@transaction.atomic
def site_create(
    *,
    actor: User,
    now: datetime,
    code: str,
    name: str,
    type: str,
    street: Unit,
    unit: Unit,
    place: str = "",
    overseer: str = "",
    overseer_user: User | None = None,
) -> Site:
    """A 点位 with its street and its responsible unit (a department for a road section,
    a street or community for a residential area) and who oversees it."""
    _require(actor, INSPECTION_OFFICE_ROLES, "维护点位")
    code = _text(code, field="code", limit=64)
    name = _text(name, field="name", limit=100)
    if type not in SiteType.values:
        raise InvalidInput("点位类型无效 / invalid site type", field="type")
    district_pk = actor.district_pk
    if street.kind != "street" or street.district_pk != district_pk:
        raise InvalidInput("请选择本区的街道/镇 / choose a street of your district", field="street")
    if not unit.is_active or unit.district_pk != district_pk or unit.kind in ("district", "centre"):
        raise InvalidInput("责任单位无效 / invalid responsible unit", field="unit")
    if Site.objects.filter(district_id=district_pk, code=code).exists():
        raise InvalidInput("点位编码已存在 / site code exists", field="code")
    site = Site.objects.create(
        district_id=district_pk,
        code=code,
        name=name,
        type=type,
        street=street,
        unit=unit,
        place=_text(place, field="place", limit=200, required=False),
        overseer=_text(overseer, field="overseer", limit=50, required=False),
        overseer_user=overseer_user,
    )
    audit_log(actor=actor, obj=site, message="新增点位", action="add")
    return site


# -- rounds ------------------------------------------------------------------------------------


@transaction.atomic
def round_plan(
    *,
    actor: User,
    now: datetime,
    programme: Programme,
    name: str,
    starts_on: date,
    ends_on: date,
    assignments: Sequence[tuple[Site, User]],
    level: str = Level.DISTRICT,
) -> Round:
    """A round (一周一督查) and which inspector checks which site."""
    _require(actor, INSPECTION_OFFICE_ROLES, "安排督查轮次")
    _same_district(actor, programme.district_id)
    name = _text(name, field="name", limit=100)
    if level not in Level.values:
        raise InvalidInput("督查层级无效 / invalid level", field="level")
    if ends_on < starts_on:
        raise InvalidInput("结束日期不能早于开始日期 / ends before it starts", field="ends_on")
    if not assignments:
        raise InvalidInput("请至少安排一个点位 / assign at least one site", field="sites")
    seen: set[int] = set()
    for site, inspector in assignments:
        if site.district_id != programme.district_id or not site.is_active:
            raise InvalidInput(f"点位无效：{site.name} / invalid site", field="sites")
        if site.pk in seen:
            raise InvalidInput(f"点位重复：{site.name} / site listed twice", field="sites")
        seen.add(site.pk)
        if not inspector.is_active or not inspector.has_role(
            INSPECTOR_ROLES | INSPECTION_OFFICE_ROLES
        ):
            raise InvalidInput(f"{inspector} 不是督查员 / not an inspector", field="inspector")
        if inspector.district_pk != programme.district_id:
            raise InvalidInput(
                f"{inspector} 不在本区 / inspector of another district", field="inspector"
            )
    round_ = Round.objects.create(
        district_id=programme.district_id,
        programme=programme,
        name=name,
        level=level,
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=actor,
        created_at=now,
    )
    Assignment.objects.bulk_create(
        [
            Assignment(round=round_, site=site, inspector=inspector)
            for site, inspector in assignments
        ]
    )
    audit_log(
        actor=actor, obj=round_, message=f"安排督查轮次，{len(assignments)} 个点位", action="add"
    )
    return round_


@transaction.atomic
def round_close(*, actor: User, now: datetime, round: Round) -> Round:
    _require(actor, INSPECTION_OFFICE_ROLES, "结束督查轮次")
    _same_district(actor, round.district_id)
    Round.objects.filter(pk=round.pk).update(state=Round.State.CLOSED)
    round.state = Round.State.CLOSED
    audit_log(actor=actor, obj=round, message="结束督查轮次")
    return round


# -- site checks -------------------------------------------------------------------------------


@dataclass
class StandardResult:
    """The inspector's verdict on one standard at the site."""

    standard_id: int
    outcome: str  # pass / fail / na
    description: str = ""
    place: str = ""
    fixed_on_spot: bool = False
    photos: Sequence[UploadedFile] = field(default_factory=tuple)
    after_photos: Sequence[UploadedFile] = field(default_factory=tuple)


@dataclass(frozen=True)
class SubmitResult:
    check: SiteCheck
    replayed: bool


def _validated_results(
    assignment: Assignment, results: Sequence[StandardResult]
) -> list[tuple[StandardResult, Standard, list[tuple[str, str]], list[tuple[str, str]]]]:
    site = assignment.site
    ids = [r.standard_id for r in results]
    if len(set(ids)) != len(ids):
        raise InvalidInput("同一条标准提交了两次 / a standard is listed twice", field="results")
    standards = Standard.objects.filter(
        programme_id=assignment.round.programme_id, pk__in=ids
    ).select_related("item")
    by_id = {s.pk: s for s in standards}
    checked = []
    for result in results:
        standard = by_id.get(result.standard_id)
        if standard is None:
            raise InvalidInput(
                f"标准不属于本督查项目：{result.standard_id} / unknown standard", field="results"
            )
        if result.outcome not in OUTCOMES:
            raise InvalidInput("检查结果应为 通过/不通过/不适用 / invalid outcome", field="outcome")
        if result.outcome != "na" and not standard.applies_to(site.type):
            raise StandardNotApplicable(
                f"标准「{standard.code}」不适用于{site.get_type_display()}点位 "
                "/ standard not applicable to this site type",
                field="results",
                standard=standard.code,
            )
        photos: list[tuple[str, str]] = []
        after: list[tuple[str, str]] = []
        if result.outcome == "fail":
            result.description = _text(
                result.description or standard.text, field="description", limit=500
            )
            result.place = _text(result.place, field="place", limit=200, required=False)
            if standard.photo_required and not result.photos:
                raise PhotoRequired(
                    f"标准「{standard.code}」的问题须附现场照片 / a photo is required",
                    field="photos",
                    standard=standard.code,
                )
            if len(result.photos) > 6 or len(result.after_photos) > 6:
                raise InvalidPhoto("每个问题最多 6 张照片 / at most 6 photos", field="photos")
            photos = [check_photo(p, field="photos") for p in result.photos]
            if result.fixed_on_spot and not result.after_photos:
                raise PhotoRequired(
                    f"立行立改须附整改后照片（标准「{standard.code}」） / an after-photo is required",
                    field="after_photos",
                    standard=standard.code,
                )
            after = [check_photo(p, field="after_photos") for p in result.after_photos]
        checked.append((result, standard, photos, after))
    return checked


@transaction.atomic
def check_submit(
    *,
    actor: User,
    now: datetime,
    assignment: Assignment,
    client_token: str,
    results: Sequence[StandardResult],
) -> SubmitResult:
    """Record the inspector's walk of a site: findings with photos, each fixed on the spot
    (立行立改, with an after-photo) or rectified through a ticket dispatched to the site's
    responsible unit.

    Idempotent by ``client_token`` (the phone's key for this form): the same token again
    returns the check it created (``replayed``), so a retry after a lost answer creates
    nothing twice. Another submission for a site already checked in the round is refused.
    """
    client_token = (client_token or "").strip()
    if not 8 <= len(client_token) <= 64:
        raise InvalidInput(
            "提交标识应为 8–64 个字符 / client token 8-64 chars", field="client_token"
        )
    if assignment.inspector_id != actor.pk or not actor.has_role(
        INSPECTOR_ROLES | INSPECTION_OFFICE_ROLES
    ):
        raise PermissionDenied("该点位不是派给您的 / this site is not assigned to you")
    # One submission per site at a time: a retry racing its first attempt waits here and
    # then finds the first one's check (a replay), not a conflict.
    Assignment.objects.select_for_update().filter(pk=assignment.pk).first()
    previous = SiteCheck.objects.filter(inspector=actor, client_token=client_token).first()
    if previous is not None:
        if previous.round_id != assignment.round_id or previous.site_id != assignment.site_id:
            raise TokenReused("提交标识已用于另一个点位 / client token used for another site")
        return SubmitResult(check=previous, replayed=True)
    round_ = Round.objects.select_related("programme").get(pk=assignment.round_id)
    if round_.state != Round.State.OPEN:
        raise RoundClosed("本轮督查已结束 / the round is closed")
    if SiteCheck.objects.filter(round=round_, site_id=assignment.site_id).exists():
        raise AlreadySubmitted("该点位本轮已提交检查结果，不能重复提交 / already submitted")
    if not results:
        raise InvalidInput("请逐条填写检查结果 / no results", field="results")
    site = assignment.site
    checked = _validated_results(assignment, results)
    programme = round_.programme
    window_start = now - timedelta(days=programme.repeat_window_days)
    failing = [s.pk for r, s, _, _ in checked if r.outcome == "fail"]
    repeats = set(
        Finding.objects.filter(
            site=site, standard_id__in=failing, found_at__gte=window_start, found_at__lt=now
        ).values_list("standard_id", flat=True)
    )
    higher = round_.level != Level.DISTRICT
    site_check = SiteCheck.objects.create(
        district_id=round_.district_id,
        programme=programme,
        round=round_,
        site=site,
        street_id=site.street_id,
        unit_id=site.unit_id,
        inspector=actor,
        checked_at=now,
        client_token=client_token,
        results={str(s.pk): r.outcome for r, s, _, _ in checked},
        findings_count=len(failing),
    )
    deductions: list[Decimal] = []
    for result, standard, photos, after in checked:
        if result.outcome != "fail":
            continue
        repeat = standard.pk in repeats
        deduction = finding_deduction(
            standard=standard, repeat=repeat, higher_level=higher, overdue=False
        )
        deductions.append(deduction)
        finding = Finding.objects.create(
            district_id=round_.district_id,
            programme=programme,
            site_check=site_check,
            site=site,
            standard=standard,
            street_id=site.street_id,
            unit_id=site.unit_id,
            found_at=now,
            description=result.description,
            place=result.place,
            fixed_on_spot=result.fixed_on_spot,
            repeat=repeat,
            higher_level=higher,
            deduction=deduction,
            state=Finding.State.FIXED if result.fixed_on_spot else Finding.State.RECTIFYING,
        )
        _store_photos(
            finding=finding,
            kind=Photo.Kind.FOUND,
            uploads=result.photos,
            checked=photos,
            actor=actor,
            now=now,
        )
        _store_photos(
            finding=finding,
            kind=Photo.Kind.AFTER,
            uploads=result.after_photos,
            checked=after,
            actor=actor,
            now=now,
        )
        if not result.fixed_on_spot:
            _raise_ticket(finding=finding, standard=standard, site=site, actor=actor, now=now)
    SiteCheck.objects.filter(pk=site_check.pk).update(
        deduction=sum(deductions, ZERO), score=check_score(deductions)
    )
    site_check.refresh_from_db()
    audit_log(
        actor=actor,
        obj=site_check,
        message=f"提交点位检查：问题 {len(failing)} 个，得分 {site_check.score}",
        action="add",
    )
    return SubmitResult(check=site_check, replayed=False)


def _raise_ticket(
    *, finding: Finding, standard: Standard, site: Site, actor: User, now: datetime
) -> Ticket:
    """The finding's rectification ticket: registered by the inspector, dispatched by the
    engine to the site's responsible unit, its deadline from the kind's SLA rule."""
    flags = "（重复问题）" if finding.repeat else ""
    ticket = ticket_register(
        actor=actor,
        now=now,
        title=f"{site.name}：{standard.item.name}{flags}"[:200],
        content=(
            f"督查发现问题：{finding.description}\n测评标准：{standard.code} {standard.text}\n"
            f"点位：{site.name}（{site.get_type_display()}）{finding.place}\n"
            f"请按期整改并附整改后照片答复。"
        ),
        appeal_type=AppealType.REPORT,
        channel=Channel.INSPECTION,
        kind=Kind.INSPECTION,
        location=(finding.place or site.place or site.name)[:200],
        auto_dispatch=False,
    )
    finding.ticket = ticket
    finding.save(update_fields=["ticket"])
    ticket = ticket_dispatch(
        ticket=ticket, actor=None, now=now, unit=site.unit, note=DISPATCH_NOTE, auto=True
    )
    Finding.objects.filter(pk=finding.pk).update(due_at=ticket.handle_due)
    finding.due_at = ticket.handle_due
    return ticket


# -- the ticket hook ---------------------------------------------------------------------------


def finding_ticket_changed(
    *, ticket: Ticket, event: Any, actor: User | None, now: datetime
) -> None:
    """Called by the engine after every event of an ``inspection`` ticket (same transaction).

    A reply (the unit says it is rectified) or a closed ticket waits for 回头看; a reply
    after the deadline costs the standard's overdue amount once; a reopen or a rejected
    reply sends the finding back to rectification; the deadline follows the ticket's."""
    finding = Finding.objects.filter(ticket_id=ticket.pk).select_related("standard").first()
    if finding is None:  # registration: the finding is linked right after
        return
    changes: dict[str, Any] = {}
    if finding.due_at != ticket.handle_due:
        changes["due_at"] = ticket.handle_due
    kind = getattr(event, "type", "")
    if kind == "reply":
        changes.update(
            state=Finding.State.AWAITING,
            verification=Finding.Verification.PENDING,
            rectified_at=now,
        )
        if ticket.handle_due is not None and now > ticket.handle_due and not finding.overdue:
            changes["overdue"] = True
            changes["deduction"] = finding_deduction(
                standard=finding.standard,
                repeat=finding.repeat,
                higher_level=finding.higher_level,
                overdue=True,
            )
    elif kind in ("reopen", "review_reject"):
        changes["state"] = Finding.State.RECTIFYING
    elif ticket.state == State.CLOSED and finding.state == Finding.State.RECTIFYING:
        changes.update(state=Finding.State.AWAITING, verification=Finding.Verification.PENDING)
    if not changes:
        return
    Finding.objects.filter(pk=finding.pk).update(**changes)
    if "deduction" in changes:
        _rescore(finding.site_check)


# -- rectification and 回头看 ------------------------------------------------------------------


@transaction.atomic
def finding_rectify(
    *,
    actor: User,
    now: datetime,
    finding: Finding,
    text: str,
    photos: Sequence[UploadedFile],
) -> Finding:
    """The responsible unit reports the rectification with after-photos: it signs for the
    ticket if it has not, and replies through the engine with the photos as evidence."""
    if finding.ticket is None:
        raise NotAwaitingVerification("该问题已立行立改，无需整改 / fixed on the spot")
    text = _text(text, field="text", limit=2000)
    if not photos:
        raise PhotoRequired("整改回复须附整改后照片 / an after-photo is required", field="photos")
    checked = [check_photo(p, field="photos") for p in photos]
    ticket = finding.ticket
    if ticket.state in (State.DISPATCHED, State.REOPENED):
        ticket = ticket_accept(ticket=ticket, actor=actor, now=now)
    ticket_reply(
        ticket=ticket, actor=actor, now=now, result=ReplyResult.SOLVED, text=text, uploads=photos
    )
    finding.refresh_from_db()
    _store_photos(
        finding=finding,
        kind=Photo.Kind.AFTER,
        uploads=photos,
        checked=checked,
        actor=actor,
        now=now,
    )
    audit_log(actor=actor, obj=finding, message="整改回复（附整改后照片）")
    return finding


def _rectifies(actor: User, finding: Finding) -> bool:
    unit = actor.unit
    return unit is not None and unit.path.startswith(finding.unit.path)


def _on_round(actor: User, finding: Finding) -> bool:
    """An inspector's own rounds: the round of the finding's site check lists them (any
    site), or they made the check."""
    return (
        SiteCheck.objects.filter(pk=finding.site_check_id)
        .filter(Q(inspector=actor) | Q(round__assignments__inspector=actor))
        .exists()
    )


def verifier_reaches(*, actor: User, finding: Finding) -> bool:
    """Whether ``finding`` is within ``actor``'s 回头看: the 创文办/督查办 for its district, an
    inspector for the findings of their own rounds — never the rectifying unit itself."""
    if not actor.is_active or actor.district_pk != finding.district_id:
        return False
    if _rectifies(actor, finding):
        return False
    if actor.has_role(INSPECTION_OFFICE_ROLES):
        return True
    return actor.has_role(INSPECTOR_ROLES) and _on_round(actor, finding)


def finding_ticket_in_reach(*, ticket: Ticket, actor: User) -> bool:
    """The scope of the module's grant of the engine's review, call-back and reopen on
    kind ``inspection`` (``apps.py``): the ticket is a finding's within ``actor``'s 回头看."""
    finding = Finding.objects.filter(ticket_id=ticket.pk).select_related("unit").first()
    return finding is not None and verifier_reaches(actor=actor, finding=finding)


def verify_refusal(*, finding: Finding, actor: User) -> DomainError | None:
    """Why ``actor`` may not record a 回头看 on ``finding`` now."""
    if _rectifies(actor, finding):
        return VerifierIsRectifier(
            "整改单位不能对本单位的整改回头看 / the rectifying unit may not verify itself"
        )
    if not actor.is_active or not actor.has_role(VERIFIER_ROLES):
        return PermissionDenied("只有督查员或督查办可以回头看 / only inspectors verify")
    if actor.district_pk != finding.district_id:
        return NotFound("不在您的管辖范围内 / not in your district")
    if not verifier_reaches(actor=actor, finding=finding):
        return PermissionDenied(
            "督查员只能对本人督查轮次的问题回头看 / inspectors verify the findings of their rounds"
        )
    if finding.ticket_id is None or finding.state != Finding.State.AWAITING:
        return NotAwaitingVerification("该问题不在待回头看状态 / not awaiting verification")
    return None


@transaction.atomic
def finding_verify(
    *,
    actor: User,
    now: datetime,
    finding: Finding,
    confirmed: bool,
    reason: str = "",
    photos: Sequence[UploadedFile] = (),
) -> Finding:
    """A 回头看 visit: confirmed (销号: the engine's review and call-back close the ticket)
    or rejected (the engine reopens the ticket with the reason: the unit rectifies again).

    The engine's steps are taken in the verifier's name, under the module's grant of them
    (``apps.py``: the same reach as ``verify_refusal``)."""
    finding = (
        Finding.objects.select_for_update(of=("self",)).select_related("unit").get(pk=finding.pk)
    )
    if (refusal := verify_refusal(finding=finding, actor=actor)) is not None:
        raise refusal
    reason = _text(reason, field="reason", limit=500, required=not confirmed)
    checked = [check_photo(p, field="photos") for p in photos]
    ticket_id = finding.ticket_id
    assert ticket_id is not None  # verify_refusal: only a ticketed finding awaits 回头看
    ticket = Ticket.objects.get(pk=ticket_id)
    if ticket.state == State.REPLIED:
        ticket = ticket_review_pass(ticket=ticket, actor=actor, now=now, note="回头看")
    if confirmed:
        if ticket.state == State.REVIEWED:
            ticket_callback(
                ticket=ticket,
                actor=actor,
                now=now,
                reached=True,
                resolved=True,
                satisfaction=Satisfaction.SATISFIED,
                note=f"回头看确认整改到位{('：' + reason) if reason else ''}"[:500],
            )
        state, verification = Finding.State.CLOSED, Finding.Verification.CONFIRMED
    else:
        ticket_reopen(ticket=ticket, actor=actor, now=now, reason=f"回头看未通过：{reason}"[:500])
        state, verification = Finding.State.RECTIFYING, Finding.Verification.REJECTED
    Finding.objects.filter(pk=finding.pk).update(
        state=state, verification=verification, verified_at=now
    )
    Verification.objects.create(
        finding=finding, confirmed=confirmed, reason=reason, verified_by=actor, verified_at=now
    )
    finding.refresh_from_db()
    _store_photos(
        finding=finding,
        kind=Photo.Kind.VERIFY,
        uploads=photos,
        checked=checked,
        actor=actor,
        now=now,
    )
    audit_log(
        actor=actor,
        obj=finding,
        message="回头看：" + ("确认销号" if confirmed else "未通过，重新整改"),
    )
    return finding


# -- 约谈 / 问责 --------------------------------------------------------------------------------


@transaction.atomic
def sanction_record(
    *, actor: User, now: datetime, kind: str, unit: Unit, period: str, reason: str
) -> Sanction:
    """Record a 约谈 (summons) or 问责 decided on a unit (usually from the 蜗牛榜)."""
    _require(actor, SANCTION_ROLES, "记录约谈/问责")
    if kind not in Sanction.Kind.values:
        raise InvalidInput(
            "类别应为约谈或问责 / kind must be summons or accountability", field="kind"
        )
    if unit.district_pk != actor.district_pk:
        raise NotFound("单位不在本区 / unit not in your district")
    sanction = Sanction.objects.create(
        district_id=actor.district_pk,
        kind=kind,
        unit=unit,
        period=_text(period, field="period", limit=10),
        reason=_text(reason, field="reason", limit=500),
        decided_by=actor,
        decided_at=now,
    )
    audit_log(actor=actor, obj=sanction, message=f"记录{sanction.get_kind_display()}", action="add")
    return sanction
