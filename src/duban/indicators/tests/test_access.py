"""Who writes and who reads: only the statistics office of the district imports, approves
and publishes; months not yet published are invisible to every other reader; nobody reads
another district's figures. The API keeps its contract and a fixed number of queries."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from duban.indicators.models import Release, ReleaseStatus
from duban.indicators.services import release_approve, release_publish
from duban.indicators.services_import import import_commit

from .conftest import sheet_rows, uniform, workbook

pytestmark = pytest.mark.django_db
TABLE = "/api/v1/indicators/table?period=2023-03&group=all"


def client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def upload(c: Client, **extra: Any) -> Any:
    data = workbook({"2023年1-3月": sheet_rows(uniform())})
    f = SimpleUploadedFile("m.xlsx", data)
    return c.post("/api/v1/indicators/imports", {"file": f, **extra})


def test_only_the_statistics_office_imports(
    stats: Any, leader: Any, supervisor: Any, operator: Any
) -> None:
    for user in (leader, supervisor, operator):
        r = upload(client(user))
        assert r.status_code == 403, user.role
        assert r.json()["code"] == "permission_denied"
        assert client(user).get("/indicators/import/").status_code == 403
    assert Release.objects.count() == 0
    r = upload(client(stats), dry_run="true")
    assert r.status_code == 200 and r.json()["ok"] and not r.json()["committed"]
    assert Release.objects.count() == 0
    r = upload(client(stats))
    assert r.status_code == 201 and r.json()["periods"] == ["2023-03"]
    assert Release.objects.get().status == ReleaseStatus.DRAFT


def test_only_the_statistics_office_approves_and_publishes(stats: Any, leader: Any) -> None:
    upload(client(stats))
    assert client(leader).post("/api/v1/indicators/releases/2023-03/approve").status_code == 403
    assert client(leader).post("/indicators/releases/2023-03/approve/").status_code == 403
    r = client(stats).post("/api/v1/indicators/releases/2023-03/publish")
    assert r.status_code == 409 and r.json()["code"] == "illegal_status"
    assert (
        client(stats).post("/api/v1/indicators/releases/2023-03/approve").json()["status"]
        == "approved"
    )
    assert (
        client(stats).post("/api/v1/indicators/releases/2023-03/publish").json()["status"]
        == "published"
    )
    assert client(stats).post("/api/v1/indicators/releases/2099-01/approve").status_code == 404
    assert client(stats).post("/api/v1/indicators/releases/20x9-01/approve").status_code == 422


def test_another_districts_statistics_office_cannot_touch_ours(
    stats: Any, other_stats: Any, now: Any
) -> None:
    import_commit(
        district=stats.district_pk,
        data=workbook({"2023年1-3月": sheet_rows(uniform())}),
        filename="t.xlsx",
        actor=stats,
        now=now,
    )
    with pytest.raises(Exception) as exc:
        release_approve(district=stats.district_pk, period="2023-03", actor=other_stats, now=now)
    assert exc.value.code == "permission_denied"  # type: ignore[attr-defined]
    # through the API it acts on its own district, where the month does not exist
    r = client(other_stats).post("/api/v1/indicators/releases/2023-03/approve")
    assert r.status_code == 404
    assert client(other_stats).get(TABLE).json()["rows"] == []


def test_unpublished_months_are_invisible_to_other_readers(
    stats: Any, leader: Any, supervisor: Any, now: Any
) -> None:
    district = stats.district_pk
    import_commit(
        district=district,
        data=workbook({"2023年1-3月": sheet_rows(uniform())}),
        filename="t.xlsx",
        actor=stats,
        now=now,
    )
    release_approve(district=district, period="2023-03", actor=stats, now=now)
    for user in (leader, supervisor):
        assert client(user).get(TABLE).json()["rows"] == []
        assert client(user).get("/api/v1/indicators/releases").json() == []
        page = client(user).get("/indicators/report/?period=2023-03").content.decode()
        assert "居全市各县区" not in page
    staff = client(stats).get(TABLE).json()
    assert staff["status"] == "approved" and len(staff["rows"]) == 12 * 8
    release_publish(district=district, period="2023-03", actor=stats, now=now)
    assert len(client(leader).get(TABLE).json()["rows"]) == 12 * 8


def test_roles_outside_the_readers_get_403_and_anonymous_401(
    stats: Any, operator: Any, street_handler: Any
) -> None:
    for user in (operator, street_handler):
        assert client(user).get(TABLE).status_code == 403
        assert client(user).get("/indicators/").status_code == 403
    assert Client().get(TABLE).status_code == 401
    assert Client().get("/indicators/").status_code == 302


def test_the_table_contract(stats: Any, leader: Any, publish: Any) -> None:
    values = uniform()
    values[("新华区", "shxf")] = (12.0, 15.0)
    values[("卫东区", "shxf")] = (13.0, 15.0)  # a tie for the first place
    publish({"2023年1-2月": sheet_rows(uniform()), "2023年1-3月": sheet_rows(values)})
    body = client(leader).get(TABLE).json()
    rows = [r for r in body["rows"] if r["indicator"] == "社会消费品零售总额"]
    assert {"area", "indicator", "value", "growth", "rank", "rank_change", "peers"} <= set(rows[0])
    assert [(r["area"], r["rank"]) for r in rows[:3]] == [
        ("新华区", 1),
        ("卫东区", 1),
        ("湛河区", 3),
    ]
    assert rows[1]["rank_change"] == 1 and rows[0]["rank_change"] == 0
    assert {r["peers"] for r in body["rows"]} == {12}
    city = 5 + 12  # the city's growth in uniform(): 5 + 12 − 0
    assert rows[0]["gap_to_city"] == 15 - city
    groups = client(leader).get("/api/v1/indicators/groups").json()
    assert [(g["code"], g["peers"]) for g in groups] == [
        ("all", 12),
        ("districts", 6),
        ("counties", 6),
    ]
    six = client(leader).get("/api/v1/indicators/table?period=2023-03&group=districts").json()
    assert {r["peers"] for r in six["rows"]} == {6}


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/indicators/table?period=2023-3&group=all",
        "/api/v1/indicators/table?period=2023-13&group=all",
        "/api/v1/indicators/table?group=all",
        "/api/v1/indicators/table?period=2023-03&group=nope",
        "/api/v1/indicators/composite?period=2023-03&group=all&scheme=nope",
        "/api/v1/indicators/targets?period=x",
    ],
)
def test_bad_queries_are_4xx_with_a_code(stats: Any, url: str) -> None:
    r = client(stats).get(url)
    assert 400 <= r.status_code < 500 and r.json()["code"]


def test_the_table_runs_a_fixed_number_of_queries(
    stats: Any, leader: Any, publish: Any, django_assert_num_queries: Any
) -> None:
    publish({"2023年1-2月": sheet_rows(uniform())})
    c = client(leader)
    c.get(TABLE)
    # session, user, releases, areas, groups, members, indicators, values, the auth check
    with django_assert_num_queries(9) as small:
        c.get("/api/v1/indicators/table?period=2023-02&group=all")
    publish({f"2023年1-{m}月": sheet_rows(uniform(value=10 * m)) for m in range(3, 9)})
    with django_assert_num_queries(len(small.captured_queries)):
        c.get("/api/v1/indicators/table?period=2023-08&group=all")
    with django_assert_num_queries(len(small.captured_queries)):
        c.get("/api/v1/indicators/table?period=2023-08&group=districts")


def test_a_lower_is_better_indicator_ranks_the_smallest_first(
    stats: Any, leader: Any, publish: Any
) -> None:
    from duban.indicators.models import Indicator

    Indicator.objects.filter(code="sjlywz").update(direction="lower")  # set-up, as in the admin
    publish({"2023年1-3月": sheet_rows(uniform())})
    rows = client(leader).get(TABLE).json()["rows"]
    lower = {r["area"]: r["rank"] for r in rows if r["indicator_code"] == "sjlywz"}
    higher = {r["area"]: r["rank"] for r in rows if r["indicator_code"] == "shxf"}
    assert lower["郏县"] == 1 and higher["郏县"] == 12
    assert all(lower[a] == 13 - higher[a] for a in lower)


def test_the_pages_run_a_fixed_number_of_queries(
    stats: Any, leader: Any, publish: Any, django_assert_max_num_queries: Any
) -> None:
    publish({f"2023年1-{m}月": sheet_rows(uniform(value=10 * m)) for m in range(2, 9)})
    c = client(leader)
    for url in (
        "/indicators/?period=2023-08&group=all",
        "/indicators/report/?period=2023-08",
        "/indicators/area/sfq/",
        "/indicators/indicator/gyzjz/",
    ):
        c.get(url)
        with django_assert_max_num_queries(14):
            assert c.get(url).status_code == 200
