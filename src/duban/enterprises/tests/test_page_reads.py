"""The staff pages' reads: visit coverage per group and officer, the officer's desk counts,
and the ledger's fixed query count (its selects read only what the page shows)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from duban.enterprises.selectors import coverage_by, desk
from duban.enterprises.services import EnterpriseData, enterprise_create

from .conftest import valid_code

pytestmark = pytest.mark.django_db


def more_enterprises(ent, now, n):
    for i in range(n):
        enterprise_create(
            actor=ent.admin,
            now=now,
            data=EnterpriseData(
                name=f"九州通医药{i}号有限公司",
                credit_code=valid_code(),
                park=ent.park,
                street=ent.d.binhu,
                contact_name="赵会计",
                contact_phone="13700003333",
                officer=ent.officer,
                group=ent.group,
                tech_sme=True,
            ),
        )


def test_coverage_per_group_and_officer_with_the_unassigned_last(ent, now):
    # Forty days on: 平高 (above scale, 30 days, never visited) is overdue; 真实生物 (90) not.
    later = now + timedelta(days=40)
    rows = coverage_by(district_id=ent.d.district.pk, now=later, by="group")
    assert [(r.label, r.enterprises, r.overdue) for r in rows] == [
        ("第一服务组", 1, 1),
        ("未分配", 1, 0),
    ]
    assert rows[0].coverage_rate == 0.0 and rows[1].coverage_rate == 1.0
    rows = coverage_by(district_id=ent.d.district.pk, now=later, by="officer")
    assert [(r.key, r.label, r.overdue) for r in rows] == [
        (ent.officer.pk, "officer1", 1),
        (ent.other_officer.pk, "officer2", 0),
    ]


def test_the_officers_desk_counts_her_enterprises_and_visits_due(ent, now):
    more_enterprises(ent, now, 2)
    d = desk(user=ent.officer, now=now + timedelta(days=40))
    # 平高 is overdue (above scale); the two new ones (not above scale) are not yet
    assert (d.enterprises, d.visits_due_count) == (3, 1)
    assert [e.name for e in d.visits_due] == ["平高集团通用电气有限公司"]
    assert desk(user=ent.other_officer, now=now).enterprises == 1


def _ledger(client: Client, **headers: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        page = client.get("/enterprises/", **headers).content.decode()
    return len(captured.captured_queries), page


def test_the_ledger_runs_the_same_queries_for_more_rows(ent, now):
    client = Client()
    client.force_login(ent.p.leader)
    few, page = _ledger(client)
    assert page.count('<a href="/enterprises/') >= 2
    more_enterprises(ent, now, 6)
    many, page = _ledger(client)
    assert many == few
    assert page.count("九州通医药") == 6 and page.count("科小") >= 6
    assert f'href="/enterprises/{ent.acme.pk}/"' in page  # the row links to its page
    # a page of rows (htmx) does not read the filters' options
    rows, fragment = _ledger(client, HTTP_HX_REQUEST="true")
    assert "<html" not in fragment and rows <= few - 5
