"""The moment a scheduled command acts at: ``--now`` (replays, tests) or the clock."""

from __future__ import annotations

from datetime import datetime

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone


def add_now_option(parser: CommandParser) -> None:
    parser.add_argument(
        "--now", help="ISO moment to use instead of the clock (for replays and tests)"
    )


def now_from(options: dict[str, object]) -> datetime:
    """``--now`` parsed (a naive moment is local time), else the clock; a clear error if bad."""
    raw = options.get("now")
    if not raw:
        return timezone.now()
    try:
        now = datetime.fromisoformat(str(raw))
    except ValueError as exc:
        raise CommandError(f"--now 不是有效的时间 / --now is not an ISO datetime: {raw}") from exc
    return timezone.make_aware(now) if timezone.is_naive(now) else now
