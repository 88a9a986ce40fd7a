"""Writes of the indicators module: the catalogue (areas, peer groups, indicators, targets,
composite schemes) and a month's release through draft → approved → published.

Only the district's statistics office writes. A published month corrected by a new import
becomes a new version; publishing it marks the old one ``superseded`` (kept as history).
The workbook import itself is in ``services_import``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from django.db import transaction

from duban.org.models import Unit, User
from duban.org.services import audit_log

from .calc import cumulative_label
from .errors import IllegalStatus, ReleaseNotFound
from .models import (
    Area,
    CompositeScheme,
    CompositeWeight,
    Indicator,
    PeerGroup,
    Release,
    ReleaseStatus,
    Target,
)
from .services_import import _require_stats

# (from, to) → the label of the step
STEPS = {
    (ReleaseStatus.DRAFT, ReleaseStatus.APPROVED): "审核通过",
    (ReleaseStatus.APPROVED, ReleaseStatus.PUBLISHED): "发布",
    (ReleaseStatus.APPROVED, ReleaseStatus.DRAFT): "退回修改",
}


def _locked_release(district: int, period: str) -> Release:
    release = (
        Release.objects.select_for_update()
        .filter(district_id=district, period=period)
        .exclude(status=ReleaseStatus.SUPERSEDED)
        .order_by("-version")
        .first()
    )
    if release is None:
        raise ReleaseNotFound(f"{period} 没有导入数据")
    return release


def _step(
    *, district: int, period: str, target: ReleaseStatus, actor: User, now: datetime
) -> Release:
    _require_stats(actor, district)
    release = _locked_release(district, period)
    label = STEPS.get((ReleaseStatus(release.status), target))
    if label is None:
        raise IllegalStatus(
            f"{cumulative_label(period)}数据当前为“{release.get_status_display()}”，不能{_verb(target)}"
        )
    release.status = target
    fields = ["status"]
    if target == ReleaseStatus.APPROVED:
        release.approved_by, release.approved_at = actor, now
        fields += ["approved_by", "approved_at"]
    elif target == ReleaseStatus.PUBLISHED:
        release.published_by, release.published_at = actor, now
        fields += ["published_by", "published_at"]
        Release.objects.filter(
            district_id=district, period=period, status=ReleaseStatus.PUBLISHED
        ).exclude(pk=release.pk).update(status=ReleaseStatus.SUPERSEDED)
    release.save(update_fields=fields)
    audit_log(actor=actor, obj=release, message=f"{cumulative_label(period)}数据{label}")
    return release


def _verb(target: ReleaseStatus) -> str:
    return {"approved": "审核", "published": "发布", "draft": "退回"}[target]


@transaction.atomic
def release_approve(*, district: int, period: str, actor: User, now: datetime) -> Release:
    return _step(
        district=district, period=period, target=ReleaseStatus.APPROVED, actor=actor, now=now
    )


@transaction.atomic
def release_publish(*, district: int, period: str, actor: User, now: datetime) -> Release:
    return _step(
        district=district, period=period, target=ReleaseStatus.PUBLISHED, actor=actor, now=now
    )


@transaction.atomic
def release_return(*, district: int, period: str, actor: User, now: datetime) -> Release:
    """An approved month goes back to draft (to be re-imported)."""
    return _step(district=district, period=period, target=ReleaseStatus.DRAFT, actor=actor, now=now)


# -- the catalogue ----------------------------------------------------------------------------


@transaction.atomic
def area_create(
    *,
    district: Unit,
    code: str,
    name: str,
    kind: str,
    actor: User | None,
    now: datetime,
    is_home: bool = False,
    aliases: Sequence[str] = (),
    sort_order: int = 0,
) -> Area:
    area = Area.objects.create(
        district=district,
        code=code,
        name=name,
        kind=kind,
        is_home=is_home,
        aliases=list(aliases),
        sort_order=sort_order,
    )
    if actor is not None:
        audit_log(actor=actor, obj=area, message="新增地区", action="add")
    return area


@transaction.atomic
def group_create(
    *,
    district: Unit,
    code: str,
    name: str,
    areas: Iterable[Area],
    actor: User | None,
    now: datetime,
    sort_order: int = 0,
) -> PeerGroup:
    group = PeerGroup.objects.create(district=district, code=code, name=name, sort_order=sort_order)
    group.areas.set(list(areas))
    if actor is not None:
        audit_log(actor=actor, obj=group, message="新增比较组", action="add")
    return group


@transaction.atomic
def indicator_create(
    *,
    district: Unit,
    code: str,
    name: str,
    unit: str,
    actor: User | None,
    now: datetime,
    **options: object,
) -> Indicator:
    indicator = Indicator.objects.create(
        district=district, code=code, name=name, unit=unit, **options
    )  # type: ignore[misc]
    if actor is not None:
        audit_log(actor=actor, obj=indicator, message="新增指标", action="add")
    return indicator


@transaction.atomic
def target_set(
    *,
    area: Area,
    indicator: Indicator,
    year: int,
    value: float | None,
    growth: float | None,
    actor: User | None,
    now: datetime,
) -> Target:
    if actor is not None:
        _require_stats(actor, area.district_id)
    target, _ = Target.objects.update_or_create(
        area=area,
        indicator=indicator,
        year=year,
        defaults={"district_id": area.district_id, "value": value, "growth": growth},
    )
    if actor is not None:
        audit_log(actor=actor, obj=target, message=f"设定{year}年目标")
    return target


@transaction.atomic
def scheme_set(
    *,
    district: Unit,
    code: str,
    name: str,
    weights: dict[Indicator, float],
    actor: User | None,
    now: datetime,
) -> CompositeScheme:
    scheme, _ = CompositeScheme.objects.update_or_create(
        district=district, code=code, defaults={"name": name}
    )
    scheme.weights.all().delete()
    CompositeWeight.objects.bulk_create(
        [CompositeWeight(scheme=scheme, indicator=i, weight=w) for i, w in weights.items()]
    )
    if actor is not None:
        audit_log(actor=actor, obj=scheme, message="设定综合排名权重")
    return scheme
