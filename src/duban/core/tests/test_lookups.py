"""``field__any=[…]`` finds what ``field__in=[…]`` finds; on PostgreSQL the list travels as
one array parameter, so the query's text and parameter count do not grow with the list."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from duban.org.models import Unit
from duban.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_any_matches_in_on_plain_fields_and_relations(district):
    units = list(Unit.objects.order_by("pk")[:3])
    ids = [u.pk for u in units]
    codes = [u.code for u in units]
    assert set(Unit.objects.filter(pk__any=ids)) == set(units)
    assert set(Unit.objects.filter(code__any=codes)) == set(units)
    children = set(Unit.objects.filter(parent_id__in=ids))
    assert children  # the district's tree has children under its first units
    assert set(Unit.objects.filter(parent_id__any=ids)) == children
    assert set(Unit.objects.filter(parent__any=ids)) == children


def test_an_empty_list_matches_nothing_without_a_query(district):
    with CaptureQueriesContext(connection) as queries:
        assert list(Ticket.objects.filter(primary_unit_id__any=[])) == []
    assert len(queries) == 0


def test_the_query_does_not_grow_with_the_list(district):
    few = list(Unit.objects.values_list("pk", flat=True)[:2])
    many = [*range(10_000_000, 10_000_200), *few]  # 200 ids that exist nowhere, and two that do
    sql_few, params_few = Unit.objects.filter(pk__any=few).query.sql_with_params()
    sql_many, params_many = Unit.objects.filter(pk__any=many).query.sql_with_params()
    assert Unit.objects.filter(pk__any=many).count() == 2
    if connection.vendor != "postgresql":
        assert len(params_many) == len(params_few) + 200  # SQLite: the ordinary IN
        return
    assert sql_many == sql_few
    assert len(params_many) == len(params_few) == 1


def test_a_subquery_is_read_once_as_an_array_on_postgresql(district):
    units = Unit.objects.filter(parent__isnull=True).values("pk")
    found = set(Unit.objects.filter(parent_id__any=units))
    assert found == set(Unit.objects.filter(parent_id__in=units))
    assert found  # the district's first level
    sql, _ = Unit.objects.filter(parent_id__any=units).query.sql_with_params()
    if connection.vendor == "postgresql":
        assert "= ANY(ARRAY(SELECT" in sql
    else:
        assert " IN (SELECT" in sql
