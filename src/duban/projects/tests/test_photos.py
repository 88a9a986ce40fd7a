"""形象进度 photos: the API and the phone form check type (by content) and size the same way,
the reporter adds photos only to her own projects' filed reports, and a re-sent photo or
Idempotency-Key is stored once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from duban.org.services import token_create
from duban.projects.models import ProjectEvent, ReportPhoto
from duban.projects.selectors import report_month, today_of
from duban.projects.services_photos import MAX_PHOTO_BYTES
from duban.projects.services_reports import report_approve, report_submit
from duban.testing.api import fast_passwords  # noqa: F401

from .conftest import make_project

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x01" * 64


@pytest.fixture
def filed(w):
    """Project A-1 (reporter: reporter) with last month's report filed; B-1 of reporter2."""
    now = timezone.now()
    year = today_of(now).year
    a = make_project(w, "A-1", now=now - timedelta(days=400), plan_year=year)
    make_project(w, "B-1", now=now - timedelta(days=400), plan_year=year, reporter=w.reporter2)
    y, m = report_month(today_of(now))
    report = report_submit(
        project=a, actor=w.reporter, now=now, year=y, month=m, investment_month="10", progress="x"
    )
    return {"project": a, "report": report, "period": f"{y}-{m:02d}"}


def upload(user, path: str, content: bytes, name: str = "p.png", key: str = "", **form):
    _, secret = token_create(user=user, now=timezone.now())
    headers = {"Authorization": f"Bearer {secret}"}
    if key:
        headers["Idempotency-Key"] = key
    data = {"file": SimpleUploadedFile(name, content, content_type="image/png"), **form}
    return Client().post(f"/api/v1{path}", data=data, headers=headers)


def test_the_reporter_adds_a_photo_once(w, filed) -> None:
    path = f"/projects/A-1/reports/{filed['period']}/photos"
    first = upload(w.reporter, path, PNG, caption="主体封顶")
    assert first.status_code == 201, first.content
    out = first.json()
    assert out["content_type"] == "image/png" and out["caption"] == "主体封顶"
    assert out["report"] == filed["report"].pk and out["period"] == filed["period"]
    again = upload(w.reporter, path, PNG)
    assert again.status_code == 200 and again.json()["id"] == out["id"], again.content
    keyed = upload(w.reporter, path, JPEG, name="q.jpg", key="ph-1")
    assert keyed.status_code == 201 and keyed.json()["content_type"] == "image/jpeg"
    assert upload(w.reporter, path, JPEG, key="ph-1").json()["id"] == keyed.json()["id"]
    mismatch = upload(w.reporter, path, JPEG + b"2", key="ph-1")
    assert mismatch.status_code == 422 and mismatch.json()["code"] == "idempotency_mismatch"
    assert ReportPhoto.objects.filter(report=filed["report"]).count() == 2
    events = ProjectEvent.objects.filter(type="report_photo")
    assert events.count() == 2 and "形象进度照片「主体封顶」" in events.first().message


@pytest.mark.parametrize(
    "content, name, status, code",
    [
        (b"%PDF-1.4 not a photo", "p.png", 422, "invalid_photo"),  # the name lies
        (b"MZ\x90\x00", "p.jpg", 422, "invalid_photo"),
        (b"", "p.png", 422, "invalid_photo"),
        (PNG + b"\x00" * MAX_PHOTO_BYTES, "big.png", 413, "photo_too_large"),
    ],
)
def test_bad_files_are_refused_with_a_code(w, filed, content, name, status, code) -> None:
    path = f"/projects/A-1/reports/{filed['period']}/photos"
    response = upload(w.reporter, path, content, name=name)
    assert response.status_code == status and response.json()["code"] == code, response.content
    assert "照片" in response.json()["message"]
    assert not ReportPhoto.objects.exists()


def test_only_the_reporter_of_a_filed_unapproved_report(w, filed) -> None:
    period = filed["period"]
    other = upload(w.reporter2, f"/projects/A-1/reports/{period}/photos", PNG)
    assert other.status_code == 404 and other.json()["code"] == "project_not_found"
    lead = upload(w.lead, f"/projects/A-1/reports/{period}/photos", PNG)
    assert lead.status_code == 403 and lead.json()["code"] == "project_forbidden"
    unfiled = upload(w.reporter2, f"/projects/B-1/reports/{period}/photos", PNG)
    assert unfiled.status_code == 404 and unfiled.json()["code"] == "report_not_found"
    bad_period = upload(w.reporter, "/projects/A-1/reports/2025-13/photos", PNG)
    assert bad_period.status_code == 422
    report_approve(report=filed["report"], actor=w.office, now=timezone.now())
    approved = upload(w.reporter, f"/projects/A-1/reports/{period}/photos", PNG)
    assert approved.status_code == 409 and approved.json()["code"] == "report_state"
    by_office = upload(w.office, f"/projects/A-1/reports/{period}/photos", PNG)
    assert by_office.status_code == 409
    assert not ReportPhoto.objects.exists()


def test_the_phone_form_applies_the_same_checks(w, filed) -> None:
    client = Client()
    client.force_login(w.reporter)
    form = {
        "project": "A-1",
        "month": filed["period"],
        "investment_month": "10",
        "progress": "主体施工",
        "photo": SimpleUploadedFile("p.png", b"not an image", content_type="image/png"),
    }
    refused = client.post("/projects/report/", form)
    assert (
        refused.status_code == 422 and "只能上传 JPEG、PNG、GIF 或 WebP" in refused.content.decode()
    )
    assert filed["report"].revisions.count() == 1 and not ReportPhoto.objects.exists()
    form["photo"] = SimpleUploadedFile("p.png", PNG, content_type="image/png")
    form["progress"] = "主体施工，已封顶"
    assert client.post("/projects/report/", form).status_code == 302
    (photo,) = ReportPhoto.objects.all()
    assert photo.content_type == "image/png" and photo.uploaded_by == w.reporter


def test_a_photo_is_served_to_readers_of_its_project_only(w, filed) -> None:
    path = f"/projects/A-1/reports/{filed['period']}/photos"
    photo_id = upload(w.reporter, path, PNG, caption="主体封顶").json()["id"]
    reader = Client()
    reader.force_login(w.reporter)
    page = reader.get("/projects/p/A-1/")
    assert f"/projects/photos/{photo_id}/" in page.content.decode()
    served = reader.get(f"/projects/photos/{photo_id}/")
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content) == PNG
    assert served["Cache-Control"] == "private, max-age=3600"
    other = Client()
    other.force_login(w.reporter2)  # B-1's reporter cannot read A-1
    assert other.get(f"/projects/photos/{photo_id}/").status_code == 404
    assert Client().get(f"/projects/photos/{photo_id}/").status_code == 302  # sign in first
