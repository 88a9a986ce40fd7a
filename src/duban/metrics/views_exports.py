"""Excel exports added with the heat-by-place table, the hot-spot panel and the
monthly report (the figures and rankings exports are in ``views``).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from duban.core.access import readable, role_required
from duban.core.errors import DomainError
from duban.dispatch.hotspots import HotSpot
from duban.org.roles import DASHBOARD_ROLES

from .excel import INTEGER, Column, table_workbook
from .selectors_places import PlaceHeat, StreetHeat, place_heat, place_rows
from .selectors_report import Window, cached_hotspots
from .views import _period, xlsx_response
from .views_panels import WINDOWS, hotspot_window

PLACE_KINDS = {"street": "街道/镇", "community": "村/社区"}

PLACE_COLUMNS: tuple[Column, ...] = (
    ("街道/镇", 16, None, lambda r: r[0]),
    ("地点", 16, None, lambda r: r[1].name),
    ("层级", 10, None, lambda r: PLACE_KINDS.get(r[1].kind, r[1].kind)),
    ("派往本单位(件)", 16, INTEGER, lambda r: r[1].routed),
    ("地点提及(件)", 14, INTEGER, lambda r: r[1].named),
    ("合计(件)", 10, INTEGER, lambda r: r[1].volume),
)

HOTSPOT_COLUMNS: tuple[Column, ...] = (
    ("排名", 6, INTEGER, lambda s: s.rank),
    ("热点", 36, None, lambda s: s.label),
    ("关键词", 30, None, lambda s: "、".join(s.keywords)),
    ("诉求量", 8, INTEGER, lambda s: s.volume),
    ("来电人数", 10, INTEGER, lambda s: s.users),
    ("合并件数", 10, INTEGER, lambda s: s.likes),
    ("增长倍数", 10, "0.00", lambda s: s.growth),
    ("热度", 8, "0.00", lambda s: s.heat),
    ("首次", 20, None, lambda s: s.first_at or ""),
    ("最近", 20, None, lambda s: s.last_at or ""),
    ("示例工单", 40, None, lambda s: "、".join(s.example_ids)),
)


def places_workbook(streets: Sequence[StreetHeat], *, title: str) -> bytes:
    rows: list[tuple[str, PlaceHeat]] = place_rows(streets)
    return table_workbook(PLACE_COLUMNS, rows, title="街道村社诉求量", doc_title=title)


def hotspots_workbook(spots: Sequence[HotSpot], *, title: str) -> bytes:
    return table_workbook(HOTSPOT_COLUMNS, spots, title="热点诉求", doc_title=title)


def _plain_error(exc: DomainError) -> HttpResponse:
    return HttpResponse(readable(exc), status=422, content_type="text/plain; charset=utf-8")


@role_required(DASHBOARD_ROLES)
def export_places(request: HttpRequest) -> HttpResponse:
    try:
        period = _period(request, timezone.now())
    except DomainError as exc:
        return _plain_error(exc)
    streets = place_heat(user=request.user, period_start=period.start, period_end=period.end)  # type: ignore[arg-type]
    name = f"{period.label} 街道村社诉求热力.xlsx"
    content = places_workbook(streets, title=name.removesuffix(".xlsx"))
    return xlsx_response(content, name, f"places-{period.label}.xlsx")


def _window_stamp(key: str, window: Window) -> str:
    return window.label if key == "month" else f"{window.until:%Y-%m-%d}{WINDOWS[key]}"


@role_required(DASHBOARD_ROLES)
def export_hotspots(request: HttpRequest) -> HttpResponse:
    try:
        key, window = hotspot_window(request, timezone.now())
    except DomainError as exc:
        return _plain_error(exc)
    spots = cached_hotspots(user=request.user, window=window)  # type: ignore[arg-type]
    stamp = _window_stamp(key, window)
    name = f"{stamp} 热点诉求.xlsx"
    content = hotspots_workbook(spots, title=name.removesuffix(".xlsx"))
    return xlsx_response(content, name, f"hotspots-{key}-{window.until:%Y%m%d}.xlsx")
