"""Forms of the projects pages (parse only; the services decide)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Grouping, LagStatus, Level, Stage


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


CRITERIA_ROWS = 8
SEASONS = ("春看谋划", "夏看推进", "秋看攻坚", "冬看蝶变")


class ContestForm(forms.Form):
    """The set-up of a contest (parse only: weights, entrants and judges are checked by
    ``services_contests``). Criteria are up to eight name/weight rows; blank rows are skipped."""

    name = forms.CharField(label=_("评比名称"), max_length=100)
    season = forms.CharField(
        label=_("主题"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"list": "contest-seasons"}),
    )
    drop_extremes = forms.BooleanField(label=_("去掉一个最高分和一个最低分"), required=False)
    grouping = forms.ChoiceField(
        label=_("排名分组"), choices=Grouping.choices, widget=forms.RadioSelect
    )
    kind = forms.ChoiceField(
        label=_("参评对象"),
        choices=[("projects", _("项目")), ("units", _("单位（街道/镇、部门）"))],
        widget=forms.RadioSelect,
    )
    projects = forms.TypedMultipleChoiceField(
        label=_("参评项目"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    units = forms.TypedMultipleChoiceField(
        label=_("参评单位"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    judges = forms.TypedMultipleChoiceField(
        label=_("评委"), coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, projects=(), units=(), judges=(), **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["projects"].choices = [(p.pk, f"{p.code} {p.name}") for p in projects]
        self.fields["units"].choices = [
            (u.pk, f"{u.name}（{u.get_kind_display()}）") for u in units
        ]
        self.fields["judges"].choices = [
            (u.pk, f"{u}（{u.unit.name if u.unit else ''}）") for u in judges
        ]
        for i in range(CRITERIA_ROWS):
            self.fields[f"criterion_{i}"] = forms.CharField(
                label=_("评分项"), required=False, max_length=30
            )
            self.fields[f"weight_{i}"] = forms.DecimalField(
                label=_("权重(%)"),
                required=False,
                max_digits=6,
                decimal_places=2,
                min_value=0,
                max_value=100,
                widget=forms.NumberInput(attrs={"step": "0.5", "class": "weight"}),
            )

    def criterion_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"criterion_{i}"], self[f"weight_{i}"]) for i in range(CRITERIA_ROWS)]

    def clean(self) -> dict:  # type: ignore[type-arg]
        data = super().clean() or {}
        rows = []
        for i in range(CRITERIA_ROWS):
            name, weight = (data.get(f"criterion_{i}") or "").strip(), data.get(f"weight_{i}")
            if not name and weight is None:
                continue
            if not name or weight is None:
                raise forms.ValidationError(_("每个评分项须同时填写名称和权重"))
            rows.append((name, weight))
        data["criteria"] = rows
        chosen = data.get("projects") if data.get("kind") == "projects" else data.get("units")
        data["entrant_ids"] = list(chosen or [])
        return data

    @classmethod
    def initial_for(cls, contest: object) -> dict:  # type: ignore[type-arg]
        """The form's values for an existing contest (the edit page)."""
        c: Any = contest
        entrants = list(c.entrants.all())
        initial: dict[str, Any] = {
            "name": c.name,
            "season": c.season,
            "drop_extremes": c.drop_extremes,
            "grouping": c.grouping,
            "kind": "units" if any(e.unit_id for e in entrants) else "projects",
            "projects": [e.project_id for e in entrants if e.project_id],
            "units": [e.unit_id for e in entrants if e.unit_id],
            "judges": list(c.judges.values_list("user_id", flat=True)),
        }
        for i, k in enumerate(c.criteria.order_by("id")[:CRITERIA_ROWS]):
            initial[f"criterion_{i}"], initial[f"weight_{i}"] = k.name, f"{k.weight.normalize():f}"
        return initial
