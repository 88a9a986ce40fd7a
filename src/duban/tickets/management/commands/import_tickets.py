"""``duban import_tickets FILE``: import closed tickets from another platform's export.

    duban import_tickets export.csv [--mapping map.json] [--map 列名=字段 …] [--user NAME]
        [--dry-run] [--skip-invalid] [--bulk] [--report FILE]

FILE is a CSV (UTF-8 or GBK) or an ``.xlsx``. Every row is validated first; the report
(line, column, value, problem) goes to ``FILE.report.csv`` (or ``--report``) whenever there
is a problem, and nothing is written when any row is bad unless ``--skip-invalid``.
docs/import.md describes the columns, the mapping and ``--bulk``. Exit status 1 when rows
were invalid (and nothing or not everything was written), 0 otherwise.
"""

from __future__ import annotations

import csv
import getpass
import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from duban.core.errors import DomainError
from duban.org.models import User
from duban.tickets.importing.mapping import MappingError, load_mapping
from duban.tickets.importing.validation import report_rows
from duban.tickets.services.history_import import tickets_import


class Command(BaseCommand):
    help = "Import closed tickets from another platform's CSV/Excel export."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--mapping", type=Path, default=None, help="JSON {源列名: 字段}")
        parser.add_argument(
            "--map", action="append", default=[], help="列名=字段 (repeatable; overrides)"
        )
        parser.add_argument(
            "--unit-column", default="", help="the column holding the handling unit"
        )
        parser.add_argument("--user", default="", help="the duban user the import is done as")
        parser.add_argument("--dry-run", action="store_true", help="validate and report only")
        parser.add_argument(
            "--skip-invalid", action="store_true", help="write the valid rows, report the rest"
        )
        parser.add_argument(
            "--bulk",
            action="store_true",
            help="PostgreSQL: rebuild the search indexes once instead of row by row",
        )
        parser.add_argument("--report", type=Path, default=None, help="where the report goes")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        extra = list(options["map"])
        if options["unit_column"]:
            extra.append(f"{options['unit_column']}=unit")
        try:
            mapping = load_mapping(options["mapping"], extra)
        except MappingError as exc:
            raise CommandError(str(exc)) from exc
        actor = None
        if options["user"]:
            actor = User.objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"用户不存在：{options['user']}")
        started = time.perf_counter()

        def progress(stage: str, done: int, total: int) -> None:
            of = f"/{total}" if total else ""
            self.stderr.write(f"  {stage} {done}{of} 行 ({time.perf_counter() - started:.1f} s)")

        try:
            result = tickets_import(
                path=path,
                mapping=mapping,
                actor=actor,
                now=timezone.now(),
                run_by=getpass.getuser(),
                skip_invalid=options["skip_invalid"],
                dry_run=options["dry_run"],
                bulk=options["bulk"],
                progress=progress,
            )
        except DomainError as exc:
            raise CommandError(f"{exc.message} [{exc.code}]") from exc
        if result.problems:
            report = options["report"] or path.with_name(path.name + ".report.csv")
            with report.open("w", newline="", encoding="utf-8-sig") as fh:
                csv.writer(fh).writerows(report_rows(result.problems))
            self.stdout.write(f"校验报告：{report}（{len(result.problems)} 个问题）")
        seconds = time.perf_counter() - started
        stages = ", ".join(f"{k} {v:.1f} s" for k, v in result.seconds.items())
        if result.written:
            self.stdout.write(
                f"已导入 {result.written} 条工单（共 {result.rows} 行，跳过无效 {result.invalid} 行），"
                f"编号 {result.run.first_number if result.run else ''}–"
                f"{result.run.last_number if result.run else ''}，用时 {seconds:.1f} s（{stages}）"
            )
        elif result.problems and not options["dry_run"]:
            self.stdout.write(
                f"共 {result.rows} 行，{result.invalid} 行无效：未写入任何工单"
                "（修正后重试，或加 --skip-invalid 只导入有效行）"
            )
        else:
            self.stdout.write(
                f"校验完成：共 {result.rows} 行，有效 {result.valid} 行，无效 {result.invalid} 行"
                f"（未写入），用时 {seconds:.1f} s"
            )
        if result.problems and not (options["skip_invalid"] and result.written):
            sys.exit(1)
