"""Forms of the public portal: parse and validate input, nothing else."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from duban.core.errors import InvalidInput
from duban.tickets.choices import AppealType, Satisfaction
from duban.tickets.services.base import check_text
from duban.tickets.services.intake import normalise_phone

from .selectors import category_choices
from .services import check_photo

# The honeypot: hidden from people by CSS, filled in by naive bots.
HONEYPOT = "website"


def _phone(value: str) -> str:
    try:
        phone = normalise_phone(value)
    except InvalidInput as exc:
        raise forms.ValidationError("电话号码格式不正确，请填写手机号或带区号的固定电话") from exc
    if not phone:
        raise forms.ValidationError("请填写联系电话")
    return phone


class SubmitForm(forms.Form):
    category = forms.TypedChoiceField(
        label="问题分类", coerce=int, required=False, empty_value=None
    )
    appeal_type = forms.ChoiceField(
        label="诉求类型", choices=AppealType.choices, initial=AppealType.COMPLAINT
    )
    location = forms.CharField(label="发生地点", max_length=200)
    content = forms.CharField(label="问题描述", widget=forms.Textarea(attrs={"rows": 6}))
    title = forms.CharField(label="标题", max_length=60, required=False)
    photo = forms.FileField(label="现场照片", required=False)
    caller_name = forms.CharField(label="联系人姓名", max_length=50)
    caller_phone = forms.CharField(label="联系电话", max_length=20)
    website = forms.CharField(label="网址", required=False)  # honeypot
    challenge = forms.CharField(widget=forms.HiddenInput, required=False)
    answer = forms.CharField(label="验证题", max_length=8, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "不清楚，由工作人员判断"), *category_choices()]
        self.fields["photo"].widget.attrs["accept"] = "image/jpeg,image/png,image/gif,image/webp"
        self.fields["caller_phone"].widget.attrs.update(inputmode="tel", autocomplete="tel")
        self.fields["caller_name"].widget.attrs["autocomplete"] = "name"
        self.fields["answer"].widget.attrs.update(inputmode="numeric", autocomplete="off")
        self.fields[HONEYPOT].widget.attrs.update(tabindex="-1", autocomplete="off")

    def clean_content(self) -> str:
        value = self.cleaned_data["content"].strip()
        if len(value) < 10:
            raise forms.ValidationError("请把问题描述清楚（至少 10 个字）")
        try:
            return check_text(value, field="content")
        except InvalidInput as exc:
            limit = settings.DUBAN["MAX_TEXT_LENGTH"]
            raise forms.ValidationError(f"问题描述不能超过 {limit} 字") from exc

    def clean_caller_phone(self) -> str:
        return _phone(self.cleaned_data["caller_phone"])

    def clean_photo(self) -> Any:
        photo = self.cleaned_data.get("photo")
        if photo:
            try:
                check_photo(photo)
            except InvalidInput as exc:
                raise forms.ValidationError(exc.message) from exc
        return photo or None


class TrackForm(forms.Form):
    number = forms.CharField(label="工单编号", max_length=16)
    phone = forms.CharField(label="联系电话", max_length=20)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["number"].widget.attrs.update(inputmode="numeric", autocomplete="off")
        self.fields["phone"].widget.attrs.update(inputmode="tel", autocomplete="tel")

    def clean_number(self) -> str:
        return self.cleaned_data["number"].strip()


class RateForm(forms.Form):
    access = forms.CharField(widget=forms.HiddenInput)
    resolved = forms.TypedChoiceField(
        label="问题是否解决",
        choices=[("1", "已解决"), ("0", "未解决")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    satisfaction = forms.ChoiceField(
        label="满意程度", choices=Satisfaction.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label="意见建议", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
