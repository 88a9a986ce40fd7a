"""A district with a project office (发改局), reporters, lead officials and projects."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from duban.org.models import UnitKind
from duban.org.roles import Role
from duban.org.services import unit_create, user_create
from duban.projects.models import Level, Nature, Project, Stage
from duban.projects.services import project_create
from duban.testing.personas import TZ


def person(username: str, role: str, unit: Any, extra: tuple[str, ...] = ()) -> Any:
    return user_create(
        username=username,
        role=role,
        unit=unit,
        full_name=username,
        password="pass-12345",
        extra_roles=list(extra),
    )


@pytest.fixture
def w(p: SimpleNamespace) -> SimpleNamespace:
    """The personas ``p`` plus 发改局, its clerk, two reporters and two lead officials."""
    d = p.district
    fgj = unit_create(code="t-fgj", name="发改局", kind=UnitKind.DEPARTMENT, parent=d.district)
    return SimpleNamespace(
        **vars(p),
        fgj=fgj,
        office=person("office", Role.HANDLER, fgj, (Role.PROJECT_OFFICE,)),
        reporter=person("reporter", Role.PROJECT_REPORTER, fgj),
        reporter2=person("reporter2", Role.PROJECT_REPORTER, fgj),
        lead=p.leader,
        lead2=person("leader2", Role.LEADER, d.district),
    )


def make_project(
    w: SimpleNamespace,
    code: str = "XM-001",
    *,
    now: datetime | None = None,
    annual_plan: object = "1200",
    stage: str = Stage.BUILDING,
    street: Any = None,
    unit: Any = None,
    lead: Any = "default",
    reporter: Any = "default",
    plan_year: int = 2025,
    **extra: Any,
) -> Project:
    return project_create(
        actor=w.office,
        now=now or datetime(2025, 1, 10, 9, tzinfo=TZ),
        code=code,
        name=extra.pop("name", f"测试项目{code}"),
        nature=Nature.INDUSTRY,
        levels=extra.pop("levels", [Level.CITY]),
        owner_name="平顶山某某公司",
        owner_phone="13800000001",
        street=street or w.district.binhu,
        unit=unit or w.district.binhu,
        lead=w.lead if lead == "default" else lead,
        reporter=w.reporter if reporter == "default" else reporter,
        total_investment=extra.pop("total_investment", "50000"),
        annual_plan=annual_plan,
        plan_year=plan_year,
        start_year=2024,
        end_year=2026,
        stage=stage,
        **extra,
    )


def at(y: int, m: int, d: int, h: int = 10) -> datetime:
    return datetime(y, m, d, h, tzinfo=TZ)


__all__ = ["Decimal", "date", "make_project", "at"]


# The browser journeys reuse the web tests' Chromium set-up and fixtures.
from duban.web.tests.conftest import (  # noqa: E402,F401
    browser_type_launch_args,
    migration_data,
    open_as,
)
