"""Org endpoints: the unit tree the caller may see."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from duban.core.schemas import ErrorOut

from .schemas import UnitOut
from .selectors import units_visible_to

router = Router(tags=["org"])


@router.get(
    "/units",
    response={200: list[UnitOut], 401: ErrorOut},
    summary="可见单位（扁平树） / the visible unit tree, flat",
)
def unit_list(request: HttpRequest) -> object:
    return units_visible_to(request.auth)  # type: ignore[attr-defined]
