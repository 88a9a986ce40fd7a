"""Setting the org tree up without a developer: add, rename, move and deactivate units in
the admin, through ``org.services`` (paths of whole subtrees rewritten, refusals explained)."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client

from duban.org.models import Unit, UnitKind
from duban.org.services import (
    InvalidUnit,
    unit_create,
    unit_deactivate,
    unit_move,
    unit_reactivate,
    user_create,
)
from duban.sla.calendar import LOCAL_TZ
from duban.testing import factories as f

pytestmark = pytest.mark.django_db
NOW = datetime(2025, 11, 14, 9, tzinfo=LOCAL_TZ)


@pytest.fixture
def tree() -> dict[str, Unit]:
    d = unit_create(code="d", name="示范区", kind=UnitKind.DISTRICT)
    s1 = unit_create(code="s1", name="东街道", kind=UnitKind.STREET, parent=d)
    c1 = unit_create(code="c1", name="幸福社区", kind=UnitKind.COMMUNITY, parent=s1)
    g1 = unit_create(code="g1", name="幸福社区第一网格", kind=UnitKind.GRID, parent=c1)
    s2 = unit_create(code="s2", name="西街道", kind=UnitKind.STREET, parent=d)
    other = unit_create(code="d2", name="另一个区", kind=UnitKind.DISTRICT)
    return {"d": d, "s1": s1, "c1": c1, "g1": g1, "s2": s2, "other": other}


def fresh(unit: Unit) -> Unit:
    return Unit.objects.get(pk=unit.pk)


class TestMove:
    def test_moves_the_whole_subtree(self, tree: dict[str, Unit]) -> None:
        s2, c1, g1 = tree["s2"], tree["c1"], tree["g1"]
        moved = unit_move(unit=c1, parent=s2, actor=None, now=NOW)
        assert moved.parent_id == s2.pk
        assert fresh(c1).path == f"{s2.path}{c1.pk:06d}/" and fresh(c1).depth == 2
        assert fresh(g1).path == f"{s2.path}{c1.pk:06d}/{g1.pk:06d}/" and fresh(g1).depth == 3
        assert set(Unit.objects.subtree(fresh(s2))) == {s2, c1, g1}
        assert set(Unit.objects.subtree(fresh(tree["s1"]))) == {tree["s1"]}

    def test_up_a_level_shifts_depths(self, tree: dict[str, Unit]) -> None:
        unit_move(unit=tree["g1"], parent=tree["d"], actor=None, now=NOW)
        g1 = fresh(tree["g1"])
        assert (g1.path, g1.depth) == (f"{tree['d'].path}{g1.pk:06d}/", 1)

    def test_refuses_its_own_descendant_and_itself(self, tree: dict[str, Unit]) -> None:
        with pytest.raises(InvalidUnit, match="下级单位"):
            unit_move(unit=tree["s1"], parent=tree["g1"], actor=None, now=NOW)
        with pytest.raises(InvalidUnit, match="自己"):
            unit_move(unit=tree["s1"], parent=tree["s1"], actor=None, now=NOW)
        assert fresh(tree["g1"]).path.startswith(tree["s1"].path)

    def test_refuses_another_district_and_moving_a_district(self, tree: dict[str, Unit]) -> None:
        with pytest.raises(InvalidUnit, match="另一个区"):
            unit_move(unit=tree["s1"], parent=tree["other"], actor=None, now=NOW)
        with pytest.raises(InvalidUnit, match="根"):
            unit_move(unit=tree["d"], parent=tree["other"], actor=None, now=NOW)

    def test_a_handlers_scope_follows(self, tree: dict[str, Unit]) -> None:
        user = user_create(username="h", role="handler", unit=tree["s2"])
        unit_move(unit=tree["c1"], parent=tree["s2"], actor=None, now=NOW)
        user.refresh_from_db()
        assert user.can_see_unit(fresh(tree["g1"]))


class TestDeactivate:
    def test_deactivates_the_subtree(self, tree: dict[str, Unit]) -> None:
        assert unit_deactivate(unit=tree["s1"], actor=None, now=NOW) == 3
        assert not Unit.objects.subtree(tree["s1"]).filter(is_active=True).exists()
        with pytest.raises(InvalidUnit, match="上级单位"):
            unit_reactivate(unit=tree["c1"], actor=None, now=NOW)
        unit_reactivate(unit=tree["s1"], actor=None, now=NOW)
        assert fresh(tree["s1"]).is_active and not fresh(tree["c1"]).is_active

    def test_refused_with_open_tickets(self, p, now) -> None:
        ticket = f.dispatched(p=p, now=now)
        p.street_handler.is_active = p.street_head.is_active = False
        p.street_handler.save()
        p.street_head.save()
        p.village_handler.is_active = False
        p.village_handler.save()
        with pytest.raises(InvalidUnit, match="还有 1 件未办结的工单"):
            unit_deactivate(unit=ticket.primary_unit, actor=None, now=now)
        assert fresh(ticket.primary_unit).is_active

    def test_refused_with_active_users(self, tree: dict[str, Unit]) -> None:
        user_create(username="h", role="handler", unit=tree["g1"])
        with pytest.raises(InvalidUnit, match="用户账号"):
            unit_deactivate(unit=tree["s1"], actor=None, now=NOW)


class TestAdmin:
    def test_add_rename_move_and_audit(
        self, tree: dict[str, Unit], admin_client: Client, admin_user
    ) -> None:
        response = admin_client.post(
            "/admin/org/unit/add/",
            {
                "name": "新建社区",
                "code": "new",
                "kind": "community",
                "parent": tree["s1"].pk,
                "place_names": "新建小区、新建路 幸福里",
                "aliases": "",
                "sort_order": "0",
                "is_active": "on",
            },
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        new = Unit.objects.get(code="new")
        assert new.path == f"{tree['s1'].path}{new.pk:06d}/" and new.depth == 2
        assert new.place_names == ["新建小区", "新建路", "幸福里"]
        form = admin_client.get(f"/admin/org/unit/{new.pk}/change/").content.decode()
        assert "新建小区、新建路、幸福里" in form
        response = admin_client.post(
            f"/admin/org/unit/{new.pk}/change/",
            {
                "name": "新建社区（改名）",
                "code": "new",
                "kind": "community",
                "parent": tree["s2"].pk,
                "place_names": "新建小区",
                "aliases": "",
                "sort_order": "0",
                "is_active": "on",
            },
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        new.refresh_from_db()
        assert new.name == "新建社区（改名）" and new.path.startswith(tree["s2"].path)
        messages = list(
            LogEntry.objects.filter(object_id=str(new.pk)).values_list("change_message", flat=True)
        )
        assert len(messages) == 3  # added, renamed, moved: one row each, from the services
        assert any("移到「西街道」之下" in m for m in messages)

    def test_refusals_are_explained_on_the_form(
        self, tree: dict[str, Unit], admin_client: Client
    ) -> None:
        user_create(username="h", role="handler", unit=tree["c1"])
        response = admin_client.post(
            f"/admin/org/unit/{tree['s1'].pk}/change/",
            {
                "name": "东街道",
                "code": "s1",
                "kind": "street",
                "parent": tree["g1"].pk,
                "place_names": "",
                "aliases": "",
                "sort_order": "0",
            },
        )
        page = response.content.decode()
        assert response.status_code == 200
        assert "不能把「东街道」移到它自己或它的下级单位「幸福社区第一网格」之下" in page
        assert "不能停用「东街道」" in page and "用户账号" in page
        assert fresh(tree["s1"]).is_active and fresh(tree["s1"]).parent_id == tree["d"].pk


def test_users_are_managed_by_role_not_django_permissions(admin_client: Client, p) -> None:
    page = admin_client.get(f"/admin/org/user/{p.operator.pk}/change/").content.decode()
    assert 'name="role"' in page and 'name="unit"' in page
    assert 'name="user_permissions"' not in page and 'name="groups"' not in page
    assert admin_client.get("/admin/auth/group/").status_code == 404
