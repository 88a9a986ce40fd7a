"""工单查询: every ticket the user may see, filtered, paged and exported to Excel.

The dashboard's unit and category tables link here with the month and
``by=dispatched_at``, so a figure opens on the very tickets it counts. Staff who see
personal data (``org.roles.PERSONAL_DATA_ROLES``) may also search by the caller's phone
or name (the top bar sends a phone here); for others those fields do not exist and
passing them is refused (403). Their result pages show each caller's name and phone, so
every page they read is audited (``tickets.services.privacy``), a search by a caller as a
``SEARCH`` of that person. docs/search.md: the indexes and the short-term rule.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from duban.core.access import readable, signed_in
from duban.core.errors import DomainError
from duban.core.periods import parse_period
from duban.metrics.excel import Column, table_workbook
from duban.metrics.views import xlsx_response
from duban.org.models import Unit, UnitKind, User
from duban.org.selectors import units_visible_to
from duban.tickets.choices import State
from duban.tickets.services import privacy
from duban.tickets.services.intake import normalise_phone

from . import selectors_search as selectors
from .desks import page_number

PLACE_CHOICE_KINDS = (UnitKind.STREET, UnitKind.COMMUNITY)
# The fields only staff who see personal data have.
PERSON_FIELDS = ("phone", "caller_name")
PAGE_SIZE = 50
EXPORT_LIMIT = 10_000
# Newest registrations first by default: a word of the content is then read month by
# month, newest first (selectors_search.WALK_ORDERING).
ORDERINGS = (
    (selectors.WALK_ORDERING, _("登记最新")),
    ("-number", _("编号倒序")),
    ("number", _("编号正序")),
    ("handle_due", _("办理时限最早")),
)


def _date(label: str) -> forms.DateField:
    return forms.DateField(
        label=label, required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class TicketSearchForm(forms.Form):
    q = forms.CharField(label=_("标题关键词"), required=False, max_length=100)
    content = forms.CharField(label=_("诉求内容"), required=False, max_length=100)
    reply = forms.CharField(label=_("答复内容"), required=False, max_length=100)
    phone = forms.CharField(label=_("来电号码"), required=False, max_length=20)
    caller_name = forms.CharField(label=_("诉求人姓名"), required=False, max_length=50)
    state = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *State.choices]
    )
    unit = forms.ChoiceField(label=_("承办单位"), required=False)
    place = forms.ChoiceField(label=_("街道/村社"), required=False)
    subtree = forms.BooleanField(label=_("含下级单位"), required=False)
    category = forms.ModelChoiceField(
        label=_("一级分类"),
        required=False,
        queryset=selectors.level_one_categories(),  # lazy: each form reads it afresh
        empty_label=_("全部"),
    )
    period = forms.CharField(
        label=_("月份"), required=False, widget=forms.DateInput(attrs={"type": "month"})
    )
    by = forms.ChoiceField(
        label=_("按"),
        required=False,
        choices=[("created_at", _("登记时间")), ("dispatched_at", _("派单时间"))],
    )
    date_from = _date(_("日期自"))
    date_to = _date(_("日期至"))
    overdue = forms.BooleanField(label=_("仅看超期"), required=False)
    ordering = forms.ChoiceField(label=_("排序"), required=False, choices=ORDERINGS)

    def __init__(self, *args: Any, units: list[Unit], personal: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not personal:
            for name in PERSON_FIELDS:
                del self.fields[name]
        self.units = {u.code: u for u in units}
        self.places = {str(u.pk): u for u in units if u.kind in PLACE_CHOICE_KINDS}
        field = self.fields["unit"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("全部")), *((u.code, u.name) for u in units)]
        place = self.fields["place"]
        assert isinstance(place, forms.ChoiceField)
        place.choices = [("", _("全部")), *((k, u.name) for k, u in self.places.items())]

    def clean_period(self) -> tuple[Any, Any] | None:
        value = (self.cleaned_data.get("period") or "").strip()
        if not value:
            return None
        try:
            period = parse_period(value)
        except DomainError as exc:
            raise forms.ValidationError(_("月份格式应为 YYYY-MM，例如 2026-11")) from exc
        return (period.start, period.end)

    def clean_phone(self) -> str:
        try:
            return normalise_phone((self.cleaned_data.get("phone") or "").strip())
        except DomainError as exc:
            raise forms.ValidationError(_("电话号码格式不正确")) from exc

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("结束日期不能早于开始日期"))
        for name in ("q", "content", "reply", "caller_name"):
            if isinstance(data.get(name), str):
                data[name] = data[name].strip()
        return data

    def window(self) -> selectors.Window | None:
        """The date range on the chosen field (登记 or 派单), whole local days."""
        start: date | None = self.cleaned_data.get("date_from")
        end: date | None = self.cleaned_data.get("date_to")
        if start is None and end is None:
            return None
        return (
            self.cleaned_data.get("by") or "created_at",
            _local_midnight(start) if start else None,
            _local_midnight(end + timedelta(days=1)) if end else None,
        )

    def place_unit(self) -> Unit | None:
        return self.places.get(self.cleaned_data.get("place") or "")

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "q": data.get("q") or None,
            "state": data.get("state") or None,
            "unit": self.units.get(data.get("unit") or ""),
            "subtree": bool(data.get("subtree")),
            "category": data.get("category"),
            "period": data.get("period"),
            "period_field": data.get("by") or "created_at",
            "overdue": True if data.get("overdue") else None,
            "content": data.get("content") or None,
            "reply": data.get("reply") or None,
            "caller_phone": data.get("phone") or None,
            "caller_name": data.get("caller_name") or None,
        }


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _when(value: Any) -> Any:
    return timezone.localtime(value).replace(tzinfo=None) if value else None


EXPORT_COLUMNS: tuple[Column, ...] = (
    ("工单编号", 18, None, lambda t: t.number),
    ("标题", 36, None, lambda t: t.title),
    ("状态", 10, None, lambda t: t.get_state_display()),
    ("诉求类型", 10, None, lambda t: t.get_appeal_type_display()),
    ("分类", 32, None, lambda t: t.category.full_name if t.category else ""),
    ("承办单位", 18, None, lambda t: t.primary_unit.name if t.primary_unit else ""),
    ("办理单位", 18, None, lambda t: t.handling_unit.name if t.handling_unit else ""),
    ("地点", 24, None, lambda t: t.location),
    ("登记时间", 18, "yyyy-mm-dd hh:mm", lambda t: _when(t.created_at)),
    ("派单时间", 18, "yyyy-mm-dd hh:mm", lambda t: _when(t.dispatched_at)),
    ("办理时限", 18, "yyyy-mm-dd hh:mm", lambda t: _when(t.handle_due)),
    ("超期", 6, None, lambda t: "是" if t.is_overdue else ""),
)


def _export(found: selectors.SearchPage) -> HttpResponse:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    title = f"工单查询 {stamp}" + (
        f"（前 {len(found.tickets)} 件，共 {found.count}{'+' if found.capped else ''} 件）"
        if found.capped or found.count > len(found.tickets)
        else ""
    )
    content = table_workbook(EXPORT_COLUMNS, found.tickets, title="工单", doc_title=title)
    return xlsx_response(content, f"工单查询 {stamp}.xlsx", f"tickets-{stamp}.xlsx")


@signed_in
def ticket_search(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    now = timezone.now()
    personal = user.sees_personal_data
    form = TicketSearchForm(request.GET or None, units=units_visible_to(user), personal=personal)
    context: dict[str, Any] = {
        "form": form,
        "tickets": [],
        "count": 0,
        "page": 1,
        "pages": 0,
        "personal": personal,
    }
    if not personal and any(request.GET.get(name) for name in PERSON_FIELDS):
        context["error"] = _("您的角色无权按诉求人或来电号码查询工单")
        return render(request, "web/search.html", context, status=403)
    if request.GET and not form.is_valid():
        return render(request, "web/search.html", context, status=422)
    filters = form.filters() if request.GET else {}
    ordering = (form.cleaned_data.get("ordering") if request.GET else None) or ORDERINGS[0][0]
    place = form.place_unit() if request.GET else None
    by_person = bool(filters.get("caller_phone") or filters.get("caller_name"))
    try:
        window, narrowed = selectors.short_term_window(
            terms=(filters.get("q"), filters.get("reply")),
            content=filters.get("content"),
            ordering=ordering,
            window=form.window() if request.GET else None,
            period=filters.get("period"),
            by_person=by_person,
            now=now,
        )
        search = selectors.searched_tickets(
            user=user, now=now, place=place, window=window, **filters
        )
        if request.GET.get("export") == "xlsx":
            exported = selectors.search_page(
                search, now=now, ordering=ordering, page=1, page_size=EXPORT_LIMIT
            )
            # The workbook has no caller column: only a search by a caller is audited.
            privacy.personal_data_list_record(
                actor=user,
                tickets=exported.tickets,
                now=now,
                by_person=by_person,
                callers_shown=False,
            )
            return _export(exported)
        found = selectors.search_page(
            search, now=now, ordering=ordering, page=page_number(request), page_size=PAGE_SIZE
        )
        # A centre role's page shows the callers in full; a search by a caller tells whose
        # tickets they are: both audited, one insert for the page.
        privacy.personal_data_list_record(
            actor=user, tickets=found.tickets, now=now, by_person=by_person
        )
    except DomainError as exc:
        if exc.details.get("field") in form.fields:
            form.add_error(exc.details["field"], readable(exc))
        else:
            context["error"] = readable(exc)
        return render(request, "web/search.html", context, status=exc.status)
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("export", None)
    context.update(
        tickets=found.tickets,
        count=found.count,
        capped=found.capped,
        narrowed=narrowed,
        short_days=selectors.SHORT_TERM_DAYS,
        page=found.page,
        pages=found.pages,
        query=query.urlencode(),
        now=now,
    )
    return render(request, "web/search.html", context)
