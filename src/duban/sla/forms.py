"""Forms of the SLA admin: durations written and shown in Chinese, the rule form and the
one form that enters a year's State Council notice."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from duban.core.choices import AppealType, Kind, Urgency

from .durations import Duration, DurationSpecError, parse_duration
from .models import SlaRule
from .seed import RULE_FIELDS

_UNIT_LABELS = {
    "min": _("%(n)s分钟"),
    "h": _("%(n)s小时"),
    "wh": _("%(n)s个工作小时"),
    "wd": _("%(n)s个工作日"),
}
# Chinese spellings an administrator may type, mapped to the stored units.
_CHINESE = re.compile(r"^\s*(\d{1,4})\s*个?\s*(分钟|小时|工作小时|工作日)\s*$")
_CHINESE_UNITS = {"分钟": "min", "小时": "h", "工作小时": "wh", "工作日": "wd"}

DURATION_HELP = _(
    "数字加单位：「30分钟」「24小时」按自然时间计（夜间、周末和节假日都计入）；"
    "「2个工作小时」只计工作日的工作时段；「15个工作日」到第15个工作日下班时为止。"
)


def duration_label(spec: str) -> str:
    """``2wh`` → 2个工作小时, ``15wd`` → 15个工作日, ``30min`` → 30分钟 (unreadable: as is)."""
    try:
        duration = parse_duration(spec)
    except DurationSpecError:
        return spec
    return str(_UNIT_LABELS[duration.unit]) % {"n": duration.amount}


def parse_duration_text(text: str) -> Duration:
    """A duration as an administrator writes it: 15个工作日, 2个工作小时 … or 15wd, 2wh."""
    match = _CHINESE.match(text or "")
    spec = f"{match.group(1)}{_CHINESE_UNITS[match.group(2)]}" if match else text
    return parse_duration(spec)


class DurationField(forms.CharField):
    """Shows a stored spec (``2wh``) readably and stores what is typed as a spec."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", DURATION_HELP)
        kwargs.pop("max_length", None)
        super().__init__(max_length=20, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        return duration_label(value) if isinstance(value, str) and value else value

    def clean(self, value: Any) -> str:
        text = super().clean(value)
        try:
            return str(parse_duration_text(text))
        except DurationSpecError as exc:
            raise forms.ValidationError(
                _t("时限写法有误：「%(value)s」。%(help)s")
                % {"value": text, "help": DURATION_HELP},
                code="duration",
            ) from exc


def _any(choices: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [("", _("任意")), *choices]


class SlaRuleForm(forms.ModelForm):
    """A rule: which tickets (blank: any) and its six durations, readable both ways."""

    kind = forms.ChoiceField(label=_("工单类别"), choices=_any(Kind.choices), required=False)
    appeal_type = forms.ChoiceField(
        label=_("诉求类型"), choices=_any(AppealType.choices), required=False
    )
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=_any(Urgency.choices), required=False)

    class Meta:
        model = SlaRule
        fields = ["kind", "appeal_type", "urgency", *RULE_FIELDS]
        field_classes = dict.fromkeys(RULE_FIELDS, DurationField)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            # Which tickets a rule applies to is its identity: changed by a new rule.
            for name in ("kind", "appeal_type", "urgency"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _("规则适用范围不能修改；如需其他范围请新增规则")


def _next_year() -> int:
    from django.utils import timezone

    return timezone.localdate().year + 1


NOTICE_EXAMPLE = (
    "2027-01-01至2027-01-03 元旦\n2027-02-05至2027-02-11 春节\n2027-02-14、2027-02-20 上班\n……"
)


class CalendarNoticeForm(forms.Form):
    """A whole year's State Council arrangement in one go (``services.calendar_confirm_notice``)."""

    year = forms.IntegerField(label=_("年份"), min_value=2000, max_value=2199, initial=_next_year)
    notice = forms.CharField(
        label=_("放假安排"),
        widget=forms.Textarea(attrs={"rows": 14, "cols": 60, "placeholder": NOTICE_EXAMPLE}),
        help_text=_(
            "按国务院办公厅通知逐行录入：每行以日期开头，连续日期用「至」连接，多个日期用「、」分隔，"
            "后面写节日名称；调休上班日写「上班」。例如「2027-01-01至2027-01-03 元旦」"
            "「2027-02-14、2027-02-20 上班」。日期也可写作「2月5日至11日」。"
            "保存后该年已录入的节假日将全部替换，该年日历标记为已确认。"
        ),
    )

    def clean_notice(self) -> str:
        from .notice import NoticeError, parse_notice

        text = self.cleaned_data["notice"]
        year = self.cleaned_data.get("year")
        if year is not None:
            try:
                self.days = parse_notice(year, text)
            except NoticeError as exc:
                raise forms.ValidationError(str(exc), code="notice") from exc
        return text
