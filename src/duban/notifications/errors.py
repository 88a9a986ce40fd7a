"""Domain errors of notifications (codes are stable API values)."""

from __future__ import annotations

from duban.core.errors import NotFound


class NoticeNotFound(NotFound):
    """No such notice among the user's own (another user's notice is not found either)."""

    code = "notice_not_found"
