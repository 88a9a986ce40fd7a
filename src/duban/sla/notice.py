"""Reading the State Council's holiday arrangement (国务院办公厅关于某年部分节假日安排的通知).

The admin enters a whole year at once, one line per holiday or make-up working day, as
the notice lists them::

    2027-01-01至2027-01-03 元旦
    2月5日至11日 春节
    2027-02-14、2027-02-20 上班
    10月1日（星期五）至7日 国庆节、中秋节
    2027-09-26 国庆节调休上班

A line starts with dates — ``2027-01-01``, ``2027年1月1日``, ``1月1日`` (the year being
entered) or, after the first, ``3日`` — joined by 至/到/~ into ranges and by 、/，/, into
lists; weekday notes in brackets (``（星期五）``) are skipped. The rest of the line names
the holiday; a line saying 上班 (or 补班) lists make-up working days, named after the holiday
above it. Everything here is pure: :func:`parse_notice` returns the days or raises
:class:`NoticeError` naming the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

MAX_RANGE_DAYS = 15
_NAME_MAX = 50

_WEEKDAY_NOTE = re.compile(r"[（(]\s*(?:星期|周|礼拜)[一二三四五六日天]\s*[）)]")
_FULL = r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?"
_MONTH_DAY = r"\d{1,2}\s*月\s*\d{1,2}\s*日"
_DAY = r"\d{1,2}\s*日"
_DATE = rf"(?:{_FULL}|{_MONTH_DAY}|{_DAY})"
_TO = r"\s*(?:至|到|~|～|—|–)\s*"
_AND = r"\s*[、,，]\s*"
_ITEM = rf"{_DATE}(?:{_TO}{_DATE})?"
_LINE = re.compile(rf"^(?P<dates>{_ITEM}(?:{_AND}{_ITEM})*)\s*[:：]?\s*(?P<rest>.*)$")
_NUMBERS = re.compile(r"\d+")
_WORK_WORDS = ("上班", "补班")
_FILLER = re.compile(r"放假调休|放假|调休|共\s*\d+\s*天|[，,。.;；:：\s]+")


class NoticeError(ValueError):
    """The notice cannot be read; the message names the line and says what to fix."""


@dataclass(frozen=True)
class NoticeDay:
    date: date
    is_workday: bool
    name: str


def parse_notice(year: int, text: str) -> list[NoticeDay]:
    """The days of ``year``'s arrangement, sorted by date.

    Dates must fall in ``year`` (or its previous December, where a New Year's make-up
    day sometimes lies); make-up working days must be weekends; a date may not be both
    off and on; at least one holiday is required.
    """
    days: dict[date, NoticeDay] = {}
    holiday = ""
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = _WEEKDAY_NOTE.sub("", raw).strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            raise NoticeError(
                f"第 {number} 行无法识别：「{raw.strip()}」。每行以日期开头，"
                f"如「2027-01-01至2027-01-03 元旦」或「2027-02-14 上班」"
            )
        dates = _dates(match.group("dates"), year, number)
        rest = match.group("rest").strip()
        is_workday = any(word in rest for word in _WORK_WORDS)
        if is_workday:
            base = _FILLER.sub("", rest)
            for word in _WORK_WORDS:
                base = base.replace(word, "")
            name = f"{base or holiday}调休上班"
        else:
            name = _FILLER.sub("", rest)
            if not name:
                raise NoticeError(f"第 {number} 行缺少节日名称：「{raw.strip()}」")
            holiday = name
        name = name[:_NAME_MAX]
        for day in dates:
            _check_day(day, is_workday, year, number, days)
            days[day] = NoticeDay(day, is_workday, name)
    if not any(not d.is_workday for d in days.values()):
        raise NoticeError("没有找到放假日期：请至少录入一个节假日，如「2027-01-01 元旦」")
    return sorted(days.values(), key=lambda d: d.date)


def _check_day(
    day: date, is_workday: bool, year: int, number: int, days: dict[date, NoticeDay]
) -> None:
    if not (date(year - 1, 12, 1) <= day <= date(year, 12, 31)):
        raise NoticeError(f"第 {number} 行：{day:%Y-%m-%d} 不在 {year} 年")
    if is_workday and day.weekday() < 5:
        raise NoticeError(
            f"第 {number} 行：{day:%Y-%m-%d} 是周一至周五，本来就上班，不是调休上班日"
        )
    earlier = days.get(day)
    if earlier is not None and earlier.is_workday != is_workday:
        raise NoticeError(f"第 {number} 行：{day:%Y-%m-%d} 前面已录入为「{earlier.name}」")


def _dates(spec: str, year: int, number: int) -> list[date]:
    """Every date of a line's date part: ranges expanded, short forms completed."""
    result: list[date] = []
    previous: date | None = None
    for item in re.split(_AND, spec):
        parts = re.split(_TO, item)
        start = _date(parts[0], year, previous, number)
        end = _date(parts[1], year, start, number) if len(parts) > 1 else start
        if end < start:
            raise NoticeError(f"第 {number} 行：{item.strip()} 的结束日期早于开始日期")
        if (end - start).days >= MAX_RANGE_DAYS:
            raise NoticeError(f"第 {number} 行：{item.strip()} 超过 {MAX_RANGE_DAYS} 天")
        result += [start + timedelta(days=i) for i in range((end - start).days + 1)]
        previous = end
    return result


def _date(token: str, year: int, previous: date | None, number: int) -> date:
    values = [int(n) for n in _NUMBERS.findall(token)]
    if len(values) == 3:
        y, m, d = values
    elif len(values) == 2:
        y, (m, d) = (previous.year if previous else year), values
    elif previous is not None:
        y, m, d = previous.year, previous.month, values[0]
    else:
        raise NoticeError(f"第 {number} 行：「{token.strip()}」缺少月份")
    try:
        return date(y, m, d)
    except ValueError as exc:
        raise NoticeError(f"第 {number} 行：「{token.strip()}」不是有效日期") from exc
