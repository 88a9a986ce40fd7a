"""`duban catalogue import PATH`: load a three-level category catalogue from CSV."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from duban.core.errors import DomainError
from duban.dispatch.csvio import CsvInputError
from duban.dispatch.services import catalogue_import


class Command(BaseCommand):
    help = "分类目录 / category catalogue. `import PATH` reads level1,level2,level3 columns (UTF-8 or GBK)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser(
            "import", help="import a catalogue CSV shaped like label_hierarchy.csv"
        )
        imp.add_argument("path")
        imp.add_argument(
            "--units",
            help='JSON file mapping category names to unit codes, e.g. {"城乡建设": "housing"}',
        )
        imp.add_argument(
            "--territorial",
            default="",
            help="comma-separated category names routed by place (属地)",
        )

    def handle(self, *args: object, **options: object) -> None:
        units: dict[str, str] = {}
        if options.get("units"):
            try:
                with open(str(options["units"]), encoding="utf-8") as fh:
                    units = json.load(fh)
            except (OSError, ValueError) as exc:
                raise CommandError(f"无法读取单位映射 / cannot read --units: {exc}") from exc
        territorial = {
            t.strip() for t in str(options.get("territorial") or "").split(",") if t.strip()
        }
        try:
            result = catalogue_import(
                path=str(options["path"]), default_units=units, territorial=territorial
            )
        except (CsvInputError, DomainError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"新增分类 {result.created} 个，已存在 {result.existing} 个 / "
            f"{result.created} categories created, {result.existing} already present"
        )
