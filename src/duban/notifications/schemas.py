"""API schemas of notices."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema
from pydantic import Field

from duban.core.schemas import Id, InputSchema


class NoticeQuery(InputSchema):
    page: int = Field(1, ge=1, le=10_000)
    unread: bool = False


class NoticeOut(Schema):
    id: int
    kind: str
    kind_label: str
    text: str
    ticket_number: str | None = Field(
        description="工单编号；您已无权查看该工单时为空 / null when you may no longer see it"
    )
    created_at: datetime
    read_at: datetime | None


class NoticePageOut(Schema):
    items: list[NoticeOut]
    page: int
    has_next: bool


class UnreadOut(Schema):
    unread: int = Field(description="未读条数（最多计到 100） / unread notices, counted up to 100")


class ReadAllIn(InputSchema):
    up_to: Id | None = Field(
        None, description="只标记不晚于该 id 的通知 / only notices up to this id"
    )


class ReadAllOut(Schema):
    marked: int
