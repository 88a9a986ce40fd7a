"""A small district and named personas for tests (pytest plugin: ``duban.testing.personas``).

滨湖街道 has the village 东留村; 湖滨路街道 is the "other street"; 住建局 is a department.
Fixtures: ``district`` (a namespace of units), ``operator``, ``dispatcher``,
``street_handler``, ``street_head``, ``village_handler``, ``other_street_handler``,
``dept_handler``, ``supervisor``, ``leader``, ``admin_user``, ``now``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from types import SimpleNamespace
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest

if TYPE_CHECKING:  # Django is not set up yet when pytest loads this plugin.
    from duban.org.models import Unit, User

TZ = ZoneInfo("Asia/Shanghai")


def build_district() -> SimpleNamespace:
    from duban.org.models import UnitKind
    from duban.org.services import unit_create

    d = unit_create(code="t-district", name="测试示范区", kind=UnitKind.DISTRICT)
    centre = unit_create(code="t-centre", name="12345服务中心", kind=UnitKind.CENTRE, parent=d)
    jgw = unit_create(code="t-jgw", name="纪工委", kind=UnitKind.DEPARTMENT, parent=d)
    housing = unit_create(code="t-housing", name="住建局", kind=UnitKind.DEPARTMENT, parent=d)
    binhu = unit_create(
        code="t-binhu",
        name="滨湖街道",
        kind=UnitKind.STREET,
        parent=d,
        place_names=["东留村", "西留村"],
    )
    dongliu = unit_create(code="t-dongliu", name="东留村", kind=UnitKind.COMMUNITY, parent=binhu)
    hubin = unit_create(
        code="t-hubin", name="湖滨路街道", kind=UnitKind.STREET, parent=d, place_names=["建业社区"]
    )
    jianye = unit_create(code="t-jianye", name="建业社区", kind=UnitKind.COMMUNITY, parent=hubin)
    return SimpleNamespace(
        district=d,
        centre=centre,
        jgw=jgw,
        housing=housing,
        binhu=binhu,
        dongliu=dongliu,
        hubin=hubin,
        jianye=jianye,
    )


def make_user(username: str, role: str, unit: Unit) -> User:
    from duban.org.services import user_create

    return user_create(
        username=username, role=role, unit=unit, full_name=username, password="pass-12345"
    )


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings: object) -> None:
    """Personas get real passwords; hashing them with PBKDF2 would dominate test time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _fresh_process_caches() -> Iterator[None]:
    """Each test reads SLA rules, the calendar, cached figures and content types from its own
    database state, before and after the database fixtures run.

    The content types matter on PostgreSQL: a transactional test restoring the serialized
    database caches the original ids, and its closing flush empties the table; a later test
    writing the admin log with a cached id would break the log's foreign key.
    """
    from django.contrib.contenttypes.models import ContentType
    from django.core.cache import cache

    from duban.sla.selectors import calendar_invalidate

    def clear() -> None:
        calendar_invalidate()
        cache.clear()
        ContentType.objects.clear_cache()

    clear()
    yield
    clear()


@pytest.fixture
def now() -> datetime:
    # A Monday morning in working hours.
    return datetime(2025, 3, 3, 9, 0, tzinfo=TZ)


@pytest.fixture
def district(db: None) -> SimpleNamespace:
    return build_district()


@pytest.fixture
def operator(district: SimpleNamespace) -> User:
    return make_user("operator", "operator", district.centre)


@pytest.fixture
def dispatcher(district: SimpleNamespace) -> User:
    return make_user("dispatcher", "dispatcher", district.centre)


@pytest.fixture
def street_handler(district: SimpleNamespace) -> User:
    return make_user("binhu_handler", "handler", district.binhu)


@pytest.fixture
def street_head(district: SimpleNamespace) -> User:
    return make_user("binhu_head", "unit_head", district.binhu)


@pytest.fixture
def village_handler(district: SimpleNamespace) -> User:
    return make_user("dongliu_handler", "handler", district.dongliu)


@pytest.fixture
def other_street_handler(district: SimpleNamespace) -> User:
    return make_user("hubin_handler", "handler", district.hubin)


@pytest.fixture
def dept_handler(district: SimpleNamespace) -> User:
    return make_user("housing_handler", "handler", district.housing)


@pytest.fixture
def supervisor(district: SimpleNamespace) -> User:
    return make_user("supervisor", "supervisor", district.jgw)


@pytest.fixture
def leader(district: SimpleNamespace) -> User:
    return make_user("leader", "leader", district.district)


@pytest.fixture
def admin_user(district: SimpleNamespace) -> User:
    return make_user("admin", "admin", district.district)


@pytest.fixture
def p(
    district: SimpleNamespace,
    operator: User,
    dispatcher: User,
    street_handler: User,
    street_head: User,
    village_handler: User,
    other_street_handler: User,
    dept_handler: User,
    supervisor: User,
    leader: User,
) -> SimpleNamespace:
    """All personas at once: ``p.operator``, ``p.street_handler``, ``p.district.binhu`` …"""
    return SimpleNamespace(
        district=district,
        operator=operator,
        dispatcher=dispatcher,
        street_handler=street_handler,
        street_head=street_head,
        village_handler=village_handler,
        other_street_handler=other_street_handler,
        dept_handler=dept_handler,
        supervisor=supervisor,
        leader=leader,
    )
