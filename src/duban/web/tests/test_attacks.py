"""The pages under attack: login brute force is locked out on both sign-in pages, bad bodies
answer 413/400 with a Chinese page (never 500), and Excel exports keep citizen text inert:
a cell starting with ``=``, ``+``, ``-`` or ``@`` is text, control characters are dropped."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.test import Client
from openpyxl import load_workbook

from duban.core.sheets import FORMULA_STARTS
from duban.metrics.excel import figures_workbook, table_workbook
from duban.org.models import LoginAttempt, LoginOutcome
from duban.testing import factories as f
from duban.tickets.models import Ticket

pytestmark = pytest.mark.django_db

NASTY = ["=cmd|' /C calc'!A0", "+1+2", "-2+3", "@SUM(A1:A2)", '=HYPERLINK("http://x")']
CONTROL = "路灯\x00不\x07亮\x1b[31m\x0b"


@pytest.mark.parametrize("path", ["/login/", "/admin/login/"])
def test_thirty_wrong_passwords_in_a_burst_are_locked_out(path, operator, settings):
    operator.is_staff = True
    operator.save(update_fields=["is_staff"])
    client = Client()
    answers = [
        client.post(path, {"username": "operator", "password": f"guess-{i}"}) for i in range(30)
    ]
    assert all(a.status_code == 200 for a in answers)
    assert "已被暂时锁定" in answers[-1].content.decode()
    # The right password is refused too while the lock holds.
    right = client.post(path, {"username": "operator", "password": "pass-12345"})
    assert right.status_code == 200 and "_auth_user_id" not in client.session
    failures = LoginAttempt.objects.filter(username="operator", outcome=LoginOutcome.FAILURE)
    assert failures.count() == settings.DUBAN_LOGIN_MAX_FAILURES  # then no more guesses
    assert LoginAttempt.objects.filter(outcome=LoginOutcome.LOCKED).count() == 31 - failures.count()


def test_an_oversize_form_is_413_with_a_chinese_page(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client.post("/login/", {"username": "x" * 5000, "password": "y"})
    assert response.status_code == 413
    assert "请求内容过大" in response.content.decode()


def test_multipart_without_boundary_is_400_with_a_chinese_page(client):
    response = client.generic("POST", "/login/", b"abc", content_type="multipart/form-data")
    assert response.status_code == 400
    assert "缺少 multipart 边界" in response.content.decode()


def _cells(content: bytes):
    sheet = load_workbook(BytesIO(content)).active
    return [cell for row in sheet.iter_rows(min_row=2) for cell in row]


def test_formula_like_text_is_written_as_text_in_the_shared_workbooks():
    rows = [{"t": t} for t in [*NASTY, CONTROL]]
    for content in (table_workbook([("标题", 30, None, lambda r: r["t"])], rows, title="t"),):
        cells = _cells(content)
        for cell in cells[: len(NASTY)]:
            assert cell.data_type == "s" and cell.value in NASTY and cell.quotePrefix
        assert cells[-1].value == "路灯不亮[31m"


def test_figures_workbook_names_stay_text():
    from types import SimpleNamespace

    from duban.metrics.excel import FIGURE_COLUMNS

    # A unit whose name starts like a formula (unit names are typed by administrators).
    zero = SimpleNamespace(**dict.fromkeys(("dispatched", "exempted", "overdue_count"), 0))
    figures = [SimpleNamespace(**{**vars(zero), "label": name}) for name in NASTY]
    for figure in figures:
        for *_, value in FIGURE_COLUMNS:
            try:
                value(figure)
            except AttributeError as missing:
                setattr(figure, missing.name, 0)
    cells = _cells(figures_workbook(figures))
    labels = [c for c in cells if c.column == 1]
    assert [c.value for c in labels] == NASTY
    assert all(c.data_type == "s" for c in labels)


def test_the_ticket_search_export_keeps_citizen_text_inert(p, client_for):
    from django.utils import timezone

    now = timezone.now()
    for title in NASTY:
        f.dispatched(p=p, now=now, title=title, location="@东留村")
    broken = f.dispatched(p=p, now=now, title="路灯")
    # e.g. an old import (PostgreSQL itself refuses NUL, the other control characters pass)
    Ticket.objects.filter(pk=broken.pk).update(title=CONTROL.replace("\x00", ""))
    response = client_for(p.leader).get("/search/?export=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    values = [c for row in sheet.iter_rows(min_row=2) for c in row if isinstance(c.value, str)]
    risky = [c for c in values if c.value.startswith(FORMULA_STARTS)]
    assert {c.value for c in risky} >= set(NASTY) | {"@东留村"}
    assert all(c.data_type == "s" for c in risky)
    assert "路灯不亮[31m" in {c.value for c in values}
