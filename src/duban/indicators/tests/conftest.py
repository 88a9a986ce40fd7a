"""The indicators tests' world: the demo's catalogue (twelve areas, three peer groups, eight
indicators) in the test district, a statistics office login, and workbooks written here."""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO
from types import SimpleNamespace
from typing import Any

import pytest
from openpyxl import Workbook

from duban.demo.modules.indicators import AREAS, INDICATORS, build_catalogue
from duban.org.roles import Role
from duban.testing.personas import build_district, make_user
from duban.web.tests.conftest import (  # noqa: F401  (the browser journey's fixtures)
    browser_type_launch_args,
    migration_data,
    open_as,
)

# indicator code → (name, reported)
IND = {code: (name, reported) for code, name, _u, reported, *_ in INDICATORS}
AREA_NAMES = [a[1] for a in AREAS]


@pytest.fixture
def cat(district: SimpleNamespace, now: Any) -> SimpleNamespace:
    build_catalogue(district.district, now=now)
    return district


@pytest.fixture
def stats(cat: SimpleNamespace) -> Any:
    return make_user("stats", Role.STATS_OFFICE, cat.district)


@pytest.fixture
def other_stats(db: None, now: Any) -> Any:
    """A statistics office of another district (its own catalogue)."""
    from duban.org.models import UnitKind
    from duban.org.services import unit_create

    other = unit_create(code="o-district", name="另一区", kind=UnitKind.DISTRICT)
    build_catalogue(other, now=now)
    return make_user("other_stats", Role.STATS_OFFICE, other)


def sheet_rows(
    values: dict[tuple[str, str], tuple[Any, Any]], areas: list[str] | None = None
) -> list[list[Any]]:
    """Two header rows and one row per area; ``values[(area name, indicator code)]``."""
    top: list[Any] = ["地区"]
    sub: list[Any] = [""]
    for code, (name, reported) in IND.items():
        unit = next(i[2] for i in INDICATORS if i[0] == code)
        if reported == "both":
            top += [name, None]
            sub += [f"累计({unit})", "增长(%)"]
        else:
            top += [name]
            sub += ["增长(%)"]
    rows = [top, sub]
    for area in areas or AREA_NAMES:
        row: list[Any] = [area]
        for code, (_name, reported) in IND.items():
            v, g = values.get((area, code), (None, None))
            row += [v, g] if reported == "both" else [g]
        rows.append(row)
    return rows


def uniform(value: float = 10.0, growth: float = 5.0) -> dict[tuple[str, str], tuple[Any, Any]]:
    """Every area the same figures except a spread of growth by position (rank = order)."""
    out = {}
    for n, area in enumerate(AREA_NAMES):
        for code in IND:
            out[(area, code)] = (value + n, growth + 12 - n)
    return out


def workbook(sheets: dict[str, list[list[Any]]]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def publish(stats: Any, now: Any) -> Callable[..., None]:
    """Import, approve and publish ``sheets`` as the statistics office."""
    from duban.indicators.services import release_approve, release_publish
    from duban.indicators.services_import import import_commit

    def run(sheets: dict[str, list[list[Any]]], *, approve: bool = True, go: bool = True) -> None:
        district = stats.district_pk
        _, releases = import_commit(
            district=district, data=workbook(sheets), filename="t.xlsx", actor=stats, now=now
        )
        for r in releases:
            if approve:
                release_approve(district=district, period=r.period, actor=stats, now=now)
            if approve and go:
                release_publish(district=district, period=r.period, actor=stats, now=now)

    return run


__all__ = ["build_district"]
