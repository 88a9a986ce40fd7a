"""``duban hotspots``: discover hot-spots (clusters of similar appeals) in a CSV."""

from __future__ import annotations

import json
import sys
import time

from django.core.management.base import BaseCommand, CommandError

from duban.dispatch import hotspots
from duban.dispatch.csvio import CsvInputError
from duban.dispatch.duplicates import parse_datetime, records_from_csv


class Command(BaseCommand):
    help = "热点发现 / hot-spot discovery over an appeals CSV (id,user,title,created_at,text,likes)"

    def add_arguments(self, parser):
        parser.add_argument("--csv", required=True)
        parser.add_argument("--since", help="start date, e.g. 2019-01-01")
        parser.add_argument("--until", help="end date (inclusive), e.g. 2019-12-31")
        parser.add_argument("--top", type=int, default=10)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **opts):
        since = self._date(opts["since"], "--since")
        until = self._date(opts["until"], "--until", end_of_day=True)
        if opts["top"] < 1:
            raise CommandError("--top 必须 >= 1 / must be >= 1")
        try:
            records = records_from_csv(opts["csv"])
        except CsvInputError as exc:
            raise CommandError(str(exc)) from None
        print(f"clustering {len(records)} records", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        spots = hotspots.hotspots(records, since=since, until=until, top=opts["top"])
        print(f"done in {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
        if opts["json"]:
            self.stdout.write(json.dumps([s.as_dict() for s in spots], ensure_ascii=False))
            return
        if not spots:
            self.stdout.write("没有发现热点 / no hot-spots found in the window")
        for s in spots:
            self.stdout.write(
                f"{s.rank:>2}. {s.label}  heat={s.heat} appeals={s.volume} users={s.users} "
                f"likes={s.likes} growth={s.growth}\n    {s.first_at} → {s.last_at}  "
                f"keywords: {' '.join(s.keywords)}  examples: {', '.join(s.example_ids)}"
            )

    @staticmethod
    def _date(value, flag, end_of_day=False):
        if not value:
            return None
        dt = parse_datetime(value)
        if dt is None:
            raise CommandError(f"{flag}: 日期格式错误 / bad date {value!r} (use YYYY-MM-DD)")
        if end_of_day and len(value.strip()) <= 10:
            dt = dt.replace(hour=23, minute=59, second=59)
        return dt
