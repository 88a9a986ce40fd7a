"""Fixtures of the enterprise service: officers, a department pair, enterprises, a catalogue."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import pytest

from duban.enterprises import credit_code as cc
from duban.org.models import UnitKind
from duban.org.services import unit_create
from duban.testing.personas import make_user

_serial = itertools.count(1)


def valid_code(prefix: str = "91410400MA") -> str:
    """A fresh valid credit code (distinct per call)."""
    body = f"{prefix}{next(_serial):07d}"[:17]
    return body + cc.check_character(body)


@pytest.fixture
def ent(p, now):
    """``ent.officer`` serves ``ent.acme``; ``ent.other_officer`` serves ``ent.other``;
    发改局 and 自然资源局 handle problems and proxy steps."""
    from duban.enterprises.models import Park
    from duban.enterprises.services import EnterpriseData, enterprise_create, group_create
    from duban.enterprises.services_proxy import StepSpec, service_define

    d = p.district
    fgj = unit_create(code="t-fgj", name="发改局", kind=UnitKind.DEPARTMENT, parent=d.district)
    zrj = unit_create(code="t-zrj", name="自然资源局", kind=UnitKind.DEPARTMENT, parent=d.district)
    officer = make_user("officer1", "service_officer", fgj)
    other_officer = make_user("officer2", "service_officer", fgj)
    fgj_handler = make_user("fgj_handler", "handler", fgj)
    zrj_handler = make_user("zrj_handler", "handler", zrj)
    admin = make_user("ent_admin", "admin", d.district)
    park = Park.objects.create(district=d.district, name="高新技术产业园")
    group = group_create(actor=admin, now=now, name="第一服务组", kind="service_group")
    acme = enterprise_create(
        actor=admin,
        now=now,
        data=EnterpriseData(
            name="平高集团通用电气有限公司",
            credit_code=valid_code(),
            park=park,
            street=d.binhu,
            above_scale=True,
            contact_name="王经理",
            contact_phone="13800001111",
            officer=officer,
            group=group,
        ),
    )
    other = enterprise_create(
        actor=admin,
        now=now,
        data=EnterpriseData(
            name="真实生物科技有限公司",
            credit_code=valid_code(),
            contact_name="李主任",
            contact_phone="13900002222",
            officer=other_officer,
        ),
    )
    service = service_define(
        actor=admin,
        now=now,
        name="项目备案",
        steps=[
            StepSpec(name="材料预审", unit=fgj, days=1),
            StepSpec(name="用地审查", unit=zrj, days=2),
            StepSpec(name="备案批复", unit=fgj, days=1),
        ],
    )
    from duban.enterprises.models import ProblemCategory

    return SimpleNamespace(
        p=p,
        d=d,
        fgj=fgj,
        zrj=zrj,
        officer=officer,
        other_officer=other_officer,
        fgj_handler=fgj_handler,
        zrj_handler=zrj_handler,
        admin=admin,
        park=park,
        group=group,
        acme=acme,
        other=other,
        service=service,
        # A transactional test's database was flushed of the rows the data migration seeds.
        funds=ProblemCategory.objects.get_or_create(name="资金")[0],
    )


# The browser journeys reuse the web tests' Chromium set-up and fixtures.
from duban.web.tests.conftest import (  # noqa: E402,F401
    browser_type_launch_args,
    migration_data,
    open_as,
)
