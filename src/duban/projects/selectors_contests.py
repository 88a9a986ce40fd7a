"""Contest scores and rankings (观摩评比).

Each judge's total for an entrant is the weighted sum of their criterion scores
(weights add up to 100); an entrant's score is the mean of its judges' totals, without the
highest and the lowest when the contest drops them (and at least three judges scored).
Entrants are ranked within their group; equal scores share a rank and say so.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, QuerySet, Sum

from duban.org.models import User

from .models import Contest, ContestState, Entrant, Judge, Score


@dataclass
class RankedEntrant:
    entrant_id: int
    name: str
    group: str
    judges: int
    totals: list[Decimal]
    dropped: list[Decimal]
    score: Decimal | None
    rank: int = 0
    tie_note: str = ""
    criteria: dict[str, Decimal] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "entrant": self.entrant_id,
            "name": self.name,
            "group": self.group,
            "judges": self.judges,
            "score": float(self.score) if self.score is not None else None,
            "rank": self.rank,
            "tie_note": self.tie_note,
        }


def is_judge(contest: Contest, user: User) -> bool:
    return Judge.objects.filter(contest=contest, user=user).exists()


def my_scored(contest: Contest, user: User) -> set[int]:
    return set(
        Score.objects.filter(contest=contest, judge=user).values_list("entrant_id", flat=True)
    )


def scoring_started(contest: Contest) -> bool:
    """Whether any judge has scored (the set-up is frozen from then on)."""
    return Score.objects.filter(contest=contest).exists()


def judges(contest: Contest) -> list[User]:
    return [j.user for j in contest.judges.select_related("user", "user__unit").order_by("id")]


def entrants(contest: Contest) -> QuerySet[Entrant]:
    return contest.entrants.order_by("group", "id")


def progress(contest: Contest) -> list[dict[str, Any]]:
    """How many entrants each judge has scored (the office's view while scoring is open)."""
    done = dict(
        Score.objects.filter(contest=contest)
        .values("judge_id")
        .annotate(n=Count("pk"))
        .values_list("judge_id", "n")
    )
    per = max(contest.criteria.count(), 1)
    return [
        {"judge": j.user, "scored": done.get(j.user_id, 0) // per}
        for j in contest.judges.select_related("user")
    ]


def ranking(contest: Contest) -> dict[str, list[RankedEntrant]]:
    """Entrants by group, best first, with shared ranks for equal scores."""
    totals: dict[int, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    rows = (
        Score.objects.filter(contest=contest)
        .values("entrant_id", "judge_id")
        .annotate(total=Sum(F("value") * F("criterion__weight")))
    )
    for row in rows:
        totals[row["entrant_id"]][row["judge_id"]] = Decimal(row["total"]) / 100
    groups: dict[str, list[RankedEntrant]] = defaultdict(list)
    for e in entrants(contest):
        values = sorted(totals.get(e.pk, {}).values())
        dropped: list[Decimal] = []
        kept = values
        if contest.drop_extremes and len(values) >= 3:
            dropped, kept = [values[0], values[-1]], values[1:-1]
        score = (sum(kept, Decimal(0)) / len(kept)).quantize(Decimal("0.01")) if kept else None
        groups[e.group].append(
            RankedEntrant(e.pk, e.name, e.group, len(values), values, dropped, score)
        )
    for members in groups.values():
        members.sort(key=lambda r: (r.score is None, -(r.score or 0), r.name))
        for index, ranked in enumerate(members, start=1):
            before = members[index - 2] if index > 1 else None
            ranked.rank = before.rank if before and before.score == ranked.score else index
        for ranked in members:
            tied = [m.name for m in members if m is not ranked and m.rank == ranked.rank]
            if tied and ranked.score is not None:
                ranked.tie_note = (
                    f"与{'、'.join(tied)}得分相同（{ranked.score}分），并列第{ranked.rank}名"
                )
    return dict(groups)


def ranking_visible(contest: Contest, user: User) -> bool:
    """Scores are secret while the contest is open; the office sees them once closed,
    everyone once published."""
    from .services import MANAGE_ROLES

    if contest.state == ContestState.PUBLISHED:
        return True
    return contest.state == ContestState.CLOSED and user.has_role(MANAGE_ROLES)
