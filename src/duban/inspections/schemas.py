"""Input and output schemas of the inspections API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from ninja import Schema
from pydantic import AfterValidator, Field

from duban.core.schemas import Id, InputSchema, ShortText, no_nul

Photo = Annotated[str, Field(max_length=14_000_000), AfterValidator(no_nul)]


class ProgrammeOut(Schema):
    code: str
    name: str
    boards: int
    items: int
    standards: int
    repeat_window_days: int


class FindingFilters(InputSchema):
    programme: str | None = Field(None, max_length=64)
    state: Literal["fixed", "rectifying", "awaiting", "closed"] | None = None
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=10_000_000)


class FindingOut(Schema):
    id: int
    programme: str
    site: str
    site_code: str
    standard: str
    standard_text: str
    unit: str
    street: str
    description: str
    place: str
    found_at: datetime
    fixed_on_spot: bool
    repeat: bool
    higher_level: bool
    overdue: bool
    deduction: float
    state: str
    ticket: str | None
    due_at: datetime | None
    verification: Literal["pending", "confirmed", "rejected"] | None


class FindingPageOut(Schema):
    count: int
    items: list[FindingOut]


class RankingQuery(InputSchema):
    period: str = Field(pattern=r"^\d{4}-(\d{2}|W\d{2})$", description="YYYY-MM 或 YYYY-Www")
    group: Literal["streets", "units"] = "streets"
    programme: str | None = Field(None, max_length=64)
    round: Id | None = None


class RankRowOut(Schema):
    unit_id: int
    unit: str
    score: float
    rank: int
    checks: int
    findings: int
    deduction: float
    previous_rank: int | None
    previous_score: float | None
    rank_change: int | None
    score_change: float | None


class RankingOut(Schema):
    period: str
    previous_period: str | None
    group: str
    ranked: list[RankRowOut]
    top: list[RankRowOut] = Field(description="飞虎榜")
    bottom: list[RankRowOut] = Field(description="蜗牛榜（最后一名在前）")


class AssignmentOut(Schema):
    id: int
    round: str
    site: str
    site_type: str
    street: str
    checked: bool


class ResultIn(InputSchema):
    standard: Id
    outcome: Literal["pass", "fail", "na"]
    description: ShortText = ""
    place: Annotated[str, Field(max_length=200), AfterValidator(no_nul)] = ""
    fixed_on_spot: bool = False
    photos: list[Photo] = Field(default_factory=list, max_length=6)
    after_photos: list[Photo] = Field(default_factory=list, max_length=6)


class CheckIn(InputSchema):
    client_token: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    results: list[ResultIn] = Field(min_length=1, max_length=300)


class CheckOut(Schema):
    id: int
    site: str
    score: float
    findings: int
    replayed: bool
    tickets: list[str]


class VerifyIn(InputSchema):
    confirmed: bool
    reason: ShortText = ""
    photos: list[Photo] = Field(default_factory=list, max_length=6)
