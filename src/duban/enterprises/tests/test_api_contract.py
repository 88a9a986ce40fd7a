"""The API contract of issue 11: POST/GET /enterprises and GET /enterprise-figures."""

from __future__ import annotations

import pytest

from duban.enterprises.models import Enterprise
from duban.enterprises.tests.conftest import valid_code
from duban.testing.api import client_for, fast_passwords  # noqa: F401

pytestmark = pytest.mark.django_db


def test_post_creates_an_enterprise_201(ent):
    code = valid_code()
    r = client_for(ent.officer).post(
        "/enterprises", {"name": "首期电子有限公司", "credit_code": code}
    )
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["credit_code"] == code and body["name"] == "首期电子有限公司"
    created = Enterprise.objects.get(credit_code=code)
    assert created.officer == ent.officer  # the registering officer serves it
    assert created.events.filter(type="enterprise_created").exists()


@pytest.mark.parametrize(
    "mutate",
    [
        lambda c: c[:17] + ("0" if c[17] != "0" else "1"),  # wrong check character
        lambda c: c[:5] + "I" + c[6:],  # I is outside the alphabet
        lambda c: c[:5] + "O" + c[6:],
        lambda c: c[:17],  # too short
    ],
)
def test_post_with_a_bad_credit_code_is_422_invalid_credit_code(ent, mutate):
    bad = mutate(valid_code())
    before = Enterprise.objects.count()
    r = client_for(ent.admin).post("/enterprises", {"name": "跃新装备", "credit_code": bad})
    assert r.status_code == 422
    assert r.json()["code"] == "invalid_credit_code"
    assert "信用代码" in r.json()["message"]
    assert Enterprise.objects.count() == before


def test_duplicate_credit_code_is_refused(ent):
    r = client_for(ent.admin).post(
        "/enterprises", {"name": "重名", "credit_code": ent.acme.credit_code}
    )
    assert r.status_code == 409 and r.json()["code"] == "duplicate_enterprise"


def test_get_lists_paged_items_with_count_and_name_filter(ent):
    api = client_for(ent.admin)
    r = api.get("/enterprises")
    assert r.status_code == 200
    assert r.json()["count"] == 2 and len(r.json()["items"]) == 2
    r = api.get("/enterprises", {"name": "平高"})
    assert [i["name"] for i in r.json()["items"]] == ["平高集团通用电气有限公司"]
    assert r.json()["count"] == 1
    r = api.get("/enterprises", {"limit": 1, "offset": 1})
    assert r.json()["count"] == 2 and len(r.json()["items"]) == 1


def test_officers_see_only_their_enterprises_with_masked_others(ent):
    r = client_for(ent.officer).get("/enterprises")
    assert [i["name"] for i in r.json()["items"]] == ["平高集团通用电气有限公司"]
    assert r.json()["items"][0]["contact"]["phone"] == "13800001111"  # the officer serves it
    r = client_for(ent.other_officer).get(f"/enterprises/{ent.acme.pk}")
    assert r.status_code == 404
    # a district-wide reader without personal-data rights sees the contact masked
    r = client_for(ent.p.leader).get(f"/enterprises/{ent.acme.pk}")
    assert r.json()["contact"] == {"name": "王**", "phone": "138****1111"}


def test_departments_do_not_read_the_registry(ent):
    r = client_for(ent.fgj_handler).get("/enterprises")
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"


def test_list_query_count_is_fixed(ent, django_assert_num_queries):
    from duban.enterprises.models import Enterprise as E

    for i in range(5):
        E.objects.create(
            district=ent.d.district,
            name=f"生成企业{i}",
            credit_code=valid_code(),
            created_at=ent.acme.created_at,
            officer=ent.officer,
            park=ent.park,
        )
    api = client_for(ent.admin)
    api.get("/enterprises")  # warm caches (and the token's last use, written once a minute)
    with django_assert_num_queries(3):  # token with its user and unit, count, page
        assert api.get("/enterprises").json()["count"] == 7


def test_figures_of_the_year(ent, now):
    r = client_for(ent.admin).get("/enterprise-figures", {"year": now.year})
    assert r.status_code == 200, r.json()
    body = r.json()
    assert [row["key"] for row in body["by_level"]] == ["district", "city", "province"]
    assert {row["label"] for row in body["by_category"]} >= {"资金", "用工", "物流", "其他"}
    for row in body["by_level"] + body["by_category"]:
        assert {"problems", "solved", "resolution_rate"} <= row.keys()
    assert {"cases", "completed", "completion_rate", "satisfaction_rate"} <= body["proxy"].keys()


def test_figures_refuse_a_bad_year(ent):
    r = client_for(ent.admin).get("/enterprise-figures", {"year": "20x5"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_input"
