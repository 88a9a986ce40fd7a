"""Catalogue import and the knowledge base's Excel round trip and search."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from duban.core.errors import InvalidInput
from duban.dispatch.knowledge import knowledge_search
from duban.dispatch.models import KnowledgeEntry
from duban.dispatch.selectors import knowledge_export
from duban.dispatch.services import catalogue_import, knowledge_import
from duban.tickets.models import Category

pytestmark = pytest.mark.django_db

CSV = "level1,level2,level3\n城乡建设,住房保障,公租房\n城乡建设,住房保障,棚户区改造\n城乡建设,村居事务,\n环境保护,噪音污染,施工噪音\n"


def test_catalogue_import_builds_three_levels_with_units(tmp_path, p):
    path = tmp_path / "cat.csv"
    path.write_text(CSV, encoding="gbk")  # offices send GBK files
    result = catalogue_import(
        path=path, default_units={"城乡建设": "t-housing"}, territorial={"村居事务"}
    )
    assert result.created == 8
    leaf = Category.objects.get(full_name="城乡建设/住房保障/公租房")
    assert (leaf.level, leaf.parent.full_name, leaf.default_unit) == (
        3,
        "城乡建设/住房保障",
        p.district.housing,
    )
    assert Category.objects.get(full_name="城乡建设/村居事务").territorial is True
    assert catalogue_import(path=path).created == 0  # idempotent


def test_catalogue_import_errors_are_clear(tmp_path, p):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(CommandError, match="level1"):
        call_command("catalogue", "import", str(bad))
    units = tmp_path / "u.json"
    units.write_text(json.dumps({"城乡建设": "nope"}), encoding="utf-8")
    good = tmp_path / "cat.csv"
    good.write_text(CSV, encoding="utf-8")
    with pytest.raises(CommandError, match="nope"):
        call_command("catalogue", "import", str(good), "--units", str(units))
    assert Category.objects.count() == 0


def _xlsx(rows):
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_knowledge_excel_round_trip(now):
    data = _xlsx(
        [
            ["问题", "答复口径", "分类", "关键词", "有效期至"],
            ["如何补办社会保障卡", "携带身份证到社保窗口办理。", None, "社保卡 补办", "2030-12-31"],
            ["公租房申请条件", "本区户籍、人均住房面积低于15平方米。", None, "公租房", None],
        ]
    )
    assert knowledge_import(data=data, now=now).created == 2
    entry = KnowledgeEntry.objects.get(question="如何补办社会保障卡")
    assert entry.valid_until == date(2030, 12, 31)
    again = knowledge_import(data=knowledge_export(), now=now)
    assert (again.created, again.existing) == (0, 2)


def test_knowledge_import_rejects_bad_rows_whole(now):
    data = _xlsx([["问题", "答复口径"], ["好问题", "好答复"], ["", "缺少问题"]])
    with pytest.raises(InvalidInput, match="第 3 行"):
        knowledge_import(data=data, now=now)
    assert KnowledgeEntry.objects.count() == 0
    with pytest.raises(InvalidInput):
        knowledge_import(data=b"not excel", now=now)


def test_search_finds_partial_phrases_and_skips_expired(now):
    KnowledgeEntry.objects.create(
        question="如何补办社会保障卡",
        answer="携带身份证到社保窗口办理。",
        keywords="社保卡 补办",
        updated_at=now,
    )
    KnowledgeEntry.objects.create(
        question="公租房申请条件", answer="本区户籍家庭可申请。", keywords="公租房", updated_at=now
    )
    KnowledgeEntry.objects.create(
        question="社保卡补办旧规定", answer="旧", valid_until=date(2020, 1, 1), updated_at=now
    )
    hits = knowledge_search("社保卡补办", today=now.date())
    assert [h.question for h in hits] == ["如何补办社会保障卡"]
    assert knowledge_search("公租", today=now.date())[0].question == "公租房申请条件"
    assert knowledge_search("", today=now.date()) == []
