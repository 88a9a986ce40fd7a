"""Site-visit contests (观摩评比: 春看谋划、夏看推进、秋看攻坚、冬看蝶变).

The project office sets a contest up (criteria with weights adding up to 100, entrants in
groups, judges; ``contest_spec``) and may change it until the first score is given. Each
judge scores each entrant once, under their own name, until the contest closes; closing
freezes the scores, publishing makes the ranking public. Every write leaves a
``ContestEvent`` (the contest's history) and the admin's audit row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction

from duban.org.models import Unit, User
from duban.org.services import audit_log

from .contest_spec import ContestSpec, EntrantSpec, check_spec
from .errors import (
    AlreadyScored,
    ContestClosed,
    ContestNotFound,
    ContestScoringStarted,
    IdempotencyMismatch,
    InvalidContest,
    InvalidScore,
    NotAJudge,
)
from .models import (
    Contest,
    ContestEvent,
    ContestState,
    Criterion,
    Entrant,
    Grouping,
    Judge,
    Project,
    Score,
)
from .services import require_manager

EntrantInput = Project | Unit | tuple[str, str]


def contest_event(
    *, contest: Contest, type: str, actor: User | None, now: datetime, message: str, **payload: Any
) -> ContestEvent:
    """The contest's history row and the admin's audit row of one write."""
    row = ContestEvent.objects.create(
        contest=contest, type=type, actor=actor, at=now, message=message[:500], payload=payload
    )
    audit_log(
        actor=actor,
        obj=contest,
        message=message[:500],
        action="add" if type == "create" else "change",
    )
    return row


def _spec(
    actor: User,
    *,
    name: object,
    season: object,
    criteria: Sequence[tuple[object, object]],
    entrants: Iterable[EntrantInput],
    judges: Iterable[User],
    drop_extremes: bool,
    grouping: str,
) -> ContestSpec:
    assert actor.district_pk is not None
    return check_spec(
        district_pk=actor.district_pk,
        name=name,
        season=season,
        criteria=criteria,
        entrants=entrants,
        judges=judges,
        drop_extremes=drop_extremes,
        grouping=grouping,
    )


def _entrant_row(contest: Contest, e: EntrantSpec) -> Entrant:
    return Entrant(
        contest=contest, project_id=e.project_id, unit_id=e.unit_id, name=e.name, group=e.group
    )


def _summary(spec: ContestSpec) -> str:
    weights = "、".join(f"{n}{w.normalize():f}%" for n, w in spec.criteria)
    return f"评分项：{weights}；参评对象{len(spec.entrants)}个；评委{len(spec.judges)}名" + (
        "；去掉最高分和最低分" if spec.drop_extremes else ""
    )


@transaction.atomic
def contest_create(
    *,
    actor: User,
    now: datetime,
    name: str,
    criteria: Sequence[tuple[str, object]],
    entrants: Iterable[EntrantInput],
    judges: Iterable[User],
    season: str = "",
    drop_extremes: bool = False,
    grouping: str = Grouping.KIND,
    idempotency_key: str | None = None,
) -> Contest:
    """A contest with ``criteria`` (name, weight %), entrants (projects, units, or
    (name, group) pairs) and judges. With ``idempotency_key``, the same set-up sent again
    returns the contest made the first time; another set-up under that key is refused."""
    require_manager(actor)
    spec = _spec(
        actor,
        name=name,
        season=season,
        criteria=criteria,
        entrants=entrants,
        judges=judges,
        drop_extremes=drop_extremes,
        grouping=grouping,
    )
    key = (idempotency_key or "").strip()
    if len(key) > 100:
        raise InvalidContest("幂等键最长100个字符 / Idempotency-Key too long", field="key")
    digest = spec.digest()
    if key:
        previous = Contest.objects.filter(created_by=actor, idempotency_key=key).first()
        if previous is not None:
            if previous.request_digest != digest:
                raise IdempotencyMismatch(
                    "同一幂等键对应了不同的评比设置 / Idempotency-Key reused for another contest"
                )
            return previous
    try:
        with transaction.atomic():
            contest = Contest.objects.create(
                district_id=actor.district_pk or 0,
                name=spec.name,
                season=spec.season,
                state=ContestState.OPEN,
                drop_extremes=spec.drop_extremes,
                grouping=spec.grouping,
                created_by=actor,
                created_at=now,
                idempotency_key=key,
                request_digest=digest if key else "",
            )
    except IntegrityError:
        # A concurrent request with the same key won: answer as a retry of it would be.
        winner = Contest.objects.get(created_by=actor, idempotency_key=key)
        if winner.request_digest != digest:
            raise IdempotencyMismatch(
                "同一幂等键对应了不同的评比设置 / Idempotency-Key reused for another contest"
            ) from None
        return winner
    Criterion.objects.bulk_create(
        Criterion(contest=contest, name=n, weight=w) for n, w in spec.criteria
    )
    Entrant.objects.bulk_create(_entrant_row(contest, e) for e in spec.entrants)
    Judge.objects.bulk_create(Judge(contest=contest, user=u) for u in spec.judges)
    contest_event(
        contest=contest,
        type="create",
        actor=actor,
        now=now,
        message=f"创建观摩评比「{contest.name}」：{_summary(spec)}",
    )
    return contest


def _current(contest: Contest) -> ContestSpec:
    entrants = tuple(
        EntrantSpec(name=e.name, group=e.group, project_id=e.project_id, unit_id=e.unit_id)
        for e in contest.entrants.order_by("id")
    )
    return ContestSpec(
        name=contest.name,
        season=contest.season,
        criteria=tuple((c.name, c.weight) for c in contest.criteria.order_by("id")),
        entrants=entrants,
        judges=tuple(j.user for j in contest.judges.select_related("user").order_by("id")),
        drop_extremes=contest.drop_extremes,
        grouping=contest.grouping,
    )


def _sync_criteria(contest: Contest, wanted: tuple[tuple[str, Decimal], ...]) -> None:
    """Keep criteria that stay (their ids too), change weights, add and remove the rest."""
    existing = {c.name: c for c in contest.criteria.all()}
    names = {n for n, _ in wanted}
    contest.criteria.exclude(name__in=names).delete()
    for name, weight in wanted:
        row = existing.get(name)
        if row is None:
            Criterion.objects.create(contest=contest, name=name, weight=weight)
        elif row.weight != weight:
            row.weight = weight
            row.save(update_fields=["weight"])


def _sync_entrants(contest: Contest, wanted: tuple[EntrantSpec, ...]) -> None:
    existing = {
        EntrantSpec(e.name, e.group, e.project_id, e.unit_id).key: e for e in contest.entrants.all()
    }
    keys = {e.key for e in wanted}
    Entrant.objects.filter(pk__in=[e.pk for k, e in existing.items() if k not in keys]).delete()
    for spec in wanted:
        row = existing.get(spec.key)
        if row is None:
            _entrant_row(contest, spec).save()
        elif (row.name, row.group) != (spec.name, spec.group):
            row.name, row.group = spec.name, spec.group
            row.save(update_fields=["name", "group"])


def _sync_judges(contest: Contest, wanted: tuple[User, ...]) -> None:
    ids = {u.pk for u in wanted}
    contest.judges.exclude(user_id__in=ids).delete()
    have = set(contest.judges.values_list("user_id", flat=True))
    Judge.objects.bulk_create(Judge(contest=contest, user=u) for u in wanted if u.pk not in have)


@transaction.atomic
def contest_update(
    *,
    contest: Contest,
    actor: User,
    now: datetime,
    name: str,
    criteria: Sequence[tuple[str, object]],
    entrants: Iterable[EntrantInput],
    judges: Iterable[User],
    season: str = "",
    drop_extremes: bool = False,
    grouping: str = Grouping.KIND,
) -> Contest:
    """Change a contest's set-up while no judge has scored yet (the whole set-up is given;
    an unchanged one writes nothing)."""
    require_manager(actor)
    locked = Contest.objects.select_for_update().filter(pk=contest.pk).first()
    if locked is None or locked.district_id != actor.district_pk:
        raise ContestNotFound("评比不存在 / contest not found", pk=contest.pk)
    if locked.state != ContestState.OPEN:
        raise ContestClosed("评比已截止，不能再修改 / the contest is closed")
    if Score.objects.filter(contest=locked).exists():
        raise ContestScoringStarted(
            "已有评委评分，评比设置不能再修改 / scoring has started: the set-up is frozen"
        )
    spec = _spec(
        actor,
        name=name,
        season=season,
        criteria=criteria,
        entrants=entrants,
        judges=judges,
        drop_extremes=drop_extremes,
        grouping=grouping,
    )
    before = _current(locked)
    changed = [
        label
        for label, old, new in (
            ("名称", before.name, spec.name),
            ("主题", before.season, spec.season),
            ("评分项", before.criteria, spec.criteria),
            (
                "参评对象",
                {e.key: e.group for e in before.entrants},
                {e.key: e.group for e in spec.entrants},
            ),
            ("评委", {u.pk for u in before.judges}, {u.pk for u in spec.judges}),
            ("去掉最高最低分", before.drop_extremes, spec.drop_extremes),
            ("分组", before.grouping, spec.grouping),
        )
        if old != new
    ]
    if not changed:
        return locked
    locked.name, locked.season = spec.name, spec.season
    locked.drop_extremes, locked.grouping = spec.drop_extremes, spec.grouping
    locked.save(update_fields=["name", "season", "drop_extremes", "grouping"])
    _sync_criteria(locked, spec.criteria)
    _sync_entrants(locked, spec.entrants)
    _sync_judges(locked, spec.judges)
    contest_event(
        contest=locked,
        type="update",
        actor=actor,
        now=now,
        message=f"修改评比设置（{'、'.join(changed)}）：{_summary(spec)}",
        changed=changed,
    )
    return locked


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
    # The scores stay secret until the close: the history names the judge and the entrant.
    contest_event(
        contest=contest,
        type="score",
        actor=actor,
        now=now,
        message=f"评委{actor}为「{entrant.name}」评分",
        entrant=entrant.pk,
    )
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
    contest_event(contest=contest, type="close", actor=actor, now=now, message="评比截止，分数冻结")
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
    contest_event(contest=contest, type="publish", actor=actor, now=now, message="发布评比结果")
    return contest
