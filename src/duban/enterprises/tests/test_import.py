"""Excel import of the ledger: every row or none, with row-level Chinese errors; exports stay
text."""

from __future__ import annotations

import pytest

from duban.enterprises.models import Enterprise
from duban.enterprises.services import enterprises_import
from duban.enterprises.tests.conftest import valid_code

pytestmark = pytest.mark.django_db


def row(**kw):
    base = {
        "企业名称": "九州通医药有限公司",
        "统一社会信用代码": valid_code(),
        "园区": "",
        "街道/镇": "滨湖街道",
        "规上企业": "是",
    }
    base.update(kw)
    return base


def test_good_rows_are_all_imported(ent, now):
    made = enterprises_import(
        actor=ent.admin, now=now, rows=[(2, row()), (3, row(企业名称="跃新装备"))]
    )
    assert len(made) == 2 and Enterprise.objects.count() == 4
    assert made[0].above_scale and made[0].street == ent.d.binhu


def test_bad_rows_are_reported_and_nothing_is_written(ent, now):
    code = valid_code()
    rows = [
        (2, row(统一社会信用代码=code[:17] + ("0" if code[17] != "0" else "1"))),
        (3, row(统一社会信用代码=ent.acme.credit_code)),
        (4, row(园区="不存在的园区")),
        (5, row(街道="", **{"街道/镇": "火星街道"})),
        (6, row(统一社会信用代码=code)),
        (7, row(统一社会信用代码=code)),
    ]
    with pytest.raises(Exception) as info:
        enterprises_import(actor=ent.admin, now=now, rows=rows)
    assert info.value.code == "import_rejected"
    errors = info.value.details["errors"]
    by_row = {e["row"]: e["message"] for e in errors}
    assert "校验位" in by_row[2]
    assert "已登记" in by_row[3]
    assert "园区" in by_row[4] and "不存在" in by_row[4]
    assert "火星街道" in by_row[5]
    assert "第 6 行" in by_row[7]
    assert Enterprise.objects.count() == 2
