"""A two-character word of the appeal text finds exactly what ``icontains`` finds — on
PostgreSQL through the bigram index (``tickets.bigrams``), elsewhere without one."""

from __future__ import annotations

import pytest
from django.db import connection

from duban.testing import factories as f
from duban.tickets.bigrams import BIGRAM_INDEX, BigramContains
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
]
TERMS = ["路灯", "灯坏", "路路", "WI", "wi", "Fi", "%_", "0%", "休息", "存在"]


@pytest.fixture
def tickets(p, now):
    return [f.registered(actor=p.operator, now=now, content=text) for text in TEXTS]


@pytest.mark.parametrize("term", TERMS)
def test_a_bigram_finds_what_icontains_finds(tickets, term):
    ids = [t.pk for t in tickets]
    expected = set(Ticket.objects.filter(pk__in=ids, content__icontains=term).values_list("pk"))
    found = set(
        Ticket.objects.filter(BigramContains("content", term), pk__in=ids).values_list("pk")
    )
    assert found == expected


def test_the_word_found_where_it_is(tickets):
    found = Ticket.objects.filter(BigramContains("content", "路灯"), pk__in=[t.pk for t in tickets])
    assert sorted(t.content for t in found) == sorted(
        ["东留村主街路灯坏了一周，晚上出行不便。", "路灯不亮", "主街没有路灯", "路路灯灯"]
    )


def test_only_two_characters_make_a_bigram():
    for term in ("路", "路灯坏"):
        with pytest.raises(ValueError):
            BigramContains("content", term)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the index is PostgreSQL's")
def test_postgresql_answers_from_the_bigram_index(tickets):
    with connection.cursor() as cur:
        cur.execute("SET LOCAL enable_seqscan = off")  # a handful of rows: make the index win
        plan = Ticket.objects.filter(BigramContains("content", "路灯")).explain()
    assert BIGRAM_INDEX in plan
