"""A word of the content listed newest first is read month by month (``search_page``): the
same pages and count as sorting every match, read from the newest months only as far as
the page and the capped count need."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from duban.testing import factories as f
from duban.tickets.bigrams import month_start
from duban.tickets.models import Ticket
from duban.web import selectors_search as search
from duban.web.selectors_search import WALK_ORDERING, search_page, searched_tickets

pytestmark = pytest.mark.django_db

WORD = "路灯不亮"
# Months back of each matching ticket: this month, last month, three months and a year back.
MONTHS_BACK = (0, 0, 0, 1, 1, 3, 12, 12, 13)


def month_back(recent: datetime, n: int) -> datetime:
    """The start of the month ``n`` months before ``recent``'s (China Standard Time)."""
    month = month_start(recent)
    for _ in range(n):
        month = month_start(month - timedelta(days=1))
    return month


@pytest.fixture
def history(p, recent):
    made = [
        f.dispatched(
            p=p,
            now=month_back(recent, back) + timedelta(microseconds=i + 1),
            content=f"东留村{WORD}第{i}盏",
        )
        for i, back in enumerate(MONTHS_BACK)
    ]
    f.dispatched(p=p, now=month_back(recent, 0), content="路边的灯不亮")  # not the word
    return made


def sorted_matches(user, word: str) -> list[str]:
    """Every match sorted at once: what the walk must agree with."""
    qs = Ticket.objects.visible_to(user).filter(content__icontains=word)
    return list(qs.order_by("-created_at", "-number").values_list("number", flat=True))


def walk(user, word: str, *, page: int, page_size: int) -> search.SearchPage:
    found = searched_tickets(user=user, now=timezone.now(), content=word)
    assert found.walks
    return search_page(
        found, now=timezone.now(), ordering=WALK_ORDERING, page=page, page_size=page_size
    )


@pytest.mark.parametrize("page_size", [1, 2, 4, 50])
def test_the_walk_gives_the_pages_of_sorting_every_match(p, history, page_size):
    expected = sorted_matches(p.leader, WORD)
    assert len(expected) == len(MONTHS_BACK)
    pages = -(-len(expected) // page_size)
    read: list[str] = []
    for page in range(1, pages + 1):
        found = walk(p.leader, WORD, page=page, page_size=page_size)
        assert (found.count, found.pages, found.capped) == (len(expected), pages, False)
        read += [t.number for t in found.tickets]
    assert read == expected
    last = walk(p.leader, WORD, page=pages + 5, page_size=page_size)  # past the end: the last
    assert [t.number for t in last.tickets] == read[(pages - 1) * page_size :]


def test_the_walk_stops_at_the_cap_after_the_newest_months(p, history, monkeypatch):
    monkeypatch.setattr(search, "COUNT_CAP", 3)
    with CaptureQueriesContext(connection) as queries:
        found = walk(p.leader, WORD, page=1, page_size=2)
    assert found.count == 3 and found.capped and found.pages == 2
    assert [t.number for t in found.tickets] == sorted_matches(p.leader, WORD)[:2]
    counts = [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    # This month holds three matches, last month two: the walk counted those two steps alone.
    assert len(counts) == 2
    second = walk(p.leader, WORD, page=2, page_size=2)
    assert [t.number for t in second.tickets] == sorted_matches(p.leader, WORD)[2:4]


@pytest.mark.parametrize("window", [20_000, 2, 1])
@pytest.mark.parametrize("page", [1, 2, 3, 4])
def test_a_page_in_a_step_the_cap_cut_is_read_in_order_within_its_months(
    p, history, monkeypatch, page, window
):
    # Steps: this month (3), last month (2), the two before (1), the four before (0), then
    # the eight before (3: a year back and more). A cap of 7 leaves that last step room for
    # 2 of its 3, so its page is looked for among the newest registrations of its months
    # (``window`` of them: enough, or too few and then its matches are read whole); the
    # steps before it are counted whole and put in order from the index's matches.
    monkeypatch.setattr(search, "COUNT_CAP", 7)
    monkeypatch.setattr(search, "STEP_WINDOW", window)
    found = walk(p.leader, WORD, page=page, page_size=2)
    assert (found.count, found.capped, found.pages) == (7, True, 4)
    expected = sorted_matches(p.leader, WORD)[: 7 + 1]
    assert [t.number for t in found.tickets] == expected[(page - 1) * 2 : page * 2]


def test_the_walk_reaches_the_oldest_month_and_keeps_to_the_scope(p, client_for, history):
    oldest = min(history, key=lambda t: t.created_at)
    page = client_for(p.leader).get("/search/?content=" + quote("第8盏"))
    assert [t.number for t in page.context["tickets"]] == [oldest.number]
    # The other street's clerk walks the same months and finds none of 滨湖街道's tickets.
    assert walk(p.other_street_handler, WORD, page=1, page_size=50).count == 0


def test_the_page_lists_newest_registrations_first_by_default(p, client_for, history):
    response = client_for(p.leader).get("/search/?content=" + quote(WORD))
    numbers = [t.number for t in response.context["tickets"]]
    assert numbers == sorted_matches(p.leader, WORD)
    assert response.context["count"] == len(MONTHS_BACK)
    html = response.content.decode()
    assert html.index("登记最新") < html.index("编号倒序")  # the first choice of 排序


def test_another_order_reads_every_match_at_once(p, client_for, history):
    response = client_for(p.leader).get(f"/search/?content={quote(WORD)}&ordering=number")
    numbers = [t.number for t in response.context["tickets"]]
    assert numbers == sorted(sorted_matches(p.leader, WORD))


def test_a_window_bounds_the_months_walked_and_cuts_inside_them(p, recent, history):
    now = timezone.now()
    start = month_back(recent, 1)
    found = searched_tickets(
        user=p.leader, now=now, content=WORD, window=("created_at", start, None)
    )
    assert found.months == [month_back(recent, 0), start]  # this month back to the window's
    page = search_page(found, now=now, ordering=WALK_ORDERING, page=1, page_size=50)
    assert page.count == sum(1 for back in MONTHS_BACK if back <= 1)
    # An edge inside a month: last month's first match (registered a microsecond after the
    # month began) is left out, its second kept.
    inside = searched_tickets(
        user=p.leader,
        now=now,
        content=WORD,
        window=("created_at", start + timedelta(microseconds=5), None),
    )
    found_inside = search_page(inside, now=now, ordering=WALK_ORDERING, page=1, page_size=50)
    assert found_inside.count == page.count - 1
    # A month filter (月份, by registration) walks that month alone.
    month = searched_tickets(
        user=p.leader, now=now, content=WORD, period=(start, month_back(recent, 0))
    )
    assert month.months == [start]
    by_month = search_page(month, now=now, ordering=WALK_ORDERING, page=1, page_size=50)
    assert by_month.count == sum(1 for back in MONTHS_BACK if back == 1)
    nothing = searched_tickets(
        user=p.leader, now=now, content=WORD, window=("created_at", now + timedelta(days=1), None)
    )
    assert search_page(nothing, now=now, ordering=WALK_ORDERING, page=1, page_size=50).count == 0


def test_a_two_character_word_in_another_order_keeps_to_its_31_days(p, client_for, history):
    response = client_for(p.leader).get("/search/?content=" + quote("路灯") + "&ordering=number")
    assert response.status_code == 200 and response.context["narrowed"]
    since = response.context["now"] - timedelta(days=search.SHORT_TERM_DAYS)
    expected = Ticket.objects.filter(content__icontains="路灯", created_at__gte=since)
    numbers = [t.number for t in response.context["tickets"]]
    assert numbers == sorted(expected.values_list("number", flat=True))
    assert 3 <= len(numbers) < len(MONTHS_BACK)  # this month's three, not the year's
