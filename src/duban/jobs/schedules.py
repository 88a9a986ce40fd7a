"""The worker's timetable, installed by ``duban jobs schedule`` (idempotent: run at every
deploy, after ``migrate``; ``make run`` does).

Two queues (django-q2 clusters, ``settings.Q_CLUSTER``): the default one runs the short
jobs due every minute; ``long`` runs what may take minutes (rollups, retraining, backups),
so they never hold up a deadline tick. A schedule is matched by its name: re-running the
command updates the function, the period and the queue, keeps the next run unless the
timing changed, and removes duban's schedules that are no longer in this list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

LONG = "long"  # the queue of the long jobs (Q_CLUSTER["ALT_CLUSTERS"])
PREFIX = "duban."  # the names of duban's schedules; others (made in the admin) are left alone


@dataclass(frozen=True)
class Job:
    name: str
    func: str
    title: str
    minutes: int = 0  # every N minutes, or
    daily_at: time | None = None  # once a day at this local time
    cluster: str | None = None  # None: the default queue

    @property
    def schedule_name(self) -> str:
        return PREFIX + self.name


JOBS: tuple[Job, ...] = (
    Job("deadline_tick", "duban.jobs.tasks.deadline_tick", "超时标记与临期提醒", minutes=1),
    Job("notify_send", "duban.jobs.tasks.notify_send", "短信发送", minutes=1),
    Job("rollup", "duban.jobs.tasks.rollup", "看板月度汇总", minutes=1, cluster=LONG),
    Job(
        "purge_idempotency_keys",
        "duban.jobs.tasks.purge_idempotency_keys",
        "清除过期幂等记录",
        daily_at=time(3, 30),
        cluster=LONG,
    ),
    Job(
        "purge_duplicate_keys",
        "duban.jobs.tasks.purge_duplicate_keys",
        "清除过期重复件特征",
        daily_at=time(3, 45),
        cluster=LONG,
    ),
    Job(
        "dispatch_train",
        "duban.jobs.tasks.dispatch_train",
        "分拨模型重新训练",
        daily_at=time(3, 0),
        cluster=LONG,
    ),
    Job(
        "personal_data_purge",
        "duban.jobs.tasks.personal_data_purge",
        "个人信息到期删除",
        daily_at=time(4, 0),
        cluster=LONG,
    ),
    Job("backup", "duban.jobs.tasks.backup", "数据库与附件备份", daily_at=time(2, 0), cluster=LONG),
)
BY_NAME = {job.name: job for job in JOBS}


def _first_run(job: Job, now: datetime) -> datetime:
    if job.daily_at is None:
        return now
    local = timezone.localtime(now)
    at = local.replace(hour=job.daily_at.hour, minute=job.daily_at.minute, second=0, microsecond=0)
    return at if at > local else at + timedelta(days=1)


@transaction.atomic
def schedules_install(*, now: datetime) -> dict[str, list[str]]:
    """Create or update duban's schedules; returns the names created, updated, removed."""
    from django_q.models import Schedule

    done: dict[str, list[str]] = {"created": [], "updated": [], "unchanged": [], "removed": []}
    for job in JOBS:
        wanted = {
            "func": job.func,
            "schedule_type": Schedule.MINUTES if job.minutes else Schedule.DAILY,
            "minutes": job.minutes or None,
            "repeats": -1,
            "cluster": job.cluster,
        }
        current = Schedule.objects.select_for_update().filter(name=job.schedule_name).first()
        if current is None:
            Schedule.objects.create(name=job.schedule_name, next_run=_first_run(job, now), **wanted)
            done["created"].append(job.name)
            continue
        changed = {k: v for k, v in wanted.items() if getattr(current, k) != v}
        if not changed:
            done["unchanged"].append(job.name)
            continue
        for field, value in changed.items():
            setattr(current, field, value)
        if {"schedule_type", "minutes"} & changed.keys():
            current.next_run = _first_run(job, now)
        current.save()
        done["updated"].append(job.name)
    stale = Schedule.objects.filter(name__startswith=PREFIX).exclude(
        name__in=[job.schedule_name for job in JOBS]
    )
    done["removed"] = sorted(stale.values_list("name", flat=True))
    stale.delete()
    return done
