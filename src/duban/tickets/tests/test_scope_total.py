"""A unit reader's ticket total (the API list's ``count``) is the size of their scope,
counted arm by arm: the primary unit, the handling unit, an active co-unit or
sub-dispatch part — each ticket once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from duban.org.models import User
from duban.testing import factories as f
from duban.testing.api import client_for
from duban.tickets import services as s
from duban.tickets.models import Ticket
from duban.tickets.selectors import scope_total

pytestmark = pytest.mark.django_db


def test_each_arm_counts_and_no_ticket_twice(p, now):
    d = p.district
    own = f.dispatched(p=p, now=now)  # primary: 滨湖街道
    sub = f.accepted(p=p, now=now)
    s.ticket_sub_dispatch(
        ticket=sub, actor=p.street_handler, now=now + timedelta(hours=1), unit=d.dongliu
    )
    co = s.ticket_dispatch(
        ticket=f.registered(actor=p.operator, now=now),
        actor=p.operator,
        now=now,
        unit=d.housing,
        co_units=[d.binhu],
    )  # primary: 住建局, 滨湖街道 a co-unit
    handled = f.dispatched(p=p, now=now, unit=d.hubin)
    # Handled in 东留村 for a primary unit outside 滨湖街道's subtree (the arm as written).
    Ticket.objects.filter(pk=handled.pk).update(handling_unit=d.dongliu)
    f.dispatched(p=p, now=now, unit=d.hubin)  # nobody's in 滨湖街道 here

    street = p.street_handler  # 滨湖街道
    village = p.village_handler  # 东留村
    assert scope_total(street) == Ticket.objects.visible_to(street).count() == 4
    assert scope_total(village) == Ticket.objects.visible_to(village).count() == 2
    assert {own.pk, sub.pk, co.pk, handled.pk} == set(
        Ticket.objects.visible_to(street).values_list("pk", flat=True)
    )
    body = client_for(street).get("/tickets?limit=1").json()
    assert body["count"] == 4


def test_a_reader_without_a_scope_counts_nothing(db):
    assert scope_total(User(username="nobody")) == 0
