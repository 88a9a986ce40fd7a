"""Setting up a site-visit contest: the checked set-up, editing until the first score, the
history, who sees which contest, the set-up pages and the API (create, detail, edit)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from duban.org.roles import Role
from duban.projects.models import Contest, ContestEvent, Criterion, Entrant, Judge
from duban.projects.selectors import contests_visible
from duban.projects.services_contests import contest_create, contest_score, contest_update
from duban.testing.api import client_for, fast_passwords  # noqa: F401

from .conftest import at, make_project, person


def spring(w, **overrides):
    fields = {
        "actor": w.office,
        "now": at(2025, 4, 1),
        "name": "春看谋划",
        "season": "春看谋划",
        "criteria": [("重要性", 30), ("前瞻性", 20), ("可行性", 25), ("效益", 25)],
        "entrants": [w.district.binhu, w.district.hubin, w.district.housing, w.fgj],
        "judges": [w.lead, w.lead2, w.supervisor],
        "drop_extremes": True,
    }
    return contest_create(**{**fields, **overrides})


def refusal(call, code: str):
    with pytest.raises(Exception) as caught:
        call()
    assert caught.value.code == code, caught.value
    return caught.value


# -- the services ------------------------------------------------------------------------------


def test_a_contest_is_set_up_with_its_groups_and_history(w) -> None:
    c = spring(w)
    assert [(k.name, int(k.weight)) for k in c.criteria.order_by("id")] == [
        ("重要性", 30),
        ("前瞻性", 20),
        ("可行性", 25),
        ("效益", 25),
    ]
    groups = dict(c.entrants.values_list("name", "group"))
    assert groups == {
        "滨湖街道": "街道/镇",
        "湖滨路街道": "街道/镇",
        "住建局": "部门",
        "发改局": "部门",
    }
    assert set(c.judges.values_list("user__username", flat=True)) == {
        "leader",
        "leader2",
        "supervisor",
    }
    assert c.created_by == w.office and c.drop_extremes and c.grouping == "kind"
    (created,) = ContestEvent.objects.filter(contest=c)
    assert created.type == "create" and "重要性30%" in created.message and created.actor == w.office


def test_one_list_puts_every_unit_in_one_group_and_projects_group_by_their_unit(w) -> None:
    c = spring(w, grouping="single")
    assert set(c.entrants.values_list("group", flat=True)) == {"参评单位"}
    street_led = make_project(w, "S-1")  # 滨湖街道 is responsible
    dept_led = make_project(w, "D-1", unit=w.fgj)
    by_kind = spring(w, entrants=[street_led, dept_led])
    assert dict(by_kind.entrants.values_list("name", "group")) == {
        street_led.name: "街道/镇",
        dept_led.name: "部门",
    }


@pytest.mark.parametrize(
    "overrides, code, words",
    [
        ({"criteria": [("形象进度", 60), ("投资完成", 30)]}, "contest_weights", "当前合计为90"),
        ({"criteria": [("形象进度", 60), ("投资完成", 50)]}, "contest_weights", "当前合计为110"),
        ({"criteria": [("形象进度", 100), ("形象进度", 0)]}, "invalid_contest", "权重须大于0"),
        ({"criteria": [("形象进度", 50), ("形象进度", 50)]}, "invalid_contest", "重复"),
        ({"criteria": [("形象进度", "很多")]}, "invalid_contest", "须为数字"),
        ({"criteria": []}, "invalid_contest", "至少需要一个评分项"),
        ({"name": "  "}, "invalid_contest", "评比名称不能为空"),
        ({"judges": []}, "invalid_contest", "至少需要一名评委"),
        ({"entrants": []}, "invalid_contest", "至少需要一个参评对象"),
    ],
)
def test_a_bad_set_up_is_refused_with_a_chinese_reason_and_nothing_written(
    w, overrides, code, words
) -> None:
    error = refusal(lambda: spring(w, **overrides), code)
    assert words in error.message
    assert not Contest.objects.exists() and not Criterion.objects.exists()


def test_entrants_and_judges_come_from_the_district(w) -> None:
    from duban.org.models import UnitKind
    from duban.org.services import unit_create

    other = unit_create(code="o-d", name="卫东区", kind=UnitKind.DISTRICT)
    o_street = unit_create(code="o-s", name="卫东街道", kind=UnitKind.STREET, parent=other)
    o_leader = person("o_leader", Role.LEADER, other)
    refusal(lambda: spring(w, entrants=[o_street]), "invalid_contest")
    refusal(lambda: spring(w, entrants=[w.district.dongliu]), "invalid_contest")  # a community
    refusal(lambda: spring(w, judges=[o_leader]), "invalid_contest")
    refusal(lambda: spring(w, judges=[w.operator]), "invalid_contest")  # cannot open the page
    mixed = [w.fgj, make_project(w, "M-1")]
    assert (
        "同为项目或同为单位"
        in refusal(lambda: spring(w, entrants=mixed), "invalid_contest").message
    )
    refusal(lambda: spring(w, actor=w.reporter), "project_forbidden")
    assert not Contest.objects.exists()


def test_the_set_up_changes_until_the_first_score_then_freezes(w) -> None:
    c = spring(w)
    kept = c.criteria.get(name="重要性").pk
    contest_update(
        contest=c,
        actor=w.office,
        now=at(2025, 4, 2),
        name="春看谋划（第二批）",
        criteria=[("重要性", 40), ("可行性", 60)],
        entrants=[w.district.binhu, w.fgj],
        judges=[w.lead, w.office],
        drop_extremes=False,
    )
    c.refresh_from_db()
    assert c.name == "春看谋划（第二批）" and not c.drop_extremes
    assert c.criteria.get(name="重要性").pk == kept  # kept criteria keep their ids
    assert sorted(c.entrants.values_list("name", flat=True)) == ["发改局", "滨湖街道"]
    assert set(Judge.objects.filter(contest=c).values_list("user__username", flat=True)) == {
        "leader",
        "office",
    }
    update = ContestEvent.objects.get(contest=c, type="update")
    assert "名称" in update.message and "评委" in update.message
    # The same set-up again writes nothing.
    contest_update(
        contest=c,
        actor=w.office,
        now=at(2025, 4, 3),
        name="春看谋划（第二批）",
        criteria=[("重要性", 40), ("可行性", 60)],
        entrants=[w.district.binhu, w.fgj],
        judges=[w.lead, w.office],
    )
    assert ContestEvent.objects.filter(contest=c, type="update").count() == 1
    ks = {k.name: k.pk for k in c.criteria.all()}
    contest_score(
        contest=c,
        actor=w.lead,
        now=at(2025, 4, 4),
        entrant=c.entrants.get(name="发改局"),
        scores={ks["重要性"]: 90, ks["可行性"]: 80},
    )
    assert ContestEvent.objects.filter(contest=c, type="score").exists()
    error = refusal(
        lambda: contest_update(
            contest=c,
            actor=w.office,
            now=at(2025, 4, 5),
            name="改名",
            criteria=[("重要性", 100)],
            entrants=[w.fgj],
            judges=[w.lead],
        ),
        "contest_scoring_started",
    )
    assert "已有评委评分" in error.message
    c.refresh_from_db()
    assert c.name == "春看谋划（第二批）" and c.criteria.count() == 2


def test_judges_see_their_contests_others_only_published_ones(w) -> None:
    mine = spring(w, judges=[w.lead])
    theirs = spring(w, name="夏看推进", judges=[w.lead2])
    assert set(contests_visible(w.office)) == {mine, theirs}
    assert list(contests_visible(w.lead)) == [mine]
    assert list(contests_visible(w.lead2)) == [theirs]
    assert list(contests_visible(w.reporter)) == []
    refusal(
        lambda: contest_score(
            contest=theirs,
            actor=w.lead,
            now=at(2025, 4, 2),
            entrant=theirs.entrants.first(),
            scores={k.pk: 80 for k in theirs.criteria.all()},
        ),
        "not_a_judge",
    )


# -- the pages ---------------------------------------------------------------------------------


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form_data(w, **overrides) -> dict:
    data = {
        "name": "夏看推进项目观摩",
        "season": "夏看推进",
        "grouping": "kind",
        "kind": "units",
        "units": [w.district.binhu.pk, w.district.hubin.pk, w.fgj.pk],
        "judges": [w.lead.pk, w.lead2.pk],
        "drop_extremes": "on",
        "criterion_0": "形象进度",
        "weight_0": "40",
        "criterion_1": "投资完成",
        "weight_1": "40",
        "criterion_2": "质量",
        "weight_2": "20",
    }
    return {**data, **overrides}


def test_the_office_sets_a_contest_up_on_the_page(w) -> None:
    office = browser(w.office)
    page = office.get("/projects/contests/new/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "新建观摩评比" in html and "滨湖街道" in html and "leader2" in html
    response = office.post("/projects/contests/new/", form_data(w))
    c = Contest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/projects/contests/{c.pk}/"
    assert c.season == "夏看推进" and c.drop_extremes
    assert dict(c.entrants.values_list("name", "group")) == {
        "滨湖街道": "街道/镇",
        "湖滨路街道": "街道/镇",
        "发改局": "部门",
    }
    detail = office.get(f"/projects/contests/{c.pk}/").content.decode()
    assert "修改设置" in detail and "创建观摩评比" in detail and "leader2" in detail


def test_weights_not_adding_up_are_shown_in_chinese_and_nothing_is_saved(w) -> None:
    response = browser(w.office).post("/projects/contests/new/", form_data(w, weight_2="10"))
    assert response.status_code == 422
    assert "各评分项权重合计须为100，当前合计为90" in response.content.decode()
    assert not Contest.objects.exists()


def test_the_edit_page_until_scoring_starts(w) -> None:
    c = spring(w)
    office = browser(w.office)
    page = office.get(f"/projects/contests/{c.pk}/edit/").content.decode()
    assert 'value="重要性"' in page and 'value="30"' in page
    saved = office.post(f"/projects/contests/{c.pk}/edit/", form_data(w, name="春看谋划（调整）"))
    assert saved.status_code == 302
    c.refresh_from_db()
    assert c.name == "春看谋划（调整）" and c.criteria.count() == 3
    ks = list(c.criteria.all())
    contest_score(
        contest=c,
        actor=w.lead,
        now=at(2025, 4, 2),
        entrant=c.entrants.first(),
        scores={k.pk: 80 for k in ks},
    )
    frozen = office.get(f"/projects/contests/{c.pk}/edit/")
    assert frozen.status_code == 302
    assert "修改设置" not in office.get(f"/projects/contests/{c.pk}/").content.decode()


@pytest.mark.parametrize("who", ["reporter", "lead", "supervisor"])
def test_only_the_office_reaches_the_set_up_pages(w, who) -> None:
    c = spring(w)
    client = browser(getattr(w, who))
    assert client.get("/projects/contests/new/").status_code == 403
    assert client.post("/projects/contests/new/", form_data(w)).status_code == 403
    assert client.get(f"/projects/contests/{c.pk}/edit/").status_code == 403
    assert Contest.objects.count() == 1


def test_a_judge_of_another_contest_gets_404(w) -> None:
    c = spring(w, judges=[w.lead2])
    assert browser(w.lead).get(f"/projects/contests/{c.pk}/").status_code == 404
    assert browser(w.lead2).get(f"/projects/contests/{c.pk}/").status_code == 200


def test_the_set_up_page_runs_a_fixed_number_of_queries(w) -> None:
    office = browser(w.office)
    office.get("/projects/contests/new/")
    with CaptureQueriesContext(connection) as few:
        office.get("/projects/contests/new/")
    for i in range(5):
        make_project(w, f"Q-{i}")
        person(f"judge{i}", Role.LEADER, w.district.district)
    with CaptureQueriesContext(connection) as many:
        office.get("/projects/contests/new/")
    assert len(many) == len(few)


# -- the API -----------------------------------------------------------------------------------


def body(**overrides) -> dict:
    data = {
        "name": "秋看攻坚",
        "season": "秋看攻坚",
        "criteria": [{"name": "形象进度", "weight": 50}, {"name": "投资完成", "weight": 50}],
        "units": ["t-binhu", "t-hubin", "t-fgj"],
        "judges": ["leader", "leader2"],
        "drop_extremes": False,
        "grouping": "kind",
    }
    return {**data, **overrides}


def test_the_api_creates_a_contest_once_per_key(w) -> None:
    api = client_for(w.office)
    first = api.post("/projects/contests", body(), **{"Idempotency-Key": "c-1"})
    assert first.status_code == 201, first.content
    out = first.json()
    assert out["state"] == "open" and out["judges"] == ["leader", "leader2"]
    assert [k["weight"] for k in out["criteria"]] == [50, 50]
    assert {e["unit"]: e["group"] for e in out["entrants"]} == {
        "t-binhu": "街道/镇",
        "t-hubin": "街道/镇",
        "t-fgj": "部门",
    }
    again = api.post("/projects/contests", body(), **{"Idempotency-Key": "c-1"})
    assert again.status_code == 200 and again.json()["id"] == out["id"]
    other = api.post("/projects/contests", body(name="别的"), **{"Idempotency-Key": "c-1"})
    assert other.status_code == 422 and other.json()["code"] == "idempotency_mismatch"
    assert Contest.objects.count() == 1


def test_the_api_keeps_the_judges_and_entrants_in_the_order_they_were_named(w) -> None:
    """Not in the order the database returns the users (which none fixes)."""
    api = client_for(w.office)
    named = body(judges=["leader2", "leader"], units=["t-hubin", "t-binhu"])
    out = api.post("/projects/contests", named, **{"Idempotency-Key": "c-2"}).json()
    assert out["judges"] == ["leader2", "leader"]
    assert [e["unit"] for e in out["entrants"]] == ["t-hubin", "t-binhu"]


@pytest.mark.parametrize(
    "overrides, status, code",
    [
        ({"criteria": [{"name": "形象进度", "weight": 70}]}, 422, "contest_weights"),
        ({"units": ["t-binhu", "nowhere"]}, 422, "invalid_contest"),
        ({"judges": ["nobody"]}, 422, "invalid_contest"),
        ({"projects": ["XM-404"], "units": []}, 422, "invalid_contest"),
        ({"criteria": [{"name": "形象进度", "weight": -5}]}, 422, "invalid_input"),
        ({"grouping": "by_size"}, 422, "invalid_input"),
        ({"extra": 1}, 422, "invalid_input"),
    ],
)
def test_bad_contests_through_the_api(w, overrides, status, code) -> None:
    response = client_for(w.office).post("/projects/contests", body(**overrides))
    assert response.status_code == status and response.json()["code"] == code, response.content
    assert not Contest.objects.exists()


def test_only_the_office_creates_or_edits_through_the_api(w) -> None:
    for user in (w.reporter, w.lead, w.supervisor):
        r = client_for(user).post("/projects/contests", body())
        assert r.status_code == 403 and r.json()["code"] == "project_forbidden"
    c = spring(w, judges=[w.lead])
    judge = client_for(w.lead)
    seen = judge.get(f"/projects/contests/{c.pk}")
    assert seen.status_code == 200 and seen.json()["my_scored"] == []


def test_a_judge_sees_only_their_contest_through_the_api(w) -> None:
    c = spring(w, judges=[w.lead2])
    assert client_for(w.lead).get(f"/projects/contests/{c.pk}").json()["code"] == (
        "contest_not_found"
    )
    assert client_for(w.lead).get("/projects/contests").json() == []
    listed = client_for(w.lead2).get("/projects/contests").json()
    assert [x["id"] for x in listed] == [c.pk]
    scored = client_for(w.lead).post(
        f"/projects/contests/{c.pk}/scores",
        {"entrant": c.entrants.first().pk, "scores": {str(k.pk): 80 for k in c.criteria.all()}},
    )
    assert scored.status_code == 404


def put(user, path: str, data: dict):
    import json

    from django.utils import timezone

    from duban.org.services import token_create

    _, secret = token_create(user=user, now=timezone.now())
    return Client().put(
        f"/api/v1{path}",
        data=json.dumps(data),
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )


def test_the_api_edits_until_scoring_starts(w) -> None:
    c = spring(w)
    changed = put(w.office, f"/projects/contests/{c.pk}", body(name="春看谋划（改）"))
    assert changed.status_code == 200, changed.content
    assert changed.json()["name"] == "春看谋划（改）" and len(changed.json()["entrants"]) == 3
    assert put(w.lead, f"/projects/contests/{c.pk}", body()).status_code == 403
    c.refresh_from_db()
    contest_score(
        contest=c,
        actor=w.lead,
        now=at(2025, 4, 2),
        entrant=c.entrants.first(),
        scores={k.pk: 70 for k in c.criteria.all()},
    )
    frozen = put(w.office, f"/projects/contests/{c.pk}", body(name="再改"))
    assert frozen.status_code == 409 and frozen.json()["code"] == "contest_scoring_started"
    detail = client_for(w.lead).get(f"/projects/contests/{c.pk}").json()
    assert detail["scoring_started"] and detail["my_scored"] == [c.entrants.first().pk]
    assert Entrant.objects.filter(contest=c).count() == 3


def test_the_contest_detail_runs_a_fixed_number_of_queries(w) -> None:
    api = client_for(w.office)
    small = api.post(
        "/projects/contests", body(units=["t-binhu"], judges=["leader", "office"])
    ).json()
    api.get(f"/projects/contests/{small['id']}")
    with CaptureQueriesContext(connection) as few:
        api.get(f"/projects/contests/{small['id']}")
    big = api.post(
        "/projects/contests",
        body(
            units=["t-binhu", "t-hubin", "t-fgj", "t-housing"],
            judges=["leader", "leader2", "office"],
        ),
    ).json()
    with CaptureQueriesContext(connection) as many:
        assert len(api.get(f"/projects/contests/{big['id']}").json()["entrants"]) == 4
    assert len(many) == len(few)


def test_the_office_closes_then_publishes_through_the_api(w) -> None:
    c = spring(w, judges=[w.lead])
    scores = {str(k.pk): 80 for k in c.criteria.all()}
    judge = client_for(w.lead)
    assert judge.post(f"/projects/contests/{c.pk}/close", {}).json()["code"] == "project_forbidden"
    entrant = c.entrants.first().pk
    assert judge.post(f"/projects/contests/{c.pk}/scores", {"entrant": entrant, "scores": scores})
    office = client_for(w.office)
    closed = office.post(f"/projects/contests/{c.pk}/close", {})
    assert closed.status_code == 200 and closed.json()["state"] == "closed", closed.content
    late = judge.post(f"/projects/contests/{c.pk}/scores", {"entrant": entrant, "scores": scores})
    assert late.status_code == 409
    again = office.post(f"/projects/contests/{c.pk}/close", {})
    assert again.status_code == 409 and again.json()["code"] == "contest_closed"
    published = office.post(f"/projects/contests/{c.pk}/publish", {})
    assert published.status_code == 200 and published.json()["state"] == "published"
    assert office.post(f"/projects/contests/{c.pk}/publish", {}).status_code == 409
    assert list(
        ContestEvent.objects.filter(contest=c).values_list("type", flat=True).order_by("pk")
    )[-2:] == ["close", "publish"]
