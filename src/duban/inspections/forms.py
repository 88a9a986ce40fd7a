"""Parsing the pages' POSTs into the services' arguments (no writes, no rules)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.http import QueryDict
from django.utils.datastructures import MultiValueDict

from duban.core.errors import InvalidInput, NotFound
from duban.org.models import Unit, User

from .models import Programme, Site, Standard
from .services import StandardResult
from .uploads import from_data_url


def int_or_none(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**53 else None


def _unit(user: User, value: Any, field: str) -> Unit:
    unit = Unit.objects.filter(
        pk=int_or_none(value) or 0, path__startswith=f"{user.district_pk}/"
    ).first()
    if unit is None:
        raise InvalidInput("请选择单位 / choose a unit", field=field)
    return unit


def _date(value: Any, field: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise InvalidInput("日期格式不正确 / invalid date", field=field) from exc


def site_fields(post: QueryDict, user: User) -> dict[str, Any]:
    return {
        "code": post.get("code", ""),
        "name": post.get("name", ""),
        "type": post.get("type", ""),
        "street": _unit(user, post.get("street"), "street"),
        "unit": _unit(user, post.get("unit"), "unit"),
        "place": post.get("place", ""),
        "overseer": post.get("overseer", ""),
    }


def round_fields(post: QueryDict, user: User) -> dict[str, Any]:
    programme = Programme.objects.filter(
        district_id=user.district_pk, pk=int_or_none(post.get("programme")) or 0
    ).first()
    if programme is None:
        raise NotFound("请选择督查项目 / choose a programme", field="programme")
    inspector = User.objects.filter(pk=int_or_none(post.get("inspector")) or 0).first()
    if inspector is None:
        raise InvalidInput("请选择督查员 / choose an inspector", field="inspector")
    sites = Site.objects.filter(district_id=user.district_pk, is_active=True)
    street_ids = [i for i in (int_or_none(v) for v in post.getlist("streets")) if i]
    if street_ids:
        sites = sites.filter(street_id__in=street_ids)
    types = [t for t in post.getlist("types") if t]
    if types:
        sites = sites.filter(type__in=types)
    limit = int_or_none(post.get("limit")) or 50
    chosen = list(sites.order_by("?")[: min(limit, 500)])
    return {
        "programme": programme,
        "name": post.get("name", ""),
        "level": post.get("level", "district"),
        "starts_on": _date(post.get("starts_on"), "starts_on"),
        "ends_on": _date(post.get("ends_on"), "ends_on"),
        "assignments": [(site, inspector) for site in chosen],
    }


def _photos(post: QueryDict, files: MultiValueDict, key: str) -> list[Any]:
    """Photos of one field: data URLs the phone page kept (JSON list) and plain files."""
    raw = post.get(key) or "[]"
    try:
        urls = json.loads(raw)
    except ValueError as exc:
        raise InvalidInput("照片数据无法识别 / unreadable photos", field=key) from exc
    if not isinstance(urls, list):
        raise InvalidInput("照片数据无法识别 / unreadable photos", field=key)
    uploads = [from_data_url(u, name=f"{key}-{i}", field=key) for i, u in enumerate(urls[:6])]
    return uploads + files.getlist(f"file_{key}")[:6]


def check_results(
    post: QueryDict, files: MultiValueDict, standards: list[Standard]
) -> tuple[str, list[StandardResult]]:
    results = []
    for standard in standards:
        outcome = post.get(f"outcome_{standard.pk}") or "pass"
        result = StandardResult(standard_id=standard.pk, outcome=outcome)
        if outcome == "fail":
            result.description = post.get(f"description_{standard.pk}", "")
            result.place = post.get(f"place_{standard.pk}", "")
            result.fixed_on_spot = post.get(f"fixed_{standard.pk}") == "1"
            result.photos = _photos(post, files, f"photos_{standard.pk}")
            result.after_photos = _photos(post, files, f"after_{standard.pk}")
        results.append(result)
    return post.get("client_token", ""), results


def sanction_fields(post: QueryDict, user: User) -> dict[str, Any]:
    return {
        "kind": post.get("kind", ""),
        "unit": _unit(user, post.get("unit"), "unit"),
        "period": post.get("period", ""),
        "reason": post.get("reason", ""),
    }
