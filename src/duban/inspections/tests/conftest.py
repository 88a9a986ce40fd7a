"""A small 创文 programme on the test district: two standards (one for shops on roads, one
for residential areas), two sites, an inspector, the 创文办 (no centre role: the module's
grant lets it take the engine's 回头看 steps) and an open weekly round."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from duban.inspections import services as s
from duban.org.roles import Role
from duban.org.services import user_create

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


def photo(name: str = "p.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def rows() -> list[s.StandardRow]:
    return [
        s.StandardRow(
            "B1",
            "市容环境",
            "I1",
            "占道经营",
            "S1",
            "无店外经营、占道经营",
            site_types=("main_road", "back_street"),
            line=2,
        ),
        s.StandardRow(
            "B1",
            "市容环境",
            "I2",
            "小广告",
            "S2",
            "无乱涂乱画和小广告",
            site_types=("main_road", "residential"),
            line=3,
        ),
        s.StandardRow(
            "B2",
            "社区环境",
            "I3",
            "飞线充电",
            "S3",
            "无飞线充电",
            site_types=("residential",),
            photo_required=False,
            line=4,
        ),
    ]


@pytest.fixture
def insp(district, now) -> SimpleNamespace:
    d = district
    office = user_create(
        username="cwb",
        role=Role.INSPECTION_OFFICE,
        unit=d.jgw,
        full_name="创文办",
        password="pass-12345",
    )
    inspector = user_create(
        username="inspector1",
        role=Role.INSPECTOR,
        unit=d.jgw,
        full_name="督查员甲",
        password="pass-12345",
    )
    programme = s.programme_create(actor=office, now=now, code="cw", name="创文")
    s.checklist_import(actor=office, now=now, programme=programme, rows=rows())
    road = s.site_create(
        actor=office,
        now=now,
        code="road-1",
        name="湖滨路",
        type="main_road",
        street=d.binhu,
        unit=d.housing,
        overseer="张局长",
    )
    estate = s.site_create(
        actor=office,
        now=now,
        code="estate-1",
        name="东留小区",
        type="residential",
        street=d.binhu,
        unit=d.dongliu,
    )
    rnd = s.round_plan(
        actor=office,
        now=now,
        programme=programme,
        name="第1周督查",
        starts_on=date(2025, 3, 3),
        ends_on=date(2025, 3, 9),
        assignments=[(road, inspector), (estate, inspector)],
    )
    standards = {st.code: st for st in programme.standards.all()}
    return SimpleNamespace(
        d=d,
        office=office,
        inspector=inspector,
        programme=programme,
        road=road,
        estate=estate,
        round=rnd,
        std=standards,
        a_road=rnd.assignments.get(site=road),
        a_estate=rnd.assignments.get(site=estate),
        later=lambda days: now + timedelta(days=days),
    )


@pytest.fixture
def unit_head(district):
    from duban.testing.personas import make_user

    return make_user("housing_head", Role.UNIT_HEAD, district.housing)


# The browser journey reuses the web tests' Chromium set-up and fixtures.
from duban.web.tests.conftest import (  # noqa: E402,F401
    browser_type_launch_args,
    migration_data,
    open_as,
)
