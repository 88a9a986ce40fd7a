"""Importing another platform's history (``duban import_tickets``): the 12345 export's
headers mapped by default, CSV in UTF-8 or GBK and Excel read, every row validated before
anything is written (a Chinese report, nothing written when a row is bad), then closed
tickets with their caller, event and assignment, numbers and sequences consistent, the
months' rollups marked stale and one audit record per run — on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from duban.core.crypto import phone_hash
from duban.core.periods import month_period
from duban.metrics.models import RollupPeriod
from duban.tickets.choices import Channel, State
from duban.tickets.events import EventType
from duban.tickets.events.log import replay, ticket_replayed_fields
from duban.tickets.importing.mapping import DEFAULT_MAPPING, MappingError, load_mapping, resolve
from duban.tickets.importing.reading import detect_encoding
from duban.tickets.models import (
    Caller,
    Category,
    Ticket,
    TicketAssignment,
    TicketEvent,
    TicketImport,
    TicketSequence,
)
from duban.tickets.selectors import district_total
from duban.tickets.services.history_import import BulkImportRefused, tickets_import
from duban.tickets.services.intake import next_number

pytestmark = pytest.mark.django_db

HEADER = ["工单编号", "来电时间", "来电人", "联系电话", "诉求内容", "诉求类型", "问题分类",
          "承办单位", "办结时间", "满意度", "是否解决"]  # fmt: skip
NOW = datetime(2025, 3, 3, 1, 0, tzinfo=UTC)


def row(**over: str) -> list[str]:
    base = {
        "工单编号": "",
        "来电时间": "2024-06-05 10:23:11",
        "来电人": "王先生",
        "联系电话": "13812341234",
        "诉求内容": "小区门口路灯不亮已经一周",
        "诉求类型": "投诉",
        "问题分类": "路灯",
        "承办单位": "滨湖街道",
        "办结时间": "2024-06-07 16:00",
        "满意度": "满意",
        "是否解决": "是",
    }
    base.update(over)
    return [base[h] for h in HEADER]


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with path.open("w", newline="", encoding=encoding) as fh:
        csv.writer(fh).writerows([HEADER, *rows])
    return path


@pytest.fixture
def lamp(district) -> Category:
    return Category.objects.create(name="路灯", full_name="城乡建设/路灯", level=2)


def run(path: Path, **kw):
    kw.setdefault("mapping", load_mapping())
    kw.setdefault("actor", None)
    kw.setdefault("now", NOW)
    return tickets_import(path=path, **kw)


def test_the_default_mapping_knows_the_12345_headers_and_options_override_it():
    columns, problems = resolve(HEADER, DEFAULT_MAPPING)
    assert problems == []
    assert columns["created_at"] == 1 and columns["unit"] == 7 and columns["category"] == 6
    mapping = load_mapping(options=["处理部门=unit", "承办单位=-"])
    columns, problems = resolve([*HEADER, "处理部门"], mapping)
    assert columns["unit"] == len(HEADER) and problems == []
    _, problems = resolve(["来电时间", "诉求内容"], DEFAULT_MAPPING)
    assert "缺少必需的列：承办单位（字段 unit）" in problems
    with pytest.raises(MappingError, match="未知字段"):
        load_mapping(options=["承办单位=department"])


def test_a_good_file_imports_closed_tickets_with_events_assignments_and_callers(
    district, lamp, tmp_path, operator
):
    june = month_period(2024, 6)
    RollupPeriod.objects.create(period=june.label, computed_at=NOW, rows=0, stale=False)
    TicketSequence.objects.create(day=datetime(2024, 6, 5).date(), last=4)
    path = write_csv(
        tmp_path / "export.csv",
        [
            row(),
            row(**{"工单编号": "20240605000009", "承办单位": "t-housing"}),
            row(**{"满意度": "", "是否解决": ""}),
        ],
    )

    result = run(path, actor=operator)

    assert (result.rows, result.written, result.problems) == (3, 3, [])
    tickets = list(Ticket.objects.order_by("created_at", "number"))
    assert sorted(t.number for t in tickets) == [
        "20240605000009",  # the file's own number, kept
        "20240605000010",  # duban numbers the others after it, on the same day
        "20240605000011",
    ]
    t = Ticket.objects.get(number="20240605000010")
    assert (t.state, t.channel, t.appeal_type, t.version) == (
        State.CLOSED,
        Channel.IMPORT,
        "complaint",
        1,
    )
    assert t.primary_unit == t.handling_unit == district.binhu
    assert t.district_id == district.district.pk and t.category == lamp
    assert t.created_at == t.dispatched_at == datetime(2024, 6, 5, 2, 23, 11, tzinfo=UTC)
    assert t.closed_at == t.replied_at == t.rated_at == datetime(2024, 6, 7, 8, 0, tzinfo=UTC)
    assert (t.satisfaction, t.resolved, t.title) == ("satisfied", True, "小区门口路灯不亮已经一周")
    assert t.caller.name == "王先生" and t.caller.phone == "13812341234"
    assert Caller.objects.filter(phone_hash=phone_hash("13812341234")).count() == 3
    assert Ticket.objects.get(number="20240605000009").primary_unit == district.housing
    unrated = Ticket.objects.get(number="20240605000011")
    assert (unrated.rated_at, unrated.satisfaction, unrated.resolved) == (None, "", None)

    event = TicketEvent.objects.get(ticket=t)
    assert (event.type, event.seq, event.from_state, event.to_state) == (
        EventType.REGISTER,
        1,
        "",
        State.CLOSED,
    )
    assert event.actor == operator and event.at == t.created_at
    assert event.payload["imported"] == {"run": result.run.pk, "line": 2, "source_number": ""}
    for ticket in tickets:  # the log alone rebuilds each ticket
        assert replay(ticket.events.all()) == ticket_replayed_fields(ticket)
    a = TicketAssignment.objects.get(ticket=t)
    assert (a.unit, a.role, a.status, a.finished_at) == (
        district.binhu,
        "primary",
        "done",
        t.closed_at,
    )

    # sequences consistent: intake goes on after the imported numbers
    assert TicketSequence.objects.get(day=datetime(2024, 6, 5).date()).last == 11
    assert next_number(datetime(2024, 6, 5, 12, 0, tzinfo=UTC)) == "20240605000012"
    new = Ticket.objects.create(**{
        f.attname: getattr(t, f.attname) for f in Ticket._meta.concrete_fields if f.attname not in ("id", "number")
    }, number="X1")  # fmt: skip
    assert new.pk > max(x.pk for x in tickets)  # the id sequence moved past the COPY
    # the month's figures will include the history; one audit record of the run
    assert RollupPeriod.objects.get(period=june.label).stale is True
    audit = TicketImport.objects.get()
    assert (audit.actor, audit.file_name, audit.rows, audit.imported, audit.skipped) == (
        operator,
        "export.csv",
        3,
        3,
        0,
    )
    assert (audit.first_number, audit.last_number) == ("20240605000009", "20240605000011")
    assert audit.file_sha256 and audit.started_at == NOW


def test_a_gbk_file_is_detected(district, lamp, tmp_path):
    path = write_csv(tmp_path / "gbk.csv", [row(**{"诉求内容": "噪音扰民，夜间施工"})], "gbk")
    assert detect_encoding(path) == "gb18030"
    assert run(path).written == 1
    assert Ticket.objects.get().content == "噪音扰民，夜间施工"


def test_an_excel_export_is_read_with_its_dates_and_numbers(district, lamp, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    values = row()
    values[1] = datetime(2024, 6, 5, 10, 23, 11)  # a date cell
    values[3] = 13812341234  # a phone typed as a number
    values[4] = '=HYPERLINK("http://x")'  # a formula: kept as its text, never evaluated
    sheet.append(values)
    book.save(tmp_path / "export.xlsx")

    assert run(tmp_path / "export.xlsx").written == 1
    t = Ticket.objects.get()
    assert t.created_at == datetime(2024, 6, 5, 2, 23, 11, tzinfo=UTC)
    assert t.caller.phone == "13812341234" and t.content == '=HYPERLINK("http://x")'


def test_formula_like_and_control_characters_survive_as_text(district, lamp, tmp_path):
    text = "=cmd|' /C calc'!A0\t第二列\n第二行\r\\N \x01\x1f @SUM(1) 100%{}"
    path = write_csv(tmp_path / "odd.csv", [row(**{"诉求内容": text, "来电人": "+王\\五"})])
    assert run(path).written == 1
    t = Ticket.objects.get()
    assert t.content == text and t.caller.name == "+王\\五"
    assert t.title == "=cmd|' /C calc'!A0\t第二列"  # the content's first line


def test_any_bad_row_writes_nothing_and_the_report_says_why_in_chinese(district, lamp, tmp_path):
    run(write_csv(tmp_path / "first.csv", [row(**{"工单编号": "OLD-1"})]))
    before = (Ticket.objects.count(), TicketImport.objects.count(), Caller.objects.count())
    rows = [
        row(),  # line 2: good
        row(**{"来电时间": "2024-13-05"}),  # 3
        row(**{"承办单位": "不存在的局"}),  # 4
        row(**{"诉求内容": ""}),  # 5
        row(**{"工单编号": "OLD-1"}),  # 6: taken by the first import
        row(**{"工单编号": "A7"}),  # 7
        row(**{"工单编号": "A7"}),  # 8: twice in the file
        row(**{"问题分类": "没有这个分类", "诉求类型": "闲聊"}),  # 9
        row(**{"办结时间": "2024-06-01 00:00"}),  # 10: closed before the call
        row(**{"诉求内容": "有\x00空字符"}),  # 11
        row(**{"联系电话": "12"}),  # 12
        row(**{"满意度": "=1+1"}),  # 13
    ]
    result = run(write_csv(tmp_path / "bad.csv", rows))

    assert result.written == 0 and result.run is None
    assert (Ticket.objects.count(), TicketImport.objects.count(), Caller.objects.count()) == before
    got = {(line, column, problem) for line, column, _value, problem in result.problems}
    assert {
        (3, "来电时间", "来电时间格式不正确（应为 2024-03-05 10:23:11）"),
        (4, "承办单位", "承办单位不存在"),
        (5, "诉求内容", "诉求内容为空"),
        (6, "工单编号", "工单编号已存在于系统中"),
        (8, "工单编号", "工单编号与第 7 行重复"),
        (9, "问题分类", "问题分类不存在"),
        (9, "诉求类型", "诉求类型无法识别（咨询、求助、投诉、举报、建议、表扬）"),
        (10, "办结时间", "办结时间早于来电时间"),
        (11, "诉求内容", "含有空字符（\\x00），无法保存"),
        (12, "联系电话", "电话号码格式不正确"),
        (13, "满意度", "满意度无法识别（满意、基本满意、不满意）"),
    } <= got
    assert result.invalid == 10 and {p[0] for p in result.problems} == set(range(3, 14)) - {7}

    out = tmp_path / "report.csv"
    with pytest.raises(SystemExit) as exited:
        call_command("import_tickets", str(tmp_path / "bad.csv"), "--report", str(out))
    assert exited.value.code == 1
    report = list(csv.reader(out.open(encoding="utf-8-sig")))
    assert report[0] == ["行号", "列", "值", "问题"]
    assert ["13", "满意度", "'=1+1", "满意度无法识别（满意、基本满意、不满意）"] in report
    assert ["11", "诉求内容", "有\\x00空字符", "含有空字符（\\x00），无法保存"] in report
    assert Ticket.objects.count() == before[0]


def test_skip_invalid_writes_the_good_rows_and_records_what_it_skipped(district, lamp, tmp_path):
    path = write_csv(tmp_path / "mixed.csv", [row(), row(**{"承办单位": "?"}), row()])
    result = run(path, skip_invalid=True)
    assert (result.written, result.invalid) == (2, 1)
    assert Ticket.objects.count() == 2
    assert TicketImport.objects.get().skipped == 1


def test_a_dry_run_validates_and_writes_nothing(district, lamp, tmp_path, capsys):
    path = write_csv(tmp_path / "ok.csv", [row(), row()])
    call_command("import_tickets", str(path), "--dry-run")
    assert "有效 2 行" in capsys.readouterr().out
    assert Ticket.objects.count() == 0 and TicketImport.objects.count() == 0


def test_the_command_imports_as_a_user_with_a_unit_column(
    district, lamp, tmp_path, operator, capsys
):
    path = tmp_path / "other.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["受理时间", "诉求内容", "诉求类型", "处理部门", "办结时间"])
        w.writerow(["2024/6/5 10:23", "路面塌陷", "求助", "住建局", "2024年6月6日 9时30分"])
    call_command("import_tickets", str(path), "--unit-column", "处理部门", "--user", "operator")
    assert "已导入 1 条工单" in capsys.readouterr().out
    t = Ticket.objects.get()
    assert t.primary_unit == district.housing and t.registered_by == operator
    assert t.closed_at == timezone.make_aware(datetime(2024, 6, 6, 9, 30)).astimezone(UTC)
    assert TicketImport.objects.get().actor == operator


def test_bulk_mode_is_refused_where_it_does_not_pay(district, lamp, tmp_path, settings):
    from django.db import connection

    run(write_csv(tmp_path / "a.csv", [row(), row()]))
    with pytest.raises(BulkImportRefused) as refused:
        run(write_csv(tmp_path / "b.csv", [row()]), bulk=True)
    assert refused.value.code == "import_bulk_refused"
    if connection.vendor == "postgresql":
        assert "多于本次导入" in refused.value.message
    else:
        assert "PostgreSQL" in refused.value.message
    assert Ticket.objects.count() == 2


def test_bulk_mode_counts_a_small_table_rather_than_trust_stale_statistics(
    district, lamp, tmp_path
):
    """The planner's row estimate outlives rows a rolled-back load left behind; on a small
    table the refusal rests on an exact count."""
    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("the planner's estimate exists on PostgreSQL only")

    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        run(write_csv(tmp_path / "gone.csv", [row() for _ in range(5)]))
        with connection.cursor() as cur:
            cur.execute("ANALYZE tickets_ticket")  # writes pg_class in place: not undone
        raise Undo
    with connection.cursor() as cur:
        cur.execute("SELECT reltuples FROM pg_class WHERE oid = 'tickets_ticket'::regclass")
        assert cur.fetchone()[0] >= 5
    assert Ticket.objects.count() == 0

    result = run(write_csv(tmp_path / "bulk.csv", [row(), row()]), bulk=True)
    assert result.written == 2 and Ticket.objects.count() == 2
    # The rolled-back load took its tally back with it; the bulk load's COPY added its own.
    assert district_total(district.district.pk) == 2


def test_an_import_adds_its_tickets_to_the_district_tally(district, lamp, tmp_path):
    rows = [row(**{"来电时间": f"2024-06-0{d} 10:00:00"}) for d in (1, 1, 2, 3)]
    assert run(write_csv(tmp_path / "t.csv", rows)).written == 4
    assert district_total(district.district.pk) == 4 == Ticket.objects.count()


def test_bulk_mode_rebuilds_the_search_indexes_it_dropped(district, lamp, tmp_path):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the trigram search indexes exist on PostgreSQL only")

    def gin() -> list[str]:
        with connection.cursor() as cur:
            cur.execute(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'tickets_ticket' "
                "AND indexdef ILIKE '%% USING gin %%' ORDER BY 1"
            )
            return [r[0] for r in cur.fetchall()]

    indexes = gin()
    assert "ticket_content_trgm" in indexes
    result = run(
        write_csv(tmp_path / "bulk.csv", [row(), row(**{"诉求内容": "噪音扰民夜间施工"})]),
        bulk=True,
    )
    assert result.written == 2 and TicketImport.objects.get().bulk is True
    assert gin() == indexes
    assert Ticket.objects.filter(content__icontains="扰民夜").count() == 1
