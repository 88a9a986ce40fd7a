"""The pages: who may open which (the authorization matrix), the phone form's idempotent
submit, the desk's htmx fragment, the finding page's rectify and 回头看, Excel round-trip."""

from __future__ import annotations

import base64
import json
from io import BytesIO

import pytest
from django.test import Client
from openpyxl import Workbook, load_workbook

from duban.inspections.models import Finding, SiteCheck, Standard
from duban.testing.personas import make_user

from .conftest import PNG
from .test_services import walk_road

DATA_URL = "data:image/png;base64," + base64.b64encode(PNG).decode()
PAGES = ["", "checklists/", "sites/", "rounds/", "m/", "desk/", "rankings/", "report/"]
# page → who may open it (roles); everyone else signed in gets 403.
MATRIX = {
    "": {"office", "inspector", "supervisor", "leader"},
    "checklists/": {"office"},
    "sites/": {"office", "inspector", "supervisor", "leader"},
    "rounds/": {"office"},
    "m/": {"office", "inspector"},
    "desk/": {"office", "inspector", "supervisor", "leader", "unit_head", "handler"},
    "rankings/": {"office", "inspector", "supervisor", "leader"},
    "report/": {"office", "inspector", "supervisor", "leader"},
}


@pytest.fixture
def people(insp, district):
    return {
        "office": insp.office,
        "inspector": insp.inspector,
        "supervisor": make_user("sup", "supervisor", district.centre),
        "leader": make_user("lead", "leader", district.district),
        "unit_head": make_user("uh", "unit_head", district.housing),
        "handler": make_user("hd", "handler", district.binhu),
        "operator": make_user("op", "operator", district.centre),
    }


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_authorization_matrix(insp, people) -> None:
    walk_road(insp)
    for who, user in people.items():
        c = client_for(user)
        for page in PAGES:
            response = c.get(f"/inspections/{page}")
            expected = 200 if who in MATRIX[page] else 403
            assert response.status_code == expected, (who, page, response.status_code)
    anonymous = Client().get("/inspections/desk/")
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]


def test_a_finding_and_its_photos_are_hidden_from_other_units(insp, people, district) -> None:
    walk_road(insp)
    finding = Finding.objects.get(fixed_on_spot=False)
    photo = finding.photos.first()
    other = client_for(people["handler"])  # 滨湖街道: not the road's responsible unit
    assert other.get(f"/inspections/findings/{finding.pk}/").status_code == 404
    assert other.get(f"/inspections/photos/{photo.pk}/").status_code == 404
    mine = client_for(people["unit_head"])  # 住建局
    assert mine.get(f"/inspections/findings/{finding.pk}/").status_code == 200
    assert mine.get(f"/inspections/photos/{photo.pk}/").status_code == 200


def test_the_phone_form_submits_once_per_token(insp) -> None:
    c = client_for(insp.inspector)
    page = c.get(f"/inspections/m/{insp.a_road.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-key="insp-check-' in html and "<script>" not in html and "onclick" not in html
    s1, s2 = insp.std["S1"].pk, insp.std["S2"].pk
    form = {
        "client_token": "tphone000001",
        f"outcome_{s1}": "fail",
        f"description_{s1}": "店外经营",
        f"fixed_{s1}": "1",
        f"photos_{s1}": json.dumps([DATA_URL]),
        f"after_{s1}": json.dumps([DATA_URL]),
        f"outcome_{s2}": "fail",
        f"description_{s2}": "小广告",
        f"photos_{s2}": json.dumps([DATA_URL]),
        f"after_{s2}": "[]",
    }
    first = c.post(f"/inspections/m/{insp.a_road.pk}/", form)
    assert first.status_code == 302
    again = c.post(f"/inspections/m/{insp.a_road.pk}/", form)
    assert again.status_code == 302 and "replayed=1" in again["Location"]
    assert SiteCheck.objects.count() == 1 and Finding.objects.count() == 2
    done = c.get(again["Location"])
    assert "此前已提交成功" in done.content.decode()
    other = c.post(f"/inspections/m/{insp.a_road.pk}/", {**form, "client_token": "tphone000002"})
    assert other.status_code == 409 and "不能重复提交" in other.content.decode()


def test_the_desk_answers_htmx_with_the_list_only(insp, people) -> None:
    walk_road(insp)
    c = client_for(insp.office)
    full = c.get("/inspections/desk/")
    assert "各责任单位" in full.content.decode() and "住建局" in full.content.decode()
    fragment = c.get("/inspections/desk/?view=open", HTTP_HX_REQUEST="true").content.decode()
    assert "灯杆小广告" in fragment and "各责任单位" not in fragment


def test_rectify_and_verify_on_the_finding_page(insp, people) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    walk_road(insp)
    finding = Finding.objects.get(fixed_on_spot=False)
    url = f"/inspections/findings/{finding.pk}/"
    unit = client_for(people["unit_head"])
    assert "整改回复" in unit.get(url).content.decode()
    no_photo = unit.post(url, {"action": "rectify", "text": "已清除"})
    assert no_photo.status_code == 422 and "照片" in no_photo.content.decode()
    png = SimpleUploadedFile("a.png", PNG, content_type="image/png")
    assert unit.post(url, {"action": "rectify", "text": "已清除", "photos": png}).status_code == 302
    office = client_for(insp.office)
    assert office.post(url, {"action": "reject", "reason": "仍有残留"}).status_code == 302
    finding.refresh_from_db()
    assert finding.verification == "rejected" and finding.ticket.reopen_count == 1


def test_checklist_export_then_import_round_trips_and_bad_sheets_write_nothing(insp) -> None:
    c = client_for(insp.office)
    exported = c.get("/inspections/checklists/cw/export.xlsx")
    assert exported.status_code == 200
    wb = load_workbook(BytesIO(exported.content))
    ws = wb.active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][5] == "测评标准" and len(rows) == 4
    cell = ws.cell(row=2, column=6, value='=HYPERLINK("x")无店外经营')
    cell.data_type = "s"  # a text that looks like a formula
    buffer = BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    buffer.name = "c.xlsx"
    assert c.post("/inspections/checklists/?programme=cw", {"file": buffer}).status_code == 302
    std = Standard.objects.get(code="S1")
    assert std.text.startswith("=HYPERLINK")
    again = load_workbook(BytesIO(c.get("/inspections/checklists/cw/export.xlsx").content))
    cell = again.active.cell(row=2, column=6)
    assert cell.data_type == "s"  # text, never a formula
    bad = Workbook()
    bad.active.append(
        ["板块编号", "板块名称", "内容编号", "内容名称", "标准编号", "测评标准", "分值"]
    )
    bad.active.append(["B1", "市容环境", "I1", "占道经营", "S1", "改过的标准", "1"])
    bad.active.append(["B1", "", "I1", "占道经营", "S7", "新标准", "abc"])
    buffer = BytesIO()
    bad.save(buffer)
    buffer.seek(0)
    buffer.name = "bad.xlsx"
    response = c.post("/inspections/checklists/?programme=cw", {"file": buffer})
    body = response.content.decode()
    assert response.status_code == 422 and "第 3 行" in body
    assert Standard.objects.get(code="S1").text.startswith("=HYPERLINK")
    assert not Standard.objects.filter(code="S7").exists()


def test_desk_and_rankings_pages_run_a_fixed_number_of_queries(
    insp, django_assert_max_num_queries
) -> None:
    from datetime import date

    from duban.inspections import services as s

    from .conftest import photo

    walk_road(insp)
    c = client_for(insp.office)
    urls = [
        "/inspections/desk/",
        "/inspections/rankings/?period=2025-03",
        "/inspections/report/?period=2025-W10",
    ]
    counts = {}
    for url in urls:
        c.get(url)
        with django_assert_max_num_queries(30) as q:
            assert c.get(url).status_code == 200
        counts[url] = len(q.captured_queries)
    for k in range(3):
        rnd = s.round_plan(
            actor=insp.office,
            now=insp.later(1),
            programme=insp.programme,
            name=f"加查{k}",
            starts_on=date(2025, 3, 4),
            ends_on=date(2025, 3, 5),
            assignments=[(insp.road, insp.inspector), (insp.estate, insp.inspector)],
        )
        for a in rnd.assignments.all():
            std = insp.std["S2"]
            s.check_submit(
                actor=insp.inspector,
                now=insp.later(1),
                assignment=a,
                client_token=f"tok-q-{a.pk:06d}",
                results=[s.StandardResult(std.pk, "fail", "x", photos=[photo()])],
            )
    for url in urls:
        with django_assert_max_num_queries(counts[url]):
            assert c.get(url).status_code == 200
