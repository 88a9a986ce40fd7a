"""The monthly workbook's import: every rule gives a cell-level Chinese message and an error
writes nothing; January and February are one period; corrections keep their history."""

from __future__ import annotations

from typing import Any

import pytest

from duban.indicators.errors import ImportInvalid
from duban.indicators.models import Release, ReleaseStatus, Value
from duban.indicators.selectors import monthly_table
from duban.indicators.services import release_approve, release_publish
from duban.indicators.services_import import import_check, import_commit

from .conftest import sheet_rows, uniform, workbook

pytestmark = pytest.mark.django_db


def commit(stats: Any, now: Any, data: bytes, **kw: Any) -> Any:
    return import_commit(
        district=stats.district_pk, data=data, filename="t.xlsx", actor=stats, now=now, **kw
    )


def refused(stats: Any, now: Any, data: bytes) -> list[str]:
    with pytest.raises(ImportInvalid) as exc:
        commit(stats, now, data)
    assert exc.value.code == "import_invalid"
    assert Release.objects.count() == 0 and Value.objects.count() == 0
    return [i["text"] for i in exc.value.details["issues"] if i["level"] == "error"]


def test_a_clean_month_becomes_a_draft_release(stats: Any, now: Any) -> None:
    report, releases = commit(stats, now, workbook({"2023年1-3月": sheet_rows(uniform())}))
    assert report.ok and [r.period for r in releases] == ["2023-03"]
    assert releases[0].status == ReleaseStatus.DRAFT and releases[0].version == 1
    assert Value.objects.count() == 13 * 8  # the city and twelve areas × eight indicators
    v = Value.objects.get(area__name="城乡一体化示范区", indicator__code="shxf")
    assert (v.value, v.growth) == (16.0, 11.0)


def test_unknown_area_indicator_and_non_numeric_cells(stats: Any, now: Any) -> None:
    rows = sheet_rows(uniform())
    rows[2][0] = "火星区"
    rows[0][1] = "GDP总量"
    rows[5][4] = "abc"
    errors = refused(stats, now, workbook({"2023年1-3月": rows}))
    assert "工作表“2023年1-3月”第3行A列（火星区）：地区名单中没有这个地区" in errors
    assert "工作表“2023年1-3月”第1行B列（GDP总量）：指标目录中没有这个指标" in errors
    assert "工作表“2023年1-3月”第6行E列（abc）：不是数字" in errors


def test_a_cumulative_value_that_falls_is_an_error(stats: Any, now: Any, publish: Any) -> None:
    publish({"2023年1-3月": sheet_rows(uniform(value=10))})
    before = (Release.objects.count(), Value.objects.count())
    later = uniform(value=10)
    later[("新华区", "shxf")] = (5.0, 3.0)
    with pytest.raises(ImportInvalid) as exc:
        commit(stats, now, workbook({"2023年1-4月": sheet_rows(later)}))
    texts = [i["text"] for i in exc.value.details["issues"]]
    assert any("第4行E列（5）：累计值比2023年1-3月的11还小" in t for t in texts)
    assert (Release.objects.count(), Value.objects.count()) == before


def test_an_approved_month_cannot_be_reimported(stats: Any, now: Any, publish: Any) -> None:
    publish({"2023年1-3月": sheet_rows(uniform())}, go=False)
    with pytest.raises(ImportInvalid) as exc:
        commit(stats, now, workbook({"2023年1-3月": sheet_rows(uniform())}))
    assert "数据已审核，不能再导入" in exc.value.details["issues"][0]["text"]
    assert Release.objects.get().status == ReleaseStatus.APPROVED


def test_a_wrong_period_label(stats: Any, now: Any) -> None:
    errors = refused(stats, now, workbook({"三月份": sheet_rows(uniform())}))
    assert errors == [
        "工作表“三月份”第1行A列（三月份）：工作表名称应为统计月份，如“2023年1-11月”“2023年1-2月”或“2023-11”"
    ]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty_file"),
        (b"name,value\n1,2\n", "not_excel"),
        (b"PK\x03\x04 not really a zip", "not_excel"),
        (workbook({"Sheet": []}), "empty_workbook"),
        (b"PK" + b"\0" * (50 * 1024 * 1024), "file_too_large"),
    ],
)
def test_files_that_are_not_a_usable_workbook(stats: Any, now: Any, data: bytes, code: str) -> None:
    with pytest.raises(Exception) as exc:
        commit(stats, now, data)
    assert getattr(exc.value, "code", None) == code
    assert exc.value.message and not exc.value.message.isascii()  # type: ignore[attr-defined]
    assert Release.objects.count() == 0


def test_an_outlying_growth_rate_is_flagged_not_refused(stats: Any, now: Any, publish: Any) -> None:
    for month in range(3, 8):
        publish({f"2023年1-{month}月": sheet_rows(uniform(value=10 * month))})
    odd = uniform(value=100)
    odd[("叶县", "gyzjz")] = (None, 95.0)
    report = import_check(
        district=stats.district_pk, data=workbook({"2023年1-8月": sheet_rows(odd)})
    )
    assert report.ok
    [warning] = report.warnings
    assert (warning.row, warning.column, warning.value) == (13, "B", 95.0)
    assert "异常值" in warning.message
    commit(stats, now, workbook({"2023年1-8月": sheet_rows(odd)}))
    assert Value.objects.get(
        release__period="2023-08", area__name="叶县", indicator__code="gyzjz"
    ).outlier


def test_january_is_published_with_february(
    stats: Any, now: Any, publish: Any, leader: Any
) -> None:
    errors = refused(stats, now, workbook({"2023年1月": sheet_rows(uniform())}))
    assert any("1-2月合并发布" in e for e in errors)
    publish({"2023年1-2月": sheet_rows(uniform())})
    assert Release.objects.get().period == "2023-02"
    table = monthly_table(user=leader, period="2023-01", group="all")
    assert table.shown == "2023-02" and table.label == "2023年1-2月"
    assert {r["rank"] for r in table.rows} == set(range(1, 13))


def test_a_correction_after_publication_keeps_the_history(
    stats: Any, now: Any, publish: Any
) -> None:
    publish({"2023年1-3月": sheet_rows(uniform())})
    with pytest.raises(ImportInvalid):  # a correction needs its reason
        commit(stats, now, workbook({"2023年1-3月": sheet_rows(uniform(value=20))}))
    commit(
        stats, now, workbook({"2023年1-3月": sheet_rows(uniform(value=20))}), reason="县区数据更正"
    )
    district = stats.district_pk
    release_approve(district=district, period="2023-03", actor=stats, now=now)
    release_publish(district=district, period="2023-03", actor=stats, now=now)
    versions = list(Release.objects.order_by("version").values_list("version", "status", "reason"))
    assert versions == [(1, "superseded", ""), (2, "published", "县区数据更正")]
    assert (
        Value.objects.filter(release__version=1, area__name="全市", indicator__code="shxf")
        .get()
        .value
        == 10
    )
    assert (
        Value.objects.filter(release__version=2, area__name="全市", indicator__code="shxf")
        .get()
        .value
        == 20
    )


def test_a_title_row_a_subset_of_indicators_and_the_months_own_value(stats: Any, now: Any) -> None:
    rows: list[list[Any]] = [
        ["平顶山市主要经济指标（2023年1-3月）"],
        ["地 区", "社会消费品零售总额", None, None],
        ["", "当月(亿元)", "累计(亿元)", "增长(%)"],
        ["全市", 100, "300.5", "6.4%"],
        ["示范区", "2.1", 6.0, "-"],
    ]
    report, _ = commit(stats, now, workbook({"2023年3月": rows}))
    assert report.ok and report.cell_count == 2
    city = Value.objects.get(area__name="全市")
    assert (city.month_value, city.value, city.growth) == (100.0, 300.5, 6.4)
    home = Value.objects.get(area__name="城乡一体化示范区")  # matched by its alias
    assert (home.month_value, home.value, home.growth) == (2.1, 6.0, None)
