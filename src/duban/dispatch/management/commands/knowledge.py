"""`duban knowledge import FILE.xlsx | export FILE.xlsx | search QUERY`."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from duban.core.errors import DomainError
from duban.dispatch.knowledge import knowledge_search
from duban.dispatch.selectors import knowledge_export
from duban.dispatch.services import knowledge_import


class Command(BaseCommand):
    help = "知识库 / knowledge base: import and export Excel, search from the command line."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("import").add_argument("path")
        sub.add_parser("export").add_argument("path")
        search = sub.add_parser("search")
        search.add_argument("query")
        search.add_argument("--limit", type=int, default=5)

    def handle(self, *args: object, **options: object) -> None:
        action, now = options["action"], timezone.now()
        if action == "export":
            Path(str(options["path"])).write_bytes(knowledge_export())
            self.stdout.write(f"已导出 / exported to {options['path']}")
        elif action == "import":
            path = Path(str(options["path"]))
            if not path.is_file():
                raise CommandError(f"{path}: 文件不存在 / file not found")
            try:
                result = knowledge_import(data=path.read_bytes(), now=now)
            except DomainError as exc:
                raise CommandError(exc.message) from exc
            self.stdout.write(
                f"新增 {result.created} 条，更新 {result.existing} 条 / {result.created} created, "
                f"{result.existing} updated"
            )
        else:
            for hit in knowledge_search(
                str(options["query"]), today=now.date(), limit=int(options["limit"])
            ):
                self.stdout.write(f"{hit.score:.2f}  {hit.question}\n      {hit.answer[:80]}")
