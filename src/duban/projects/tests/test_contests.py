"""Site-visit contests: named judges, frozen on close, dropped extremes, ranks with ties."""

from __future__ import annotations

from decimal import Decimal

import pytest

from duban.projects.models import Score
from duban.projects.selectors_contests import ranking, ranking_visible
from duban.projects.services_contests import (
    contest_close,
    contest_create,
    contest_publish,
    contest_score,
)

from .conftest import at, person


@pytest.fixture
def contest(w):
    judges = [w.lead, w.lead2, w.supervisor, w.office]
    c = contest_create(
        actor=w.office,
        now=at(2025, 4, 1),
        name="春看谋划",
        criteria=[("重要性", 50), ("可行性", 50)],
        entrants=[w.district.binhu, w.district.hubin, w.district.housing, w.fgj],
        judges=judges,
        drop_extremes=True,
    )
    return c


def score(c, judge, entrant_name, a, b):
    entrant = c.entrants.get(name=entrant_name)
    k1, k2 = c.criteria.order_by("id")
    return contest_score(
        contest=c, actor=judge, now=at(2025, 4, 2), entrant=entrant, scores={k1.pk: a, k2.pk: b}
    )


def test_weights_must_add_up_to_100(w) -> None:
    with pytest.raises(Exception) as bad:
        contest_create(
            actor=w.office,
            now=at(2025, 4, 1),
            name="x",
            criteria=[("a", 60), ("b", 30)],
            entrants=[w.fgj],
            judges=[w.lead],
        )
    assert bad.value.code == "contest_weights"
    assert "合计须为100，当前合计为90" in bad.value.message


def test_judges_score_once_under_their_name_until_the_close(w, contest) -> None:
    score(contest, w.lead, "滨湖街道", 90, 80)
    with pytest.raises(Exception) as twice:
        score(contest, w.lead, "滨湖街道", 70, 70)
    assert twice.value.code == "already_scored" and "评过分" in twice.value.message
    with pytest.raises(Exception) as outsider:
        score(contest, w.reporter, "滨湖街道", 70, 70)
    assert outsider.value.code == "not_a_judge"
    with pytest.raises(Exception) as range_:
        score(contest, w.lead2, "滨湖街道", 170, 70)
    assert range_.value.code == "invalid_score"
    assert not ranking_visible(contest, w.office)
    contest = contest_close(contest=contest, actor=w.office, now=at(2025, 4, 3))
    with pytest.raises(Exception) as closed:
        score(contest, w.lead2, "滨湖街道", 70, 70)
    assert closed.value.code == "contest_closed"
    assert Score.objects.filter(contest=contest).count() == 2
    assert ranking_visible(contest, w.office) and not ranking_visible(contest, w.reporter)
    contest = contest_publish(contest=contest, actor=w.office, now=at(2025, 4, 4))
    assert ranking_visible(contest, w.reporter)


def test_ranking_by_group_drops_extremes_and_explains_ties(w, contest) -> None:
    for judge, (a, b, c, d) in zip(
        [w.lead, w.lead2, w.supervisor, w.office],
        [(90, 80, 70, 60), (80, 80, 70, 60), (70, 100, 80, 50), (100, 60, 60, 70)],
        strict=True,
    ):
        score(contest, judge, "滨湖街道", a, a)
        score(contest, judge, "湖滨路街道", b, b)
        score(contest, judge, "住建局", c, c)
        score(contest, judge, "发改局", d, d)
    groups = ranking(contest)
    streets = groups["街道/镇"]
    # 滨湖: 70,80,90,100 → drop 70 and 100 → 85; 湖滨路: 60,80,80,100 → 80.
    assert [(r.name, r.score, r.rank) for r in streets] == [
        ("滨湖街道", Decimal("85.00"), 1),
        ("湖滨路街道", Decimal("80.00"), 2),
    ]
    depts = groups["部门"]
    # 住建局: 60,70,70,80 → 70; 发改局: 50,60,60,70 → 60 … make a tie below.
    assert depts[0].name == "住建局" and depts[0].dropped == [Decimal("60"), Decimal("80")]


def test_equal_scores_share_a_rank_and_say_so(w) -> None:
    c = contest_create(
        actor=w.office,
        now=at(2025, 4, 1),
        name="夏看推进",
        criteria=[("形象进度", 100)],
        entrants=[("甲项目", "项目"), ("乙项目", "项目"), ("丙项目", "项目")],
        judges=[w.lead],
    )
    k = c.criteria.get()
    for name, value in (("甲项目", 88), ("乙项目", 88), ("丙项目", 70)):
        contest_score(
            contest=c,
            actor=w.lead,
            now=at(2025, 4, 2),
            entrant=c.entrants.get(name=name),
            scores={k.pk: value},
        )
    rows = ranking(c)["项目"]
    assert [(r.name, r.rank) for r in rows] == [("乙项目", 1), ("甲项目", 1), ("丙项目", 3)]
    assert rows[0].tie_note == "与甲项目得分相同（88.00分），并列第1名"


__all__ = ["person"]
