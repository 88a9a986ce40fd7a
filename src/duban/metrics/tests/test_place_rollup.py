"""The heat by place of a month is rolled up with the month (``PlaceRollup``): a
district-wide reader gets the very counts of the live aggregate, read from a few rows;
another reader's scope, or a month not rolled up yet, is counted live. A recent month's
heat is recounted every ``PLACES_TTL`` (matching place names is half of a rebuild), an
older or stale month's with every rebuild; the dashboard says when it was counted."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from duban.core.periods import period_containing
from duban.metrics.models import MonthlyRollup, PlaceRollup, RollupPeriod
from duban.metrics.selectors_places import place_heat
from duban.metrics.selectors_report import dashboard_data
from duban.metrics.services import PLACES_TTL, mark_stale, refresh_due, refresh_period
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
    # The place tree, the month's rollup rows with the moment they were counted.
    with django_assert_num_queries(2) as ctx:
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


def _dispatched_in(period) -> int:
    return sum(
        MonthlyRollup.objects.filter(period=period.label).values_list("dispatched", flat=True)
    )


def _places_at(period) -> datetime | None:
    return RollupPeriod.objects.get(period=period.label).places_at


def test_a_recent_months_heat_is_recounted_every_places_ttl(p, recent):
    """The tick rebuilds a recent month's figures every few minutes; within ``PLACES_TTL``
    of its last count the heat is kept as it was counted, and the first rebuild after that
    recounts it."""
    period = period_containing(recent)
    refresh_period(period, now=recent)
    f.dispatched(p=p, now=recent, location="建业社区")

    refresh_due(now=recent + timedelta(minutes=5))
    assert _dispatched_in(period) == 1  # the figures moved
    assert _counts(_heat(p.leader, period))["建业社区"] == (0, 0, 0)  # the heat did not
    assert _places_at(period) == recent

    refresh_due(now=recent + PLACES_TTL)
    assert _counts(_heat(p.leader, period))["建业社区"] == (0, 1, 1)
    assert _places_at(period) == recent + PLACES_TTL


def test_an_older_month_recounts_its_heat_with_every_rebuild(p):
    now = timezone.now()
    old = now - timedelta(days=120)
    period = period_containing(old)
    f.dispatched(p=p, now=old, location="建业社区")
    refresh_period(period, now=now, places=None)
    f.dispatched(p=p, now=old, location="建业社区门口")
    refresh_period(period, now=now + timedelta(minutes=1), places=None)
    assert _counts(_heat(p.leader, period))["建业社区"] == (0, 2, 2)
    assert _places_at(period) == now + timedelta(minutes=1)


def test_a_stale_recent_month_recounts_its_heat_at_once(p, recent):
    """A month marked stale (an import added tickets to it) is recounted whole by its next
    rebuild, heat included, whatever the heat's age."""
    period = period_containing(recent)
    refresh_period(period, now=recent)
    f.dispatched(p=p, now=recent, location="建业社区")
    mark_stale(period)
    refresh_due(now=recent + timedelta(minutes=1))
    assert _counts(_heat(p.leader, period))["建业社区"] == (0, 1, 1)
    assert _places_at(period) == recent + timedelta(minutes=1)


def test_the_dashboard_says_when_its_heat_was_counted(p, recent):
    period = period_containing(recent)
    refresh_period(period, now=recent)
    refresh_due(now=recent + timedelta(minutes=5))
    now = recent + timedelta(minutes=6)
    leader = dashboard_data(user=p.leader, period=period, now=now)
    assert leader.as_of == recent + timedelta(minutes=5)  # the figures' rebuild
    assert leader.places_as_of == recent  # the heat's count
    # A reader the rollup does not serve is counted live, as of the page.
    assert dashboard_data(user=p.street_head, period=period, now=now).places_as_of == now
