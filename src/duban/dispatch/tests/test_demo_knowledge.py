"""The demo district's knowledge base answers the consultations its hotline hears."""

from __future__ import annotations

from datetime import date

import pytest

from duban.demo import data
from duban.demo.builder import build_categories, build_knowledge, build_units
from duban.demo.data_knowledge import KNOWLEDGE
from duban.dispatch.knowledge import knowledge_search
from duban.dispatch.models import KnowledgeEntry

pytestmark = pytest.mark.django_db
TODAY = date(2026, 12, 2)


@pytest.fixture
def demo_kb() -> None:
    units, _ = build_units()
    build_categories(units)
    assert build_knowledge() == len(KNOWLEDGE)


def test_entries_are_real_and_categorised(demo_kb: None) -> None:
    assert 20 <= KnowledgeEntry.objects.count() <= 30
    assert not KnowledgeEntry.objects.filter(category__isnull=True).exists()
    assert all(len(e.answer) >= 80 and e.keywords for e in KnowledgeEntry.objects.all())
    assert build_knowledge() == 0  # idempotent: a second build adds nothing


@pytest.mark.parametrize(
    ("asked", "expected"),
    [
        ("社保卡丢了怎么补办", "社保卡丢失了怎么补办？"),
        ("我妈在外地住院，医保异地备案怎么弄", "异地就医怎么办理备案？"),
        ("外地人在这边想办居住证", "居住证怎么办理？"),
        ("想把公积金取出来付房租", "住房公积金怎么提取？"),
        ("孩子刚出生，怎么上户口", "新生儿怎么办理落户？"),
        ("二手房过户要带什么材料", "二手房过户需要准备哪些材料？"),
        ("新房想开通天然气", "新房怎么开通天然气（燃气报装）？"),
    ],
)
def test_a_consultation_finds_its_answer(demo_kb: None, asked: str, expected: str) -> None:
    hits = knowledge_search(asked, today=TODAY, limit=3)
    assert hits and hits[0].question == expected


def test_every_consultation_issue_of_the_demo_finds_an_answer(demo_kb: None) -> None:
    """The demo's simulated consultations (its catalogue's issues) get knowledge answers."""
    unanswered = [
        title
        for l2s in data.APPEAL_CATALOGUE.values()
        for leaves in l2s.values()
        for _name, _unit, _weight, types, issues in leaves
        if types.split(",")[0] == "consultation"
        for title, content in (issue.split("|") for issue in issues)
        if not knowledge_search(f"{title} {content}", today=TODAY, limit=3)
    ]
    assert unanswered == []
