"""Log formats for every process (server, worker, commands): ``settings.LOGGING`` uses them.

- ``TextFormatter``: ``2026-12-02T15:40:01.123+08:00 ERROR django.request Internal Server
  Error: /desk/inbox/ [500 GET]`` then the traceback, one record per line otherwise.
- ``JsonFormatter``: one JSON object per line (``ts``, ``level``, ``logger``, ``message``,
  ``status``, ``method``, ``path``, ``process``, ``exc``) for a log shipper.

A 500 is logged by Django's ``django.request`` logger with the exception; the request is
attached to the record, so both formats name its method and path.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any


def _timestamp(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="milliseconds")


def _request_fields(record: logging.LogRecord) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    status = getattr(record, "status_code", None)
    if status is not None:
        fields["status"] = status
    request = getattr(record, "request", None)
    if request is not None and hasattr(request, "method"):
        fields["method"] = request.method
        fields["path"] = getattr(request, "path", "")
    return fields


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        fields = _request_fields(record)
        if fields:
            extra = " ".join(str(fields[k]) for k in ("status", "method") if k in fields)
            message = f"{message} [{extra}]"
        line = f"{_timestamp(record)} {record.levelname} {record.name} {message}"
        if record.exc_info:
            line = f"{line}\n{self.formatException(record.exc_info)}"
        elif record.exc_text:
            line = f"{line}\n{record.exc_text}"
        return line


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "ts": _timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
            **_request_fields(record),
        }
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)
