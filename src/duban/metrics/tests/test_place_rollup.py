"""The heat by place of a month is rolled up with the month (``PlaceRollup``): a
district-wide reader gets the very counts of the live aggregate, read from a few rows;
another reader's scope, or a month not rolled up yet, is counted live."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from duban.core.periods import period_containing
from duban.metrics.models import PlaceRollup
from duban.metrics.selectors_places import place_heat
from duban.metrics.services import refresh_period
from duban.org.models import Unit
from duban.testing import factories as f
from duban.testing import personas
from duban.tickets import services as s

pytestmark = pytest.mark.django_db

# The personas' district (this directory's conftest builds a bare one of its own).
district = personas.district


@pytest.fixture
def recent() -> datetime:
    return timezone.now() - timedelta(hours=2)


def _places(p, recent):
    d = p.district
    f.dispatched(p=p, now=recent, location="滨湖街道东留村主街")
    t = f.accepted(p=p, now=recent, location="主街")
    s.ticket_sub_dispatch(
        ticket=t, actor=p.street_handler, now=recent + timedelta(minutes=40), unit=d.dongliu
    )
    f.dispatched(p=p, now=recent, unit=d.housing, location="湖滨路街道建业社区门口")
    f.dispatched(p=p, now=recent, unit=d.housing, location="西留村村口")


def _counts(streets):
    out = {}
    for street in streets:
        for place in (street.street, *street.villages):
            out[place.name] = (place.routed, place.named, place.volume)
    return out


def _heat(user, period):
    return place_heat(user=user, period_start=period.start, period_end=period.end)


def test_rolled_up_heat_is_the_live_heat(p, recent):
    _places(p, recent)
    period = period_containing(recent)
    live = _heat(p.leader, period)
    refresh_period(period, now=recent + timedelta(hours=1))
    assert PlaceRollup.objects.filter(period=period.label).exists()
    rolled = _heat(p.leader, period)
    assert rolled == live
    heat = _counts(rolled)
    assert heat["滨湖街道"] == (2, 1, 3) and heat["东留村"] == (1, 1, 2)


def test_a_rolled_up_month_reads_no_ticket(p, recent, django_assert_num_queries):
    _places(p, recent)
    period = period_containing(recent)
    refresh_period(period, now=recent + timedelta(hours=1))
    with django_assert_num_queries(2) as ctx:  # the place tree, the month's rollup rows
        _heat(p.leader, period)
    assert not any("tickets_ticket" in q["sql"] for q in ctx.captured_queries)


def test_the_heat_is_as_of_the_rollup_until_the_next_refresh(p, recent):
    period = period_containing(recent)
    refresh_period(period, now=recent)
    f.dispatched(p=p, now=recent, location="建业社区")
    assert _counts(_heat(p.leader, period))["建业社区"] == (0, 0, 0)
    refresh_period(period, now=recent + timedelta(minutes=5))
    assert _counts(_heat(p.leader, period))["建业社区"] == (0, 1, 1)


def test_a_month_not_rolled_up_is_counted_live(p, recent):
    _places(p, recent)
    period = period_containing(recent)
    PlaceRollup.objects.all().delete()
    assert _counts(_heat(p.leader, period))["滨湖街道"] == (2, 1, 3)


def test_a_scoped_reader_is_counted_live_within_their_scope(p, recent):
    _places(p, recent)
    period = period_containing(recent)
    refresh_period(period, now=recent + timedelta(hours=1))
    heat = _counts(_heat(p.street_head, period))
    assert set(heat) == {"滨湖街道", "东留村"}
    assert heat["滨湖街道"][2] == 2  # the department ticket at 西留村 is not theirs


def test_the_rollup_weighs_shared_addresses_and_escapes_wildcards_in_names(p, recent):
    """The rollup counts groups of tickets with one address at their size, and a name's
    ``_`` or ``%`` is a character, not a wildcard — as in the live count."""
    community = Unit.objects.get(name="建业社区")
    community.aliases = ["建_业", "100%"]
    community.save(update_fields=["aliases"])
    for _ in range(3):
        f.dispatched(p=p, now=recent, unit=p.district.housing, location="建业社区门口")
    f.dispatched(p=p, now=recent, unit=p.district.housing, location="建_业大门")
    f.dispatched(p=p, now=recent, unit=p.district.housing, location="建a业大门")  # not a match
    f.dispatched(p=p, now=recent, unit=p.district.housing, location="满意度100%小区")
    f.dispatched(p=p, now=recent, unit=p.district.housing, location="满意度1000小区")  # no
    period = period_containing(recent)
    live = _heat(p.leader, period)
    refresh_period(period, now=recent + timedelta(hours=1))
    rolled = _heat(p.leader, period)
    assert rolled == live
    assert _counts(rolled)["建业社区"] == (0, 5, 5)
