"""`duban jobs`: the worker's schedules and jobs.

- ``schedule``: create or update duban's schedules (idempotent; run after ``migrate``);
- ``list``: the schedules, their queue and next run, and the last failures;
- ``run NAME [--now ISO]``: run one job in the foreground, the worker's code path.

The worker itself is ``duban qcluster`` (default queue) and ``Q_CLUSTER_NAME=long duban
qcluster`` (long jobs); see docs/deploy.md.
"""

from __future__ import annotations

import importlib
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from duban.jobs.clock import add_now_option, now_from
from duban.jobs.schedules import BY_NAME, JOBS, PREFIX, schedules_install


class Command(BaseCommand):
    help = "Background jobs: schedule | list | run NAME"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("schedule", help="create or update the worker's schedules (idempotent)")
        sub.add_parser("list", help="schedules, next runs and recent failures")
        run = sub.add_parser("run", help="run one job now, in the foreground")
        run.add_argument("name", choices=sorted(BY_NAME))
        add_now_option(run)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "schedule":
            done = schedules_install(now=timezone.now())
            self.stdout.write(
                "定时任务 / schedules: "
                + "; ".join(f"{k} {', '.join(v) or '-'}" for k, v in done.items())
            )
        elif action == "list":
            self._list()
        else:
            job = BY_NAME[options["name"]]
            module, func = job.func.rsplit(".", 1)
            try:
                result = getattr(importlib.import_module(module), func)(now_from(options))
            except CommandError:
                raise
            except Exception as exc:
                raise CommandError(f"{job.name} failed: {exc}") from exc
            if result:
                self.stdout.write(str(result))

    def _list(self) -> None:
        from django_q.models import Failure, Schedule

        schedules = {s.name: s for s in Schedule.objects.filter(name__startswith=PREFIX)}
        for job in JOBS:
            s = schedules.get(job.schedule_name)
            when = timezone.localtime(s.next_run).isoformat() if s and s.next_run else "未安排"
            queue = job.cluster or "default"
            self.stdout.write(f"{job.name:<24} {queue:<8} {job.title}  next: {when}")
        for failure in Failure.objects.order_by("-stopped")[:5]:
            self.stdout.write(
                f"失败 / failed: {failure.name or failure.func} at "
                f"{timezone.localtime(failure.stopped).isoformat()}: "
                f"{str(failure.result).strip().splitlines()[-1:]}"
            )
