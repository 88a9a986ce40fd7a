"""飞虎榜 / 蜗牛榜: the page's short projects' board is the whole ranking's head and tail,
with the same ranks (shared on ties) and changes from the month before; fixed queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from duban.projects.selectors import boards
from duban.projects.services_reports import report_approve, report_submit

from .conftest import at, make_project

# Monthly investment per project in March and in April (annual plan 1200 each).
AMOUNTS = {
    "P-1": (100, 10),
    "P-2": (80, 200),
    "P-3": (80, 0),
    "P-4": (50, 100),
    "P-5": (20, 20),
    "P-6": (10, 300),
}


@pytest.fixture
def months(w):
    for code, amounts in AMOUNTS.items():
        project = make_project(w, code, name=f"项目{code}")
        for month, amount in zip((3, 4), amounts, strict=True):
            report = report_submit(
                project=project,
                actor=w.reporter,
                now=at(2025, month, 25),
                year=2025,
                month=month,
                investment_month=str(amount),
                progress="施工",
            )
            report_approve(report=report, actor=w.office, now=at(2025, month, 26))


def ranked(rows):
    return [(r["label"], r["rank"], r["change"]) for r in rows]


def shown(rows):
    return [(r["label"], r["rank"], r["change"], r["rate_text"], r["change_text"]) for r in rows]


def test_the_short_board_is_the_whole_rankings_head_and_tail(w, months) -> None:
    whole = boards(user=w.office, year=2025, month=4)[0]
    short = boards(user=w.office, year=2025, month=4, top=2)[0]
    assert len(whole.rows) == 6 and len(short.rows) == 4
    assert ranked(short.rows[:2]) == ranked(whole.rows[:2])
    assert ranked(short.rows[-2:]) == ranked(whole.rows[-2:])
    assert shown(short.red[:2]) == shown(whole.red[:2])
    assert shown(short.black[:2]) == shown(whole.black[:2])
    # April's cumulative: P-2 280, P-6 310, P-4 150, P-1 110, P-3 80, P-5 40 (of 1200).
    assert [r["label"] for r in whole.rows] == [
        "项目P-6",
        "项目P-2",
        "项目P-4",
        "项目P-1",
        "项目P-3",
        "项目P-5",
    ]
    # March: P-1 1st, P-2 and P-3 share 2nd, P-4 4th, P-5 5th, P-6 6th.
    p6 = whole.rows[0]
    assert p6["rank"] == 1 and p6["change"] == 5
    assert shown(short.red)[0] == ("项目P-6", 1, 5, "25.8%", "↑5")
    assert shown(short.black)[0] == ("项目P-5", 6, -1, "3.3%", "↓1")


def test_equal_rates_share_a_rank_on_both_boards(w, months) -> None:
    march = boards(user=w.office, year=2025, month=3)
    full, short = march[0], boards(user=w.office, year=2025, month=3, top=3)[0]
    ranks = {r["label"]: r["rank"] for r in full.rows}
    assert ranks["项目P-2"] == ranks["项目P-3"] == 2 and ranks["项目P-4"] == 4
    assert ranked(short.rows) == ranked(full.rows)  # six rows: all shown
    assert all(r["change"] is None for r in full.rows)  # no February


def test_the_lists_page_runs_a_fixed_number_of_queries(w, months) -> None:
    client = Client()
    client.force_login(w.office)
    client.get("/projects/boards/?period=2025-04")
    with CaptureQueriesContext(connection) as few:
        page = client.get("/projects/boards/?period=2025-04")
    assert "项目P-6" in page.content.decode() and "↑5" in page.content.decode()
    for i in range(4):
        project = make_project(w, f"N-{i}")
        report = report_submit(
            project=project,
            actor=w.reporter,
            now=at(2025, 4, 25),
            year=2025,
            month=4,
            investment_month="5",
            progress="施工",
        )
        report_approve(report=report, actor=w.office, now=at(2025, 4, 26))
    with CaptureQueriesContext(connection) as many:
        client.get("/projects/boards/?period=2025-04")
    assert len(many) == len(few)
