"""Overdue proxy steps (代办) on the supervision desk and on the responsible unit's inbox."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from duban.enterprises import services_proxy as px
from duban.enterprises.tests import conftest as enterprise_fixtures
from duban.org.models import UnitKind
from duban.org.services import unit_create
from duban.testing.personas import make_user

pytestmark = pytest.mark.django_db

# The enterprise service's fixture (officers, 发改局 and 自然资源局, two enterprises, a
# three-step catalogue entry), shared with this module.
ent = enterprise_fixtures.ent

HX = {"HTTP_HX_REQUEST": "true"}


def late_case(ent, enterprise=None):
    """A case opened three weeks ago: its first step (发改局, one working day) is overdue."""
    opened = timezone.now() - timedelta(days=21)
    return px.case_open(
        actor=ent.admin, now=opened, enterprise=enterprise or ent.acme, service=ent.service
    )


def test_the_supervision_desk_lists_the_late_step_with_its_case_unit_and_days(ent, client_for):
    case = late_case(ent)
    step = case.steps.get(order=1)
    page = client_for(ent.p.supervisor).get("/desk/supervision/").content.decode()
    assert 'id="late-steps"' in page and "超期代办环节" in page
    row = page[page.index(f'data-late-step="{step.pk}"') :].split("</tr>")[0]
    assert f'href="/enterprises/{ent.acme.pk}/#case-{case.pk}"' in row
    assert "平高集团通用电气有限公司 · 项目备案" in row
    assert "材料预审" in row and "发改局" in row and "个工作日" in row
    # the link opens the case on the enterprise page
    target = client_for(ent.p.supervisor).get(f"/enterprises/{ent.acme.pk}/").content.decode()
    assert f'id="case-{case.pk}"' in target


def test_no_section_without_late_steps_nor_in_a_tab_fragment(ent, client_for):
    client = client_for(ent.p.supervisor)
    assert 'id="late-steps"' not in client.get("/desk/supervision/").content.decode()
    late_case(ent)
    fragment = client.get("/desk/supervision/?tab=overdue", **HX).content.decode()
    assert 'id="late-steps"' not in fragment and "<html" not in fragment


def test_the_responsible_unit_sees_its_late_step_on_its_inbox(ent, client_for):
    step = late_case(ent).steps.get(order=1)
    page = client_for(ent.fgj_handler).get("/desk/inbox/").content.decode()
    row = page[page.index(f'data-late-step="{step.pk}"') :].split("</tr>")[0]
    # a department does not read the registry: the link goes to its steps
    assert f'href="/enterprises/steps/?overdue=1#step-{step.pk}"' in row
    steps_page = client_for(ent.fgj_handler).get("/enterprises/steps/?overdue=1").content.decode()
    assert f'id="step-{step.pk}"' in steps_page
    # 自然资源局's step has not started; another department has none
    for other in (ent.zrj_handler, ent.p.dept_handler):
        assert 'id="late-steps"' not in client_for(other).get("/desk/inbox/").content.decode()


def test_another_district_does_not_see_the_step(ent, client_for):
    late_case(ent)
    district = unit_create(code="o-district", name="另一区", kind=UnitKind.DISTRICT)
    jgw = unit_create(code="o-jgw", name="另一区纪工委", kind=UnitKind.DEPARTMENT, parent=district)
    fgj = unit_create(code="o-fgj", name="另一区发改局", kind=UnitKind.DEPARTMENT, parent=district)
    for user, url in (
        (make_user("o_supervisor", "supervisor", jgw), "/desk/supervision/"),
        (make_user("o_leader", "leader", district), "/desk/supervision/"),
        (make_user("o_fgj", "handler", fgj), "/desk/inbox/"),
    ):
        page = client_for(user).get(url).content.decode()
        assert 'id="late-steps"' not in page and "平高集团" not in page, user.username


@pytest.mark.parametrize("desk,persona", [("supervision", "supervisor"), ("inbox", "fgj_handler")])
def test_the_desk_query_count_does_not_grow_with_late_steps(ent, client_for, desk, persona):
    user = ent.p.supervisor if persona == "supervisor" else ent.fgj_handler
    client = client_for(user)
    late_case(ent)
    client.get(f"/desk/{desk}/")  # the working calendar is read once per process

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            page = client.get(f"/desk/{desk}/").content.decode()
        assert 'id="late-steps"' in page
        return len(captured.captured_queries)

    one = queries()
    for _ in range(5):
        late_case(ent, enterprise=ent.other)
    assert queries() == one
    # the desk's own (an inbox also reads its subtree's unit ids), the bell's unread count,
    # the late steps (one query)
    assert one <= {"supervision": 8, "inbox": 9}[desk]
