"""Schemas shared by every app's API router: the error body, the strict input base, text types."""

from __future__ import annotations

from typing import Annotated, Any

from django.conf import settings
from ninja import Schema
from pydantic import AfterValidator, ConfigDict, Field

MAX_TEXT = int(str(settings.DUBAN["MAX_TEXT_LENGTH"]))
MAX_ID = 2**53  # larger ids never exist and would overflow SQLite integers


def no_nul(value: str) -> str:
    # PostgreSQL refuses NUL characters in text: reject them as input errors, not 500s.
    if "\x00" in value:
        raise ValueError("不能包含 NUL 字符 / must not contain NUL characters")
    return value


Text = Annotated[str, Field(max_length=MAX_TEXT), AfterValidator(no_nul)]
ShortText = Annotated[str, Field(max_length=500), AfterValidator(no_nul)]
Name = Annotated[str, Field(max_length=200), AfterValidator(no_nul)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Code = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(no_nul)]
# Required text: at least one non-blank character (services strip text and refuse a blank
# one), so the OpenAPI schema never promises that "" or "  " is accepted.
NOT_BLANK = r"\S"
RequiredText = Annotated[
    str, Field(min_length=1, max_length=MAX_TEXT, pattern=NOT_BLANK), AfterValidator(no_nul)
]
RequiredShortText = Annotated[
    str, Field(min_length=1, max_length=500, pattern=NOT_BLANK), AfterValidator(no_nul)
]
RequiredName = Annotated[
    str, Field(min_length=1, max_length=200, pattern=NOT_BLANK), AfterValidator(no_nul)
]
# A month, YYYY-MM (``core.periods.parse_period``): the schema admits only real months.
MonthPeriod = Annotated[
    str, Field(pattern=r"^(19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])$", description="YYYY-MM")
]
# A unit (or other object) named by its code or its numeric id.
Ref = Id | Code


class InputSchema(Schema):
    """Request bodies: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class ErrorOut(Schema):
    code: str = Field(examples=["illegal_transition"])
    message: str
    details: dict[str, Any] = {}


class PageOut(Schema):
    count: int
