"""Forms of the ticket actions on pages, and which actions a page offers on a ticket.

Each :class:`Action` pairs a form (parsing input, with the ticket's
``expected_version``) with the one service it calls. The services decide; a page
offers an action when the state table allows it (``services.base.allowed``: state,
role, unit scope) and the service's own precondition holds (the refusal function the
service itself raises, e.g. ``extension_request_refusal``) — no second list of rules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from duban.org.models import Role, Unit, User

from . import intelligence
from . import services as s
from .choices import ExemptionReason, ReplyResult, Satisfaction, State, SuperviseLevel
from .errors import DomainError
from .models import Ticket
from .rules import DIRECT_ANSWER_RESULTS
from .selectors_page import DuplicateCandidate, intake_duplicates
from .services.attachments import MAX_BYTES, SIGNATURES
from .services.base import TABLE, allowed
from .services.closing import merge_refusal, reopen_refusal
from .services.dispatching import part_refusal, return_request_refusal
from .services.exemptions import exemption_decision_refusal, exemption_request_refusal
from .services.handling import (
    MAX_ATTACHMENTS,
    extension_decision_refusal,
    extension_limit,
    extension_request_refusal,
)
from .services.merged import merged_rating_refusal
from .services.overlays import escalate_refusal

MAX_TEXT = int(str(settings.DUBAN["MAX_TEXT_LENGTH"]))  # the services' default text limit


class ActionForm(forms.Form):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, ticket: Ticket, user: User, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"expected_version": ticket.version})
        super().__init__(*args, **kwargs)
        self.ticket = ticket
        self.user = user


def _text(label: str, *, required: bool = True, rows: int = 2) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class NoteForm(ActionForm):
    note = _text(_("备注"), required=False)


class ReasonForm(ActionForm):
    reason = _text(_("理由"))


class PartForm(ActionForm):
    text = forms.CharField(
        label=_("办理情况"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3})
    )


class DirectAnswerForm(ActionForm):
    answer = forms.CharField(
        label=_("答复口径"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3})
    )
    result = forms.ChoiceField(
        label=_("办理结果"),
        choices=[(r, ReplyResult(r).label) for r in DIRECT_ANSWER_RESULTS],
    )


class ExtensionForm(ActionForm):
    days = forms.IntegerField(label=_("延期工作日"), min_value=1, initial=3)
    reason = _text(_("延期理由"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # At most the ticket's SLA limit (the service checks the total with earlier ones).
        self.fields["days"] = forms.IntegerField(
            label=_("延期工作日"), min_value=1, max_value=extension_limit(self.ticket), initial=3
        )


class SubDispatchForm(ActionForm):
    unit = forms.ModelChoiceField(label=_("下派至"), queryset=Unit.objects.none())
    note = _text(_("备注"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit = self.ticket.primary_unit
        qs = Unit.objects.active().exclude(pk=getattr(unit, "pk", None))
        self.fields["unit"].queryset = qs.filter(path__startswith=unit.path if unit else "-")  # type: ignore[attr-defined]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class EvidenceField(forms.FileField):
    widget = MultipleFileInput(attrs={"accept": "image/*,application/pdf"})

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        for f in files:
            if f.size > MAX_BYTES:
                raise forms.ValidationError(
                    _("附件 %(name)s 超过 %(mb)s MB") % {"name": f.name, "mb": MAX_BYTES >> 20}
                )
            if (f.content_type or "").split(";")[0] not in SIGNATURES:
                raise forms.ValidationError(_("只能上传图片或 PDF：%(name)s") % {"name": f.name})
        if len(files) > MAX_ATTACHMENTS:
            raise forms.ValidationError(_("附件最多 %(n)s 个") % {"n": MAX_ATTACHMENTS})
        return list(files)


class ReplyForm(ActionForm):
    result = forms.ChoiceField(label=_("办理结果"), choices=ReplyResult.choices)
    text = forms.CharField(
        label=_("答复内容"), max_length=MAX_TEXT, widget=forms.Textarea({"rows": 4})
    )
    reason = _text(_("无法解决的原因"), required=False)
    evidence = EvidenceField(label=_("佐证材料（图片/PDF，每个≤10MB）"), required=False)


class DispatchForm(ActionForm):
    # The form shows the appeal and what intake found (tickets/_suggestions.html).
    shows_suggestions = True

    unit = forms.ModelChoiceField(label=_("主办单位"), queryset=Unit.objects.none())
    co_units = forms.ModelMultipleChoiceField(
        label=_("协办单位"), queryset=Unit.objects.none(), required=False
    )
    note = _text(_("派单说明"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        qs = Unit.objects.active().filter(kind__in=["department", "street", "community", "grid"])
        self.fields["unit"].queryset = qs  # type: ignore[attr-defined]
        self.fields["co_units"].queryset = qs  # type: ignore[attr-defined]
        suggestions = self.ticket.suggestions or {}
        self.suggested_units = [
            u for u in suggestions.get("units") or [] if isinstance(u, dict) and u.get("unit_id")
        ]
        # Shown always, preselected only when confident (DispatchSettings.preselect_threshold).
        self.preselected_unit_id = intelligence.current().preselected_unit(suggestions=suggestions)
        if self.preselected_unit_id is not None:
            self.initial.setdefault("unit", self.preselected_unit_id)
        self.candidates = intake_duplicates(ticket=self.ticket, user=self.user)


class ReassignForm(ActionForm):
    unit = forms.ModelChoiceField(label=_("改派至"), queryset=Unit.objects.none())
    reason = _text(_("改派理由"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        qs = Unit.objects.active().filter(kind__in=["department", "street", "community", "grid"])
        current = self.ticket.primary_unit_id
        self.fields["unit"].queryset = qs.exclude(pk=current)  # type: ignore[attr-defined]


class ExemptionForm(ActionForm):
    reason_kind = forms.ChoiceField(label=_("申诉理由"), choices=ExemptionReason.choices)
    reason = _text(_("情况说明"))


class CallbackForm(ActionForm):
    reached = forms.TypedChoiceField(
        label=_("是否接通"),
        choices=[("1", _("已接通")), ("0", _("未接通"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        initial="1",
    )
    resolved = forms.TypedChoiceField(
        label=_("是否解决"),
        choices=[("", "—"), ("1", _("已解决")), ("0", _("未解决"))],
        coerce=lambda v: v == "1",
        empty_value=None,
        required=False,
    )
    satisfaction = forms.ChoiceField(
        label=_("满意度"), choices=[("", "—"), *Satisfaction.choices], required=False
    )
    note = _text(_("回访记录"), required=False)
    reopen = forms.BooleanField(label=_("不满意且属本单位职权，重办"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.ticket.state == State.MERGED:  # a merged caller rates; the master reopens
            del self.fields["reopen"]


def _candidate_label(c: DuplicateCandidate) -> str:
    reasons = "、".join(str(REASON_LABELS[r]) for r in c.reasons if r in REASON_LABELS)
    similarity = "" if c.similarity is None else f"，相似度 {c.similarity * 100:.0f}%"
    state = State(c.ticket.state).label
    return f"{c.ticket.number} {c.ticket.title}（{state}{similarity}{'，' if reasons else ''}{reasons}）"


# Why intake thought a ticket a duplicate (``dispatch.intake.duplicate_candidates``).
REASON_LABELS = {"text": _("内容相似"), "caller": _("同一来电人"), "place": _("同一地点")}


class MergeForm(ActionForm):
    """The master is one of the ticket's duplicate candidates (those still open that the
    user may see) or, failing that, a typed number."""

    shows_suggestions = True

    candidate = forms.ChoiceField(
        label=_("从疑似重复件中选择主工单"),
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("所选工单不在可合并的疑似重复件中，请重新选择")},
    )
    master = forms.CharField(label=_("或输入主工单编号"), max_length=16, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.candidates = intake_duplicates(ticket=self.ticket, user=self.user)
        masters = [
            c for c in self.candidates if merge_refusal(self.ticket, master=c.ticket) is None
        ]
        self.fields["candidate"].choices = [  # type: ignore[attr-defined]
            (c.ticket.number, _candidate_label(c)) for c in masters
        ]
        if not masters:
            del self.fields["candidate"]
            self.fields["master"].label = _("主工单编号")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        typed = (data.get("master") or "").strip()
        chosen = data.get("candidate") or ""
        if typed and chosen and typed != chosen:
            self.add_error("master", _("已选择主工单 %(c)s，请勿再输入其他编号") % {"c": chosen})
            return data
        number = typed or chosen
        if not number:
            self.add_error("master", _("请从疑似重复件中选择主工单，或输入主工单编号"))
        elif number == self.ticket.number:
            self.add_error("master", _("不能合并到自身"))
        else:
            from .selectors import visible_ticket

            try:
                data["master"] = visible_ticket(user=self.user, number=number)
            except DomainError:
                self.add_error("master", _("主工单不存在：%(n)s") % {"n": number})
        return data


class SuperviseForm(ActionForm):
    level = forms.TypedChoiceField(
        label=_("督办级别"),
        choices=[c for c in SuperviseLevel.choices if c[0]],
        coerce=int,
    )
    note = _text(_("督办意见"), required=False)


class LeaderForm(ActionForm):
    leader = forms.ModelChoiceField(label=_("包案领导"), queryset=User.objects.none())
    note = _text(_("备注"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            role=Role.LEADER, is_active=True
        ).order_by("username")


Call = Callable[[dict[str, Any]], dict[str, Any]]
# The service's own precondition beyond the state table, asked without side effects:
# (ticket, user, now) → the error the service would raise, or None.
Refusal = Callable[[Ticket, User, datetime], DomainError | None]


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    form: type[ActionForm]
    service: Callable[..., Ticket]
    arguments: Call = lambda d: {}
    primary: bool = False  # a one-click button without further input
    refusal: Refusal | None = None
    # The state-table rule the service acts under for this ticket (default: ``name``).
    rule: Callable[[Ticket], str] | None = None

    def table_rule(self, ticket: Ticket) -> str:
        return self.rule(ticket) if self.rule is not None else self.name


def _keep(*names: str) -> Call:
    return lambda d: {n: d[n] for n in names if n in d}


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in (
        Action("accept", "签收", ActionForm, s.ticket_accept, primary=True),
        Action("record_contact", "记录联系", NoteForm, s.ticket_record_contact, _keep("note")),
        Action(
            "request_return",
            "申请退单",
            ReasonForm,
            s.ticket_request_return,
            _keep("reason"),
            refusal=lambda t, user, now: return_request_refusal(t, now=now),
        ),
        Action(
            "sub_dispatch", "下派", SubDispatchForm, s.ticket_sub_dispatch, _keep("unit", "note")
        ),
        Action(
            "request_extension",
            "申请延期",
            ExtensionForm,
            s.ticket_request_extension,
            _keep("days", "reason"),
            refusal=lambda t, user, now: extension_request_refusal(t),
        ),
        Action("reply", "答复", ReplyForm, s.ticket_reply, _keep("result", "text", "reason")),
        Action(
            "submit_part",
            "上报办理情况",
            PartForm,
            s.ticket_submit_part,
            _keep("text"),
            refusal=lambda t, user, now: part_refusal(t, actor=user),
        ),
        Action(
            "direct_answer",
            "直办",
            DirectAnswerForm,
            s.ticket_direct_answer,
            _keep("answer", "result"),
        ),
        Action(
            "dispatch",
            "派单",
            DispatchForm,
            s.ticket_dispatch,
            lambda d: {"unit": d["unit"], "co_units": list(d["co_units"]), "note": d["note"]},
        ),
        Action("reassign", "改派", ReassignForm, s.ticket_reassign, _keep("unit", "reason")),
        Action("approve_return", "同意退单", NoteForm, s.ticket_approve_return, _keep("note")),
        Action("reject_return", "驳回退单", ReasonForm, s.ticket_reject_return, _keep("reason")),
        Action(
            "approve_extension",
            "批准延期",
            NoteForm,
            s.ticket_approve_extension,
            _keep("note"),
            refusal=lambda t, user, now: extension_decision_refusal(t),
        ),
        Action(
            "reject_extension",
            "驳回延期",
            ReasonForm,
            s.ticket_reject_extension,
            _keep("reason"),
            refusal=lambda t, user, now: extension_decision_refusal(t),
        ),
        Action("review_pass", "审核通过", NoteForm, s.ticket_review_pass, _keep("note")),
        Action("review_reject", "审核退回", ReasonForm, s.ticket_review_reject, _keep("reason")),
        Action(
            "callback",
            "回访",
            CallbackForm,
            s.ticket_callback,
            lambda d: {
                "reached": d["reached"],
                "resolved": d["resolved"] if d["reached"] else None,
                "satisfaction": d["satisfaction"] if d["reached"] else "",
                "note": d["note"],
                "reopen": d.get("reopen", False) if d["reached"] else False,
            },
            # A merged ticket's caller is called back once its master's reply passed review.
            refusal=lambda t, user, now: (
                merged_rating_refusal(t) if t.state == State.MERGED else None
            ),
            rule=lambda t: "callback_merged" if t.state == State.MERGED else "callback",
        ),
        Action(
            "reopen",
            "重办",
            ReasonForm,
            s.ticket_reopen,
            _keep("reason"),
            refusal=lambda t, user, now: reopen_refusal(t),
        ),
        Action("merge", "合并", MergeForm, s.ticket_merge, _keep("master")),
        Action("invalidate", "作废", ReasonForm, s.ticket_invalidate, _keep("reason")),
        Action(
            "request_exemption",
            "考核申诉",
            ExemptionForm,
            s.ticket_request_exemption,
            _keep("reason_kind", "reason"),
            refusal=lambda t, user, now: exemption_request_refusal(t),
        ),
        Action(
            "approve_exemption",
            "同意核减",
            NoteForm,
            s.ticket_approve_exemption,
            _keep("note"),
            refusal=lambda t, user, now: exemption_decision_refusal(t),
        ),
        Action(
            "reject_exemption",
            "驳回申诉",
            ReasonForm,
            s.ticket_reject_exemption,
            _keep("reason"),
            refusal=lambda t, user, now: exemption_decision_refusal(t),
        ),
        Action("urge", "催办", NoteForm, s.ticket_urge, _keep("note")),
        Action("supervise", "督办", SuperviseForm, s.ticket_supervise, _keep("level", "note")),
        Action(
            "assign_leader", "领导包案", LeaderForm, s.ticket_assign_leader, _keep("leader", "note")
        ),
        Action(
            "escalate",
            "提级",
            ReasonForm,
            s.ticket_escalate,
            _keep("reason"),
            refusal=lambda t, user, now: escalate_refusal(t),
        ),
    )
}


# Which actions a desk's cards offer; the ticket page offers every available one.
DESK_ACTIONS = {
    "inbox": (
        "accept",
        "record_contact",
        "request_return",
        "sub_dispatch",
        "request_extension",
        "reply",
        "submit_part",
    ),
    "centre": (
        "dispatch",
        "direct_answer",
        "approve_return",
        "reject_return",
        "approve_extension",
        "reject_extension",
        "review_pass",
        "review_reject",
        "callback",
        "merge",
    ),
    "supervision": ("urge", "supervise", "assign_leader", "escalate"),
}


def available_actions(
    ticket: Ticket, user: User, *, only: tuple[str, ...] = (), now: datetime | None = None
) -> list[Action]:
    """The actions ``user`` can take on ``ticket`` at ``now``, as its services would decide.

    An action is offered when the state table allows it (``allowed``: the state is one
    of its sources, the role and the unit scope pass ``check_permission``) and the
    service's own precondition holds (its ``refusal`` is None). The refusal is asked
    before the scope: it reads only the ticket, while the ``assigned`` scope of
    ``submit_part`` costs a query, which a desk full of the primary unit's cards spares.
    """
    now = now or timezone.now()
    return [
        action
        for name, action in ACTIONS.items()
        if (not only or name in only)
        and ticket.state in TABLE[action.table_rule(ticket)].sources
        and (action.refusal is None or action.refusal(ticket, user, now) is None)
        and allowed(ticket=ticket, actor=user, action=action.table_rule(ticket))
    ]


def desk_actions(ticket: Ticket, user: User, desk: str) -> list[Action]:
    only = DESK_ACTIONS.get(desk, ())
    return available_actions(ticket, user, only=only) if only else []
