"""A word of the appeal text within given months finds exactly what ``icontains`` finds among
the tickets registered in those months — on PostgreSQL through the month-keyed bigram
index (``tickets.bigrams``), elsewhere without one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from duban.testing import factories as f
from duban.tickets.bigrams import (
    MONTH_INDEX,
    MonthBigramContains,
    month_after,
    month_key,
    month_start,
    months_between,
)
from duban.tickets.models import Ticket

pytestmark = pytest.mark.django_db

TEXTS = [
    "东留村主街路灯坏了一周，晚上出行不便。",  # inside
    "路灯不亮",  # at the start
    "主街没有路灯",  # at the end
    "路边的灯坏了",  # both characters, not together
    "路路灯灯",  # overlapping
    "Wifi信号差，wi-fi断线",  # ASCII, either case
    "折扣100%_活动",  # LIKE's wildcards are plain characters here
    "噪音影响休息",
    "噪音大，影响休息",  # every bigram of 噪音影响休息 but one, the word not
]
TERMS = ["路灯", "灯坏", "路路", "WI", "wi", "Fi", "%_", "0%", "休息", "存在"]
LONGER = ["路灯坏", "噪音影响休息", "WI-FI", "100%_", "灯坏了一周，晚"]
# 2026-11-30 17:00 UTC is 1 December, 01:00 in China: a December ticket.
DECEMBER_FIRST = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
NOVEMBER = DECEMBER_FIRST - timedelta(hours=2)


@pytest.fixture
def tickets(p):
    made = []
    for at in (NOVEMBER, DECEMBER_FIRST):
        made += [f.registered(actor=p.operator, now=at, content=text) for text in TEXTS]
    return made


def found(tickets, term: str, *months: datetime) -> set[int]:
    ids = [t.pk for t in tickets]
    matches = Ticket.objects.filter(MonthBigramContains(term, list(months)), pk__in=ids)
    return set(matches.values_list("pk", flat=True))


def expected(tickets, term: str, *months: datetime) -> set[int]:
    keys = {month_key(m) for m in months}
    return {
        t.pk
        for t in Ticket.objects.filter(pk__in=[t.pk for t in tickets], content__icontains=term)
        if month_key(t.created_at) in keys
    }


@pytest.mark.parametrize("term", TERMS + LONGER)
def test_a_word_finds_what_icontains_finds_in_the_months_asked(tickets, term):
    november, december = month_start(NOVEMBER), month_start(DECEMBER_FIRST)
    for months in ([november], [december], [december, november]):
        assert found(tickets, term, *months) == expected(tickets, term, *months), months


def test_the_word_found_where_it_is_and_in_its_month(tickets):
    december = month_start(DECEMBER_FIRST)
    hits = Ticket.objects.filter(
        MonthBigramContains("路灯", [december]), pk__in=[t.pk for t in tickets]
    )
    assert sorted(t.content for t in hits) == sorted(
        ["东留村主街路灯坏了一周，晚上出行不便。", "路灯不亮", "主街没有路灯", "路路灯灯"]
    )
    assert {t.created_at for t in hits} == {DECEMBER_FIRST}
    # The whole word, not its bigrams scattered: 噪音大，影响休息 holds all but one of them.
    word = Ticket.objects.filter(
        MonthBigramContains("噪音影响休息", [december]), pk__in=[t.pk for t in tickets]
    )
    assert [t.content for t in word] == ["噪音影响休息"]


def test_months_are_china_standard_time():
    assert month_key(DECEMBER_FIRST) == "202612" and month_key(NOVEMBER) == "202611"
    start = month_start(DECEMBER_FIRST)
    assert start == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    assert month_start(start - timedelta(microseconds=1)) == datetime(
        2026, 10, 31, 16, 0, tzinfo=UTC
    )


def test_months_between_run_newest_first_across_the_year():
    months = months_between(datetime(2025, 11, 20, tzinfo=UTC), datetime(2026, 2, 3, tzinfo=UTC))
    assert [month_key(m) for m in months] == ["202602", "202601", "202512", "202511"]
    same = months_between(DECEMBER_FIRST, DECEMBER_FIRST + timedelta(days=3))
    assert [month_key(m) for m in same] == ["202612"]


def test_the_month_after_begins_at_midnight_china_time_across_the_year():
    assert month_after(DECEMBER_FIRST) == datetime(2026, 12, 31, 16, 0, tzinfo=UTC)
    # 23:59 on 31 January in China: the month after is February, from 1 February 00:00.
    assert month_after(datetime(2026, 1, 31, 15, 59, tzinfo=UTC)) == datetime(
        2026, 1, 31, 16, 0, tzinfo=UTC
    )


def test_a_word_is_two_characters_or_more_and_months_are_given():
    with pytest.raises(ValueError):
        MonthBigramContains("路", [month_start(NOVEMBER)])
    with pytest.raises(ValueError):
        MonthBigramContains("路灯", [])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the index is PostgreSQL's")
def test_postgresql_answers_from_the_month_keyed_index(tickets):
    months = [month_start(DECEMBER_FIRST), month_start(NOVEMBER)]
    with connection.cursor() as cur:
        cur.execute("SET LOCAL enable_seqscan = off")  # a handful of rows: make the index win
        for term in ("路灯", "噪音影响休息"):
            plan = Ticket.objects.filter(MonthBigramContains(term, months)).explain()
            assert MONTH_INDEX in plan, plan
            assert "ticket_content_trgm" not in plan


def test_the_edges_keep_to_the_window_inside_a_month(tickets):
    november, december = month_start(NOVEMBER), month_start(DECEMBER_FIRST)
    ids = [t.pk for t in tickets]

    def within(**edges):
        matches = Ticket.objects.filter(
            MonthBigramContains("路灯", [december, november], **edges), pk__in=ids
        )
        return {t.created_at for t in matches}

    assert within() == {NOVEMBER, DECEMBER_FIRST}
    assert within(since=NOVEMBER + timedelta(minutes=1)) == {DECEMBER_FIRST}
    assert within(until=DECEMBER_FIRST) == {NOVEMBER}
    assert within(since=NOVEMBER, until=DECEMBER_FIRST + timedelta(seconds=1)) == {
        NOVEMBER,
        DECEMBER_FIRST,
    }
    assert within(since=DECEMBER_FIRST + timedelta(seconds=1)) == set()
