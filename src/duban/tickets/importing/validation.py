"""Every row of an export checked and converted before anything is written.

:func:`validate` walks the rows once and returns the converted rows and the problems, each
``(line, column, value, problem)`` with the problem in Chinese; the line is the row's number
in the file as a spreadsheet shows it (the header is line 1). Nothing here touches the
database: units, categories and the numbers already taken come in as :class:`Lookups`
(``tickets.selectors_import`` builds them).

Times are local (Beijing) times as exports write them — ``2024-03-05 10:23:11``,
``2024/3/5 10:23``, ``2024年3月5日 10时23分`` or a date alone — and become aware datetimes.
Text is kept as it is (a leading ``=`` or a control character stays text); only NUL, which
no database text column holds, makes a row invalid.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from django.conf import settings

from ..choices import AppealType, Satisfaction
from .mapping import FIELDS, resolve

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")  # no daylight saving since 1991
NUMBER_RE = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
DUBAN_NUMBER_RE = re.compile(r"^(\d{8})(\d{6})$")  # YYYYMMDD + the day's sequence
PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|\d{7,8})$")
TIME_RE = re.compile(
    r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"
    r"(?:[ T]+(\d{1,2})[:时](\d{1,2})(?:[:分](\d{1,2})(?:\.\d+)?秒?)?分?)?$"
)
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
TITLE_FROM_CONTENT = 30
MAX_NAME = 100
MAX_SHORT = 200  # Ticket.title and Ticket.location
RESOLVED = {
    "是": True,
    "已解决": True,
    "解决": True,
    "true": True,
    "1": True,
    "否": False,
    "未解决": False,
    "false": False,
    "0": False,
}

Problem = tuple[int, str, str, str]  # line, column, value, problem


@dataclass(slots=True)
class Row:
    """One valid row, converted (times aware, references resolved to ids)."""

    line: int
    number: str  # "" when duban numbers it
    created: datetime
    replied: datetime
    closed: datetime
    title: str
    content: str
    location: str
    appeal_type: str
    category_id: int | None
    unit_id: int
    district_id: int
    caller_name: str
    caller_phone: str
    reply_text: str
    resolved: bool | None
    satisfaction: str
    source_number: str = ""


@dataclass
class Lookups:
    """What validation needs from the database, read once before the rows."""

    units: dict[
        str, tuple[int, int] | None
    ]  # name, code or alias → (unit, district); None: ambiguous
    categories: dict[str, int | None]  # full name or name → id; None: ambiguous
    existing_numbers: Callable[[list[str]], set[str]]  # which of these numbers are taken
    now: datetime


@dataclass
class Validated:
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    total: int = 0  # data rows read (blank rows aside)
    header_problems: list[str] = field(default_factory=list)

    @property
    def invalid_lines(self) -> set[int]:
        return {p[0] for p in self.problems}


def parse_time(value: str) -> datetime:
    """A local time as an export writes it, aware (``ValueError`` when it is none)."""
    if len(value) >= 10 and value[4] == "-" and value[7] == "-":  # ISO, the usual export
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if moment.tzinfo is None:
                return moment.replace(tzinfo=BEIJING)
            return moment.astimezone(BEIJING)
    m = TIME_RE.match(value)
    if m is None:
        raise ValueError(value)
    y, mo, d, h, mi, s = (int(g) if g else 0 for g in m.groups())
    return datetime(y, mo, d, h, mi, s, tzinfo=BEIJING)


def _labels(choices: type) -> dict[str, str]:
    out = {str(label): value for value, label in choices.choices}  # type: ignore[attr-defined]
    out.update({value: value for value in choices.values})  # type: ignore[attr-defined]
    return out


def validate(
    rows: Iterator[list[str]],
    mapping: dict[str, str],
    lookups: Lookups,
    *,
    progress: Callable[[int], None] | None = None,
) -> Validated:
    """Check and convert every row; a header that cannot be used stops before the rows."""
    result = Validated()
    header = next(rows, None)
    if header is None:
        result.header_problems.append("文件为空")
        return result
    header = [h.strip().lstrip("\ufeff") for h in header]
    columns, result.header_problems = resolve(header, mapping)
    if result.header_problems:
        return result
    check = _RowChecker(header, columns, lookups)
    for line, record in enumerate(rows, start=2):
        if not any(v.strip() for v in record):
            continue
        result.total += 1
        row = check(line, record, result.problems)
        if row is not None:
            result.rows.append(row)
        if progress is not None and result.total % 100_000 == 0:
            progress(result.total)
    _check_taken_numbers(result, check, lookups)
    return result


def _check_taken_numbers(result: Validated, check: _RowChecker, lookups: Lookups) -> None:
    numbered = [r.number for r in result.rows if r.number]
    taken: set[str] = set()
    for k in range(0, len(numbered), 5000):
        taken |= lookups.existing_numbers(numbered[k : k + 5000])
    if not taken:
        return
    column = check.header[check.columns["number"]]
    for row in result.rows:
        if row.number in taken:
            result.problems.append((row.line, column, row.number, "工单编号已存在于系统中"))
    result.problems.sort(key=lambda p: p[0])
    result.rows = [r for r in result.rows if r.number not in taken]


class _RowChecker:
    def __init__(self, header: list[str], columns: dict[str, int], lookups: Lookups) -> None:
        self.header = header
        self.columns = columns
        self.lookups = lookups
        self.width = len(header)
        self.max_text = int(str(settings.DUBAN["MAX_TEXT_LENGTH"]))
        self.appeal_types = _labels(AppealType)
        self.satisfaction = _labels(Satisfaction) | {"": ""}
        self.seen_numbers: dict[str, int] = {}
        self.latest = lookups.now + timedelta(minutes=5)  # clocks a little apart
        self._get: list[tuple[str, int]] = list(columns.items())

    def column(self, name: str) -> str:
        index = self.columns.get(name)
        return self.header[index] if index is not None else FIELDS[name]

    def __call__(self, line: int, record: list[str], problems: list[Problem]) -> Row | None:
        v = {name: (record[i].strip() if i < len(record) else "") for name, i in self._get}
        bad: list[tuple[str, str, str]] = []
        if len(record) > self.width and any(x.strip() for x in record[self.width :]):
            bad.append(("", "", f"列数多于表头（{len(record)} > {self.width}）"))
        for name, value in v.items():
            if "\x00" in value:
                bad.append((name, value, "含有空字符（\\x00），无法保存"))
                v[name] = ""
        created = self._time(v, "created_at", bad, required=True)
        closed = self._time(v, "closed_at", bad, required=True)
        replied = self._time(v, "replied_at", bad, required=False) or closed
        if created is not None:
            for name, moment in (("closed_at", closed), ("replied_at", replied)):
                if moment is not None and moment < created and v.get(name):
                    bad.append((name, v[name], f"{FIELDS[name]}早于来电时间"))
        content = v["content"]
        if not content:
            bad.append(("content", "", "诉求内容为空"))
        elif len(content) > self.max_text:
            bad.append(("content", content[:20], f"诉求内容超过 {self.max_text} 字"))
        title = v.get("title", "")
        if not title:
            title = content.split("\n", 1)[0][:TITLE_FROM_CONTENT]
        elif len(title) > MAX_SHORT:
            bad.append(("title", title[:20], f"标题超过 {MAX_SHORT} 字"))
        location = v.get("location", "")
        if len(location) > MAX_SHORT:
            bad.append(("location", location[:20], f"地址超过 {MAX_SHORT} 字"))
        reply_text = v.get("reply_text", "")
        if len(reply_text) > self.max_text:
            bad.append(("reply_text", reply_text[:20], f"答复内容超过 {self.max_text} 字"))
        name = v.get("caller_name", "")
        if len(name) > MAX_NAME:
            bad.append(("caller_name", name[:20], f"来电人姓名超过 {MAX_NAME} 字"))
        phone = v.get("caller_phone", "")
        if phone:
            phone = re.sub(r"[\s()]", "", phone)
            phone = phone[3:] if phone.startswith("+86") else phone
            if not PHONE_RE.match(phone):
                bad.append(("caller_phone", v["caller_phone"], "电话号码格式不正确"))
        appeal_type = self.appeal_types.get(v["appeal_type"])
        if appeal_type is None:
            bad.append(
                (
                    "appeal_type",
                    v["appeal_type"],
                    "诉求类型无法识别（咨询、求助、投诉、举报、建议、表扬）",
                )
            )
        satisfaction = self.satisfaction.get(v.get("satisfaction", ""))
        if satisfaction is None:
            bad.append(
                ("satisfaction", v["satisfaction"], "满意度无法识别（满意、基本满意、不满意）")
            )
        resolved: bool | None = None
        if v.get("resolved"):
            resolved = RESOLVED.get(v["resolved"].lower())
            if resolved is None:
                bad.append(("resolved", v["resolved"], "是否解决无法识别（是、否）"))
        unit = self.lookups.units.get(v["unit"]) if v["unit"] else None
        if not v["unit"]:
            bad.append(("unit", "", "承办单位为空"))
        elif unit is None:
            known = v["unit"] in self.lookups.units
            bad.append(
                (
                    "unit",
                    v["unit"],
                    "承办单位名称不唯一，请改用单位编码" if known else "承办单位不存在",
                )
            )
        category_id = None
        if v.get("category"):
            category_id = self.lookups.categories.get(v["category"])
            if category_id is None:
                known = v["category"] in self.lookups.categories
                bad.append(
                    (
                        "category",
                        v["category"],
                        "问题分类名称不唯一，请写完整名称" if known else "问题分类不存在",
                    )
                )
        number = v.get("number", "")
        if number:
            if not NUMBER_RE.match(number):
                bad.append(("number", number, "工单编号应为 1–16 位字母、数字、- 或 _"))
            elif number in self.seen_numbers:
                bad.append(("number", number, f"工单编号与第 {self.seen_numbers[number]} 行重复"))
            else:
                self.seen_numbers[number] = line
        if bad:
            problems.extend((line, self.column(f) if f else "", val, msg) for f, val, msg in bad)
            return None
        assert created is not None and closed is not None and replied is not None
        assert unit is not None and appeal_type is not None and satisfaction is not None
        return Row(
            line=line,
            number=number,
            created=created,
            replied=replied,
            closed=closed,
            title=title,
            content=content,
            location=location,
            appeal_type=appeal_type,
            category_id=category_id,
            unit_id=unit[0],
            district_id=unit[1],
            caller_name=name,
            caller_phone=phone,
            reply_text=reply_text,
            resolved=resolved,
            satisfaction=satisfaction,
            source_number=number,
        )

    def _time(
        self, v: dict[str, str], name: str, bad: list[tuple[str, str, str]], *, required: bool
    ) -> datetime | None:
        value = v.get(name, "")
        if not value:
            if required:
                bad.append((name, "", f"{FIELDS[name]}为空"))
            return None
        try:
            moment = parse_time(value)
        except ValueError:
            bad.append((name, value, f"{FIELDS[name]}格式不正确（应为 2024-03-05 10:23:11）"))
            return None
        if moment > self.latest:
            bad.append((name, value, f"{FIELDS[name]}晚于当前时间"))
        return moment


def report_rows(problems: Iterable[Problem]) -> Iterator[list[str]]:
    """The report's rows as a spreadsheet will show them: a value that looks like a formula
    is quote-prefixed (it never runs), control characters are shown escaped."""
    yield ["行号", "列", "值", "问题"]
    for line, column, value, problem in problems:
        shown = CONTROL_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", value[:50])
        if shown.startswith(("=", "+", "-", "@")):
            shown = "'" + shown
        yield [str(line), column, shown, problem]
