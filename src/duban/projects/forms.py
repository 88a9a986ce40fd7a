"""Forms of the projects pages (parse only; the services decide)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import LagStatus, Level, Stage


class LedgerFilterForm(forms.Form):
    name = forms.CharField(label=_("名称/编号"), required=False, max_length=100)
    level = forms.ChoiceField(
        label=_("级别"), required=False, choices=[("", _("全部"))] + Level.choices
    )
    stage = forms.ChoiceField(
        label=_("阶段"), required=False, choices=[("", _("全部"))] + Stage.choices
    )
    lag_status = forms.ChoiceField(
        label=_("进度"), required=False, choices=[("", _("全部"))] + LagStatus.choices
    )
    chain = forms.TypedChoiceField(label=_("产业链"), required=False, coerce=int, empty_value=None)
    street = forms.TypedChoiceField(label=_("街道"), required=False, coerce=int, empty_value=None)
    lead = forms.TypedChoiceField(label=_("包联领导"), required=False, coerce=int, empty_value=None)
    warning = forms.ChoiceField(
        label=_("预警"),
        required=False,
        choices=[("", _("全部")), ("yellow", _("黄色")), ("red", _("红色"))],
    )

    def __init__(self, *args, chains=(), streets=(), leads=(), **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["chain"].choices = [("", _("全部"))] + [(c.pk, c.name) for c in chains]
        self.fields["street"].choices = [("", _("全部"))] + [(s.pk, s.name) for s in streets]
        self.fields["lead"].choices = [("", _("全部"))] + [(u.pk, str(u)) for u in leads]


class ReportForm(forms.Form):
    month = forms.CharField(label=_("月份"), widget=forms.TextInput(attrs={"type": "month"}))
    investment_month = forms.DecimalField(
        label=_("当月完成投资(万元)"), max_digits=14, decimal_places=2
    )
    progress = forms.CharField(
        label=_("形象进度"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    problems = forms.CharField(
        label=_("存在问题"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )
    requests = forms.CharField(
        label=_("需协调事项"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )
    correction_note = forms.CharField(
        label=_("更正说明(数字调减时必填)"), required=False, max_length=500
    )
    photo = forms.FileField(label=_("形象进度照片"), required=False)

    def clean_month(self) -> tuple[int, int]:
        value = self.cleaned_data["month"]
        try:
            year, month = (int(x) for x in value.split("-"))
        except ValueError:
            raise forms.ValidationError(_("月份格式应为 YYYY-MM")) from None
        if not (1 <= month <= 12 and 2000 <= year <= 2100):
            raise forms.ValidationError(_("月份格式应为 YYYY-MM"))
        return year, month


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("通过")), ("return", _("退回"))])
    comment = forms.CharField(label=_("审核意见"), required=False, max_length=500)


class StageForm(forms.Form):
    stage = forms.ChoiceField(label=_("推进到"), choices=Stage.choices)
    on = forms.DateField(
        label=_("实际日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label=_("说明"), required=False, max_length=200)


class BlockerForm(forms.Form):
    title = forms.CharField(label=_("问题标题"), max_length=100)
    content = forms.CharField(
        label=_("问题描述及需协调事项"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class ImportForm(forms.Form):
    file = forms.FileField(label=_("重点项目台账(.xlsx)"))
    good_rows_only = forms.BooleanField(label=_("只导入无误的行"), required=False)
