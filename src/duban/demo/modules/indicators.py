"""The indicators module's demo: Pingdingshan's twelve counties and districts, 24 months of
figures (2021年12月 … 2023年1-11月), imported through the module's own Excel importer from
the workbook shipped beside the demo (``demo/indicators_demo.xlsx``), then approved and
published by the statistics office's login ``stats1``.

The figures are generated (seeded, reproducible) and bent to the reports' facts:

- 城乡一体化示范区, 2023年1-11月: 规上工业增加值 +65.7 %, first of all counties and
  districts; 工业投资 +125 %, second; 社会消费品零售总额 23 亿元, +6.9 %, third of the six
  districts and 0.5 points above the city (+6.4 %);
- 高新区, 2021: 固定资产投资 +16.4 %, 工业投资 +31.9 %.

``python -m duban.demo.modules.indicators`` rewrites the workbook.
"""

from __future__ import annotations

from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import numpy as np

DEMO_WORKBOOK = Path(__file__).resolve().parent.parent / "indicators_demo.xlsx"
STATS_USER = ("stats1", "统计局 何静")

# (code, name, kind, aliases)
AREAS = [
    ("pds", "全市", "city", ["平顶山市"]),
    ("xinhua", "新华区", "district", []),
    ("weidong", "卫东区", "district", []),
    ("zhanhe", "湛河区", "district", []),
    ("shilong", "石龙区", "district", []),
    ("gaoxin", "高新区", "zone", ["平顶山高新区", "高新技术产业开发区"]),
    ("sfq", "城乡一体化示范区", "zone", ["示范区", "平顶山市城乡一体化示范区"]),
    ("wugang", "舞钢市", "county_city", []),
    ("ruzhou", "汝州市", "county_city", []),
    ("baofeng", "宝丰县", "county", []),
    ("yexian", "叶县", "county", []),
    ("lushan", "鲁山县", "county", []),
    ("jiaxian", "郏县", "county", []),
]
HOME = "sfq"
SIX = ["xinhua", "weidong", "zhanhe", "shilong", "gaoxin", "sfq"]
GROUPS = [
    ("all", "全市各县区", [a[0] for a in AREAS[1:]]),
    ("districts", "六区", SIX),
    ("counties", "县(市)", [a[0] for a in AREAS[1:] if a[0] not in SIX]),
]
# (code, name, unit, reported, rank_by, base-effect threshold, annual level of the city,
#  typical growth, spread of growth between areas)
INDICATORS = [
    ("gyzjz", "规上工业增加值", "%", "growth", "growth", 15, None, 6.0, 4.0),
    ("gdzc", "固定资产投资", "%", "growth", "growth", 20, None, 8.0, 6.0),
    ("gytz", "工业投资", "%", "growth", "growth", 30, None, 15.0, 12.0),
    ("shxf", "社会消费品零售总额", "亿元", "both", "growth", 15, 1150.0, 6.0, 1.5),
    ("ybgg", "一般公共预算收入", "亿元", "both", "growth", 15, 190.0, 5.0, 4.0),
    ("sssr", "税收收入", "亿元", "both", "growth", 15, 125.0, 4.0, 5.0),
    ("jckze", "进出口总额", "亿元", "both", "growth", 30, 95.0, 10.0, 15.0),
    ("sjlywz", "实际利用外资", "万美元", "both", "growth", 30, 52000.0, 6.0, 12.0),
]
# Share of the city's level per area (the 12 areas, in AREAS order after the city).
SHARES = [0.14, 0.11, 0.09, 0.02, 0.05, 0.03, 0.08, 0.16, 0.08, 0.09, 0.07, 0.08]
# 2021-12 and 2022-02 … 2023-11: January is published with February (1-2月).
PERIODS = (
    ["2021-12"] + [f"2022-{m:02d}" for m in range(2, 13)] + [f"2023-{m:02d}" for m in range(2, 12)]
)
# (area, indicator, period) → growth (%), and the one value the report quotes.
FACTS_GROWTH = {
    ("sfq", "gyzjz", "2023-11"): 65.7,
    ("sfq", "gytz", "2023-11"): 125.0,
    ("gaoxin", "gytz", "2023-11"): 138.6,
    ("sfq", "shxf", "2023-11"): 6.9,
    ("pds", "shxf", "2023-11"): 6.4,
    ("xinhua", "shxf", "2023-11"): 7.6,
    ("gaoxin", "shxf", "2023-11"): 7.2,
    ("weidong", "shxf", "2023-11"): 6.1,
    ("zhanhe", "shxf", "2023-11"): 5.8,
    ("shilong", "shxf", "2023-11"): 4.9,
    ("gaoxin", "gdzc", "2021-12"): 16.4,
    ("gaoxin", "gytz", "2021-12"): 31.9,
}
FACTS_VALUE = {("sfq", "shxf", "2023-11"): 23.0}
# 示范区's industry in 2023 grows at about this pace all year (new plants coming on line).
YEAR_LEVELS = {
    ("sfq", "gyzjz", "2023"): 63.0,
    ("sfq", "gytz", "2023"): 118.0,
    ("gaoxin", "gytz", "2023"): 130.0,
}
TARGETS_2023 = {  # indicator → (value, growth) for 示范区
    "gyzjz": (None, 12.0),
    "gdzc": (None, 10.0),
    "gytz": (None, 20.0),
    "shxf": (26.0, 7.0),
    "ybgg": (7.5, 6.0),
    "sssr": (5.0, 5.0),
}
WEIGHTS = {"gyzjz": 0.3, "gdzc": 0.2, "gytz": 0.15, "shxf": 0.15, "ybgg": 0.2}


def generate(seed: int = 20231130) -> dict[str, dict[tuple[str, str], tuple[float | None, float]]]:
    """period → (area code, indicator code) → (cumulative value or None, growth %)."""
    rng = np.random.default_rng(seed)
    out: dict[str, dict[tuple[str, str], tuple[float | None, float]]] = {p: {} for p in PERIODS}
    area_codes = [a[0] for a in AREAS]
    for code, _name, _unit, reported, _by, _t, level, typical, spread in INDICATORS:
        for n, area in enumerate(area_codes):
            share = 1.0 if area == "pds" else SHARES[n - 1]
            shift = 0.0 if area == "pds" else rng.normal(0, spread)
            annual = (level or 0.0) * share
            # cumulative path of 2020 (the base), then each year from the last one's growth
            season = np.cumsum(
                1 + 0.15 * np.sin(np.arange(12) / 12 * 2 * np.pi + rng.uniform(0, 6))
            )
            base = annual * season / season[-1]
            previous = base
            for year in (2021, 2022, 2023):
                yl = YEAR_LEVELS.get((area, code, str(year)))
                centre = yl if yl is not None else typical + shift + rng.normal(0, spread / 2)
                noise = rng.normal(0, spread / 3, 12) * np.linspace(1.5, 0.3, 12)
                growth = np.round(centre + noise, 1)
                values = previous * (1 + growth / 100)
                for m in range(1, 12):  # a cumulative figure never falls within the year
                    values[m] = max(values[m], values[m - 1] * 1.01)
                for m in range(12):
                    period = f"{year}-{m + 1:02d}"
                    if period not in out:
                        continue
                    g = FACTS_GROWTH.get((area, code, period), float(growth[m]))
                    v = round(float(values[m]), 4) if reported == "both" else None
                    out[period][(area, code)] = (v, g)
                previous = values
    for (area, code, period), target in FACTS_VALUE.items():
        # scale the whole series: the quoted month lands on the figure, growth unchanged
        factor = target / (out[period][(area, code)][0] or target)
        for figures in out.values():
            v, g = figures[(area, code)]
            figures[(area, code)] = (None if v is None else v * factor, g)
    for figures in out.values():
        for key, (v, g) in figures.items():
            figures[key] = (None if v is None else round(v, 2), g)
    _keep_facts_ranked(out)
    return out


def _keep_facts_ranked(out: dict[str, dict[tuple[str, str], tuple[float | None, float]]]) -> None:
    """Hold the other areas below the quoted ranks (random draws could overtake them)."""
    p = "2023-11"
    caps = {"gyzjz": 60.0, "gytz": 110.0}
    for (area, code), (v, g) in list(out[p].items()):
        if area in ("sfq", "gaoxin", "pds"):
            continue
        if code in caps and g >= caps[code]:
            out[p][(area, code)] = (v, round(caps[code] - 20, 1))


def sheet_name(period: str) -> str:
    year, month = int(period[:4]), int(period[5:7])
    return f"{year}年1-{month}月" if month >= 2 else f"{year}年1月"


def workbook_bytes(
    data: dict[str, dict[tuple[str, str], tuple[float | None, float]]] | None = None,
    *,
    periods: list[str] | None = None,
) -> bytes:
    """The statistics office's table: one sheet per month, two header rows with units."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    data = data or generate()
    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    for period in periods or PERIODS:
        ws = wb.create_sheet(sheet_name(period))
        ws.append([f"平顶山市各县（市、区）主要经济指标（{sheet_name(period)}）"])
        ws["A1"].font = Font(bold=True, size=13)
        top: list[Any] = ["地区"]
        sub: list[Any] = [""]
        for _code, name, unit, reported, *_ in INDICATORS:
            if reported == "both":
                top += [name, None]
                sub += [f"累计({unit})", "增长(%)"]
            else:
                top += [name]
                sub += ["增长(%)"]
        ws.append(top)
        ws.append(sub)
        col = 2
        for _code, _name, _unit, reported, *_ in INDICATORS:
            if reported == "both":
                ws.merge_cells(start_row=2, start_column=col, end_row=2, end_column=col + 1)
                col += 2
            else:
                col += 1
        for cell in ws[2]:
            cell.alignment = Alignment(horizontal="center")
        for area, name, *_ in AREAS:
            row: list[Any] = [name]
            for code, _n, _u, reported, *_ in INDICATORS:
                v, g = data[period].get((area, code), (None, None))  # type: ignore[arg-type]
                row += [v, g] if reported == "both" else [g]
            ws.append(row)
        ws.column_dimensions["A"].width = 18
        ws.freeze_panes = "B4"
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def build_catalogue(district: Any, *, now: datetime) -> None:
    from duban.indicators.models import Area
    from duban.indicators.services import (
        area_create,
        group_create,
        indicator_create,
        scheme_set,
        target_set,
    )

    if Area.objects.filter(district=district).exists():
        return
    areas = {
        code: area_create(
            district=district,
            code=code,
            name=name,
            kind=kind,
            aliases=aliases,
            is_home=code == HOME,
            sort_order=n,
            actor=None,
            now=now,
        )
        for n, (code, name, kind, aliases) in enumerate(AREAS)
    }
    for n, (code, name, members) in enumerate(GROUPS):
        group_create(
            district=district,
            code=code,
            name=name,
            areas=[areas[m] for m in members],
            sort_order=n,
            actor=None,
            now=now,
        )
    indicators = {}
    for n, (code, name, unit, reported, rank_by, threshold, *_rest) in enumerate(INDICATORS):
        indicators[code] = indicator_create(
            district=district,
            code=code,
            name=name,
            unit=unit,
            reported=reported,
            rank_by=rank_by,
            base_effect_threshold=threshold,
            merged_jan_feb=True,
            sort_order=n,
            actor=None,
            now=now,
        )
    for code, (value, growth) in TARGETS_2023.items():
        target_set(
            area=areas[HOME],
            indicator=indicators[code],
            year=2023,
            value=value,
            growth=growth,
            actor=None,
            now=now,
        )
    scheme_set(
        district=district,
        code="default",
        name="主要指标综合排名",
        weights={indicators[c]: w for c, w in WEIGHTS.items()},
        actor=None,
        now=now,
    )


def stats_user(district: Any) -> Any:
    from django.contrib.auth.hashers import make_password

    from duban.demo import data
    from duban.org.models import User
    from duban.org.roles import Role
    from duban.org.services import user_create

    username, full_name = STATS_USER
    user = User.objects.filter(username=username).first()
    if user is None:
        user = user_create(
            username=username, role=Role.STATS_OFFICE, unit=district, full_name=full_name
        )
        user.password = make_password(data.DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


def build(world: Any, *, now: datetime) -> str:
    from duban.indicators.models import Release
    from duban.indicators.services import release_approve, release_publish
    from duban.indicators.services_import import import_commit

    district = world.district
    build_catalogue(district, now=now)
    user = stats_user(district)
    if Release.objects.filter(district=district).exists():
        return "已有经济指标数据，跳过"
    data = DEMO_WORKBOOK.read_bytes() if DEMO_WORKBOOK.is_file() else workbook_bytes()
    report, releases = import_commit(
        district=district.pk, data=data, filename=DEMO_WORKBOOK.name, actor=user, now=now
    )
    for release in releases:
        release_approve(district=district.pk, period=release.period, actor=user, now=now)
        release_publish(district=district.pk, period=release.period, actor=user, now=now)
    return (
        f"{len(AREAS) - 1} 个县区、{len(INDICATORS)} 项指标、{len(releases)} 期数据"
        f"（{report.cell_count} 项，{len(report.warnings)} 处异常值提示），统计局登录 {user.username}"
    )


if __name__ == "__main__":  # python -m duban.demo.modules.indicators
    DEMO_WORKBOOK.write_bytes(workbook_bytes())
    print(DEMO_WORKBOOK)
