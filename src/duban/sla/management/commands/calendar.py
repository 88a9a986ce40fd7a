"""`duban calendar`: seed, show and edit the working-day calendar.

duban calendar seed [YEAR ...]         copy holidays from chinesecalendar; later years
                                       (default: this year and next) provisional by rule
duban calendar show YEAR               provisional or confirmed, holidays and make-up days
duban calendar set DATE --work|--off [--name NAME]
duban calendar confirm YEAR [--notice FILE]
                                       enter the State Council's notice (one line per
                                       holiday or make-up day) or declare the year complete
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from duban.core.errors import DomainError
from duban.sla import services
from duban.sla.models import CalendarDay, CalendarStatus, CalendarYear

_WEEKDAYS = "一二三四五六日"


def _parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"日期格式应为 YYYY-MM-DD / expected YYYY-MM-DD, got {value!r}") from exc


class Command(BaseCommand):
    help = "Seed, show and edit the working-day calendar (holidays and make-up days)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        seed = sub.add_parser(
            "seed",
            help="copy holidays from the chinesecalendar package; years it does not know "
            "are seeded provisional from the holiday rules (the holidays package)",
        )
        seed.add_argument(
            "years", nargs="*", type=int, help="years (default: all it knows, this year and next)"
        )
        show = sub.add_parser("show", help="list a year's holidays and make-up working days")
        show.add_argument("year", type=int)
        set_ = sub.add_parser("set", help="mark a date as a working day or a day off")
        set_.add_argument("date")
        mode = set_.add_mutually_exclusive_group(required=True)
        mode.add_argument("--work", dest="is_workday", action="store_true", default=None)
        mode.add_argument("--off", dest="is_workday", action="store_false")
        set_.add_argument("--name", default="", help="e.g. 国庆节 or 国庆节调休上班")
        confirm = sub.add_parser(
            "confirm", help="enter a year's State Council notice, or declare its days complete"
        )
        confirm.add_argument("year", type=int)
        confirm.add_argument(
            "--notice",
            help="UTF-8 text file, one line per holiday or make-up day "
            "(2027-01-01至2027-01-03 元旦 · 2027-02-14 上班); replaces the year's days",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except DomainError as exc:
            raise CommandError(exc.message) from exc

    def _seed(self, options: dict[str, Any]) -> None:
        years = options["years"] or None
        created = services.calendar_seed(years, now=timezone.now())
        self.stdout.write(self.style.SUCCESS(f"stored {created} calendar days"))

    def _show(self, options: dict[str, Any]) -> None:
        year = options["year"]
        entered = CalendarYear.objects.filter(year=year).first()
        days = CalendarDay.objects.filter(date__year=year).order_by("date")
        if entered is None:
            self.stdout.write(
                self.style.WARNING(
                    f"{year}: not entered — days not listed below follow Mon–Fri "
                    f"(run `duban calendar seed {year}`, then enter the State Council's notice: "
                    f"`duban calendar confirm {year} --notice FILE` or the admin)"
                )
            )
        elif entered.status == CalendarStatus.PROVISIONAL:
            self.stdout.write(
                self.style.WARNING(
                    f"{year}: provisional 暂定 ({entered.get_source_display()}) — statutory "
                    f"holidays by rule, no make-up working days yet; enter the State Council's "
                    f"notice: `duban calendar confirm {year} --notice FILE` or the admin "
                    f"(时限与工作日历 › 日历年份 › 录入国务院放假安排)"
                )
            )
        else:
            self.stdout.write(
                f"{year}: confirmed 已确认 ({entered.get_source_display()}"
                f"{entered.updated_at and f', {entered.updated_at:%Y-%m-%d}' or ''})"
            )
        for entry in days:
            status = "班 workday" if entry.is_workday else "休 day off"
            weekday = _WEEKDAYS[entry.date.weekday()]
            self.stdout.write(
                f"{entry.date.isoformat()} 周{weekday}  {status}  {entry.name}".rstrip()
            )
        holidays = sum(1 for d in days if not d.is_workday)
        self.stdout.write(f"{holidays} days off, {len(days) - holidays} make-up working days")

    def _set(self, options: dict[str, Any]) -> None:
        day = _parse_date(options["date"])
        entry = services.calendar_set_day(
            day=day,
            is_workday=options["is_workday"],
            name=options["name"],
            actor=None,
            now=timezone.now(),
        )
        self.stdout.write(self.style.SUCCESS(str(entry)))

    def _confirm(self, options: dict[str, Any]) -> None:
        year, path = options["year"], options["notice"]
        if path is None:
            services.calendar_confirm_year(year=year, actor=None, now=timezone.now())
            self.stdout.write(self.style.SUCCESS(f"{year} confirmed (days as entered)"))
            return
        try:
            with open(path, encoding="utf-8-sig") as handle:
                text = handle.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"无法读取 {path} / cannot read {path}: {exc}") from exc
        services.calendar_confirm_notice(year=year, text=text, actor=None, now=timezone.now())
        days = CalendarDay.objects.filter(date__year=year)
        off = days.filter(is_workday=False).count()
        self.stdout.write(
            self.style.SUCCESS(
                f"{year} confirmed from the notice: {off} days off, "
                f"{days.count() - off} make-up working days"
            )
        )
