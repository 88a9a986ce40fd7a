"""Site-visit contests (观摩评比: 春看谋划、夏看推进、秋看攻坚、冬看蝶变).

The project office sets a contest up (criteria with weights adding up to 100, entrants in
groups, judges). Each judge scores each entrant once, under their own name, until the
contest closes; closing freezes the scores, publishing makes the ranking public.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction

from duban.org.models import Unit, User
from duban.org.services import audit_log

from .errors import AlreadyScored, ContestClosed, InvalidScore, NotAJudge
from .models import Contest, ContestState, Criterion, Entrant, Judge, Project, Score
from .services import require_manager


@transaction.atomic
def contest_create(
    *,
    actor: User,
    now: datetime,
    name: str,
    criteria: Sequence[tuple[str, object]],
    entrants: Iterable[Project | Unit | tuple[str, str]],
    judges: Iterable[User],
    season: str = "",
    drop_extremes: bool = False,
) -> Contest:
    """A contest with ``criteria`` (name, weight %), entrants (projects, units, or
    (name, group) pairs) and judges."""
    require_manager(actor)
    name = (name or "").strip()
    if not name:
        raise InvalidScore("评比名称不能为空 / a name is required", field="name")
    weights = []
    for label, weight in criteria:
        try:
            weights.append((str(label).strip(), Decimal(str(weight))))
        except InvalidOperation:
            raise InvalidScore("权重须为数字 / weights must be numbers", field="criteria") from None
    if not weights or any(w <= 0 or not n for n, w in weights) or sum(w for _, w in weights) != 100:
        raise InvalidScore(
            "评分项权重须为正数且合计100 / weights must be positive and add up to 100",
            field="criteria",
        )
    assert actor.district_pk is not None
    contest = Contest.objects.create(
        district_id=actor.district_pk,
        name=name[:100],
        season=season[:30],
        state=ContestState.OPEN,
        drop_extremes=drop_extremes,
        created_at=now,
    )
    Criterion.objects.bulk_create(
        Criterion(contest=contest, name=n[:30], weight=w) for n, w in weights
    )
    rows = []
    for entrant in entrants:
        if isinstance(entrant, Project):
            rows.append(Entrant(contest=contest, project=entrant, name=entrant.name, group="项目"))
        elif isinstance(entrant, Unit):
            rows.append(
                Entrant(
                    contest=contest,
                    unit=entrant,
                    name=entrant.name,
                    group=entrant.get_kind_display(),
                )
            )
        else:
            label, group = entrant
            rows.append(Entrant(contest=contest, name=label, group=group))
    if not rows:
        raise InvalidScore("至少需要一个参评对象 / at least one entrant", field="entrants")
    Entrant.objects.bulk_create(rows)
    judge_rows = [Judge(contest=contest, user=u) for u in {u.pk: u for u in judges}.values()]
    if not judge_rows:
        raise InvalidScore("至少需要一名评委 / at least one judge", field="judges")
    Judge.objects.bulk_create(judge_rows)
    audit_log(actor=actor, obj=contest, message=f"创建观摩评比：{contest.name}", action="add")
    return contest


@transaction.atomic
def contest_score(
    *,
    contest: Contest,
    actor: User,
    now: datetime,
    entrant: Entrant,
    scores: dict[int, object],
) -> list[Score]:
    """One judge's scores of one entrant, a 0–100 score per criterion id, given once."""
    contest = Contest.objects.select_for_update().get(pk=contest.pk)
    if contest.state != ContestState.OPEN:
        raise ContestClosed("评比已截止，不能再评分 / the contest is closed")
    if not Judge.objects.filter(contest=contest, user=actor).exists():
        raise NotAJudge("您不是本次评比的评委 / you are not a judge of this contest")
    if entrant.contest_id != contest.pk:
        raise InvalidScore("参评对象不属于本次评比 / entrant of another contest", field="entrant")
    if Score.objects.filter(contest=contest, entrant=entrant, judge=actor).exists():
        raise AlreadyScored(f"您已为{entrant.name}评过分 / you have already scored this entrant")
    criteria = {c.pk: c for c in contest.criteria.all()}
    if set(scores) != set(criteria):
        raise InvalidScore("须为每个评分项打分 / score every criterion", field="scores")
    rows = []
    for pk, raw in scores.items():
        try:
            value = Decimal(str(raw))
        except InvalidOperation:
            raise InvalidScore("分数须为数字 / scores must be numbers", field="scores") from None
        if not value.is_finite() or not 0 <= value <= 100:
            raise InvalidScore(f"{criteria[pk].name}的分数须在0至100之间 / 0-100", field="scores")
        rows.append(
            Score(
                contest=contest,
                entrant=entrant,
                judge=actor,
                criterion=criteria[pk],
                value=value.quantize(Decimal("0.01")),
                scored_at=now,
            )
        )
    Score.objects.bulk_create(rows)
    audit_log(actor=actor, obj=contest, message=f"评委{actor}为{entrant.name}评分")
    return rows


@transaction.atomic
def contest_close(*, contest: Contest, actor: User, now: datetime) -> Contest:
    """Close scoring: the scores are frozen from now on."""
    require_manager(actor)
    contest = Contest.objects.select_for_update().get(pk=contest.pk)
    if contest.state != ContestState.OPEN:
        raise ContestClosed("评比已截止 / the contest is already closed")
    contest.state, contest.closed_at = ContestState.CLOSED, now
    contest.save(update_fields=["state", "closed_at"])
    audit_log(actor=actor, obj=contest, message="评比截止，分数冻结")
    return contest


@transaction.atomic
def contest_publish(*, contest: Contest, actor: User, now: datetime) -> Contest:
    """Publish the frozen ranking (closing first if still open)."""
    require_manager(actor)
    contest = Contest.objects.select_for_update().get(pk=contest.pk)
    if contest.state == ContestState.PUBLISHED:
        raise ContestClosed("评比结果已发布 / already published")
    if contest.state == ContestState.OPEN:
        contest.closed_at = now
    contest.state, contest.published_at = ContestState.PUBLISHED, now
    contest.save(update_fields=["state", "closed_at", "published_at"])
    audit_log(actor=actor, obj=contest, message="发布评比结果")
    return contest
