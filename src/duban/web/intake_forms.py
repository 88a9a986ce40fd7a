"""The intake desk's form: parse and check input in Chinese; the services decide the rest."""

from __future__ import annotations

import re
import uuid
from typing import Any

from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from duban.core.access import readable
from duban.core.errors import DomainError
from duban.org.models import Unit
from duban.tickets.choices import AppealType, Channel
from duban.tickets.forms import EvidenceField
from duban.tickets.services.attachments import SIGNATURES
from duban.tickets.services.dispatching import DISPATCHABLE_KINDS
from duban.tickets.services.intake import normalise_phone

from .selectors import intake_category_choices

MAX_TEXT = int(str(settings.DUBAN["MAX_TEXT_LENGTH"]))
TITLE_MAX = 200
ROUTE_LABELS = {"dispatch": _("登记并派单"), "direct": _("直办"), "register": _("仅登记")}
# The channels a person takes an appeal in at the desk (grid workers, inspections, imports
# and the API register through their own paths).
DESK_CHANNELS = (
    Channel.PHONE,
    Channel.WALK_IN,
    Channel.WEB,
    Channel.MINI_PROGRAM,
    Channel.MESSAGE_BOARD,
)
# Fields of the services' errors → the form's fields.
SERVICE_FIELDS = {"category_id": "category", "file": "attachments"}
_SENTENCE_END = re.compile(r"[。！？!?；;\n]")


def derive_title(content: str, limit: int = 30) -> str:
    """A title from the content's first sentence (the operator may leave 标题 empty)."""
    first = _SENTENCE_END.split(content.strip(), maxsplit=1)[0].strip()
    return first[:limit] if first else content.strip()[:limit]


def dispatchable_units() -> Any:
    return Unit.objects.active().filter(kind__in=sorted(DISPATCHABLE_KINDS)).order_by("path")


class UnitChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return ("　" * max(obj.depth - 1, 0)) + obj.name


class UnitsChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return ("　" * max(obj.depth - 1, 0)) + obj.name


class AttachmentsField(EvidenceField):
    """Photos or PDFs with the ticket page's limits (type, size, count). Here also the
    first bytes are checked against the type, so that a bad file is refused before
    anything — the ticket or another file — is stored."""

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = super().clean(data, initial)
        for f in files:
            if not f.size:
                raise forms.ValidationError(_("附件 %(name)s 是空文件") % {"name": f.name})
            f.seek(0)
            head = f.read(16)
            f.seek(0)
            if not head.startswith(SIGNATURES[(f.content_type or "").split(";")[0]]):
                raise forms.ValidationError(
                    _("附件 %(name)s 的内容与文件类型不符") % {"name": f.name}
                )
        return files


def _text(label: Any, limit: int, **attrs: Any) -> dict[str, Any]:
    return {
        "label": label,
        "max_length": limit,
        "error_messages": {
            "required": _("请填写「%(f)s」") % {"f": label},
            "max_length": _("「%(f)s」不能超过 %(n)s 字") % {"f": label, "n": limit},
        },
    }


class IntakeForm(forms.Form):
    caller_phone = forms.CharField(
        required=False,
        widget=forms.TextInput(
            attrs={"inputmode": "tel", "autocomplete": "off", "accesskey": "p", "autofocus": True}
        ),
        **_text(_("来电号码"), 20),
    )
    caller_name = forms.CharField(required=False, **_text(_("来电人"), 50))
    appeal_type = forms.ChoiceField(
        label=_("诉求类型"),
        choices=[("", _("请选择")), *AppealType.choices],
        error_messages={"required": _("请选择诉求类型"), "invalid_choice": _("诉求类型无效")},
        widget=forms.Select(attrs={"accesskey": "t"}),
    )
    urgent = forms.BooleanField(label=_("紧急"), required=False)
    title = forms.CharField(
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("留空则取内容首句")}),
        **_text(_("标题"), TITLE_MAX),
    )
    content = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6, "accesskey": "c"}), **_text(_("诉求内容"), MAX_TEXT)
    )
    location = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"accesskey": "l"}), **_text(_("地点"), 200)
    )
    unit = UnitChoice(
        label=_("主办单位"),
        queryset=Unit.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("主办单位不存在或不可派单，请重新选择")},
        widget=forms.Select(attrs={"accesskey": "u"}),
    )
    co_units = UnitsChoice(
        label=_("协办单位（可选）"),
        queryset=Unit.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("协办单位不存在或不可派单：%(value)s")},
    )
    answer = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "accesskey": "a"}),
        **_text(_("直办答复"), MAX_TEXT),
    )
    # After the fields above in the Tab order: prefilled, so a typical call passes them by.
    category = forms.TypedChoiceField(
        label=_("分类"),
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": _("分类不存在或已停用，请重新选择")},
        widget=forms.Select(attrs={"accesskey": "g"}),
    )
    channel = forms.ChoiceField(
        label=_("来源渠道"),
        choices=[(c.value, c.label) for c in DESK_CHANNELS],
        initial=Channel.PHONE,
        required=False,
        error_messages={"invalid_choice": _("来源渠道无效，请重新选择")},
    )
    attachments = AttachmentsField(
        label=_("附件（图片或 PDF，每个不超过 10 MB）"),
        required=False,
    )
    route = forms.ChoiceField(
        choices=list(ROUTE_LABELS.items()),
        error_messages={"required": _("请选择提交方式"), "invalid_choice": _("提交方式无效")},
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"idempotency_key": uuid.uuid4().hex})
        super().__init__(*args, **kwargs)
        units = dispatchable_units()
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["co_units"].queryset = units  # type: ignore[attr-defined]
        self.fields["category"].choices = [  # type: ignore[attr-defined]
            ("", _("（按推荐，可不选）")),
            *intake_category_choices(),
        ]
        self.fields["caller_phone"].widget.attrs.update(
            {
                "hx-post": reverse("web:intake_caller"),
                "hx-trigger": "input changed delay:400ms, blur changed",
                "hx-target": "#caller-history",
                "hx-sync": "this:replace",
            }
        )
        for name in ("caller_phone", "appeal_type", "title", "content", "location", "category"):
            self.fields[name].widget.attrs["class"] = "suggest-source"

    def clean_caller_phone(self) -> str:
        try:
            return normalise_phone(self.cleaned_data["caller_phone"])
        except DomainError as exc:
            raise forms.ValidationError(_("来电号码格式不正确，请输入手机或座机号码")) from exc

    def clean_channel(self) -> str:
        return self.cleaned_data["channel"] or Channel.PHONE

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        route = data.get("route")
        if data.get("content") and not data.get("title"):
            data["title"] = derive_title(data["content"])
        if route == "dispatch" and not data.get("unit") and "unit" not in self.errors:
            self.add_error("unit", _("登记并派单须选择主办单位"))
        unit, co = data.get("unit"), data.get("co_units") or []
        if unit is not None and any(u.pk == unit.pk for u in co):
            self.add_error("co_units", _("协办单位不能与主办单位相同"))
        if route == "direct" and not (data.get("answer") or "").strip():
            self.add_error("answer", _("直办须填写答复内容（可从右侧知识库复制）"))
        return data

    def ticket_fields(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "title": d["title"],
            "content": d["content"],
            "appeal_type": d["appeal_type"],
            "urgency": "urgent" if d["urgent"] else "normal",
            "location": d["location"],
            "caller_name": d["caller_name"],
            "caller_phone": d["caller_phone"],
            "category_id": d["category"],
        }

    def add_domain_error(self, exc: DomainError) -> None:
        field = exc.details.get("field")
        field = SERVICE_FIELDS.get(field, field)
        self.add_error(field if field in self.fields else None, readable(exc))

    def ask_files_again(self) -> None:
        """A refused submit stores nothing and a page cannot keep chosen files: say so."""
        if self.files and "attachments" not in self.errors:
            self.add_error("attachments", _("本次未保存附件，请重新选择"))


def required_inputs(form: IntakeForm) -> list[str]:
    """Fields an operator must touch for a typical register-and-dispatch (for the docs/test)."""
    return [n for n, f in form.fields.items() if f.required and not f.widget.is_hidden]
