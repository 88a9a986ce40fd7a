"""``field__any=[…]``: membership in a list, sent as one array parameter on PostgreSQL.

``field__in=[…]`` writes one placeholder per value. The work lists filter on a unit
subtree's ids (dozens of units) in three branches, so their queries carried 50–80
parameters, and psycopg converts a query with more than 50 parameters afresh on every
execution instead of from its cache: ≈ 4 ms of Python each, twice per inbox page
(docs/scale.md). ``= ANY(%s)`` with the list as one array keeps the query's text and its
parameter count the same whatever the subtree's size; PostgreSQL plans it as it plans
``IN`` (which it rewrites to ``= ANY`` itself) and walks the same indexes. SQLite has no
arrays: there it is the ordinary ``IN``.

The right-hand side may also be a one-column queryset: ``= ANY(ARRAY(SELECT …))`` on
PostgreSQL, evaluated once before the scan (an InitPlan), so that it can be one arm of a
``BitmapOr`` beside the other indexed conditions of an ``OR``; ``IN (SELECT …)`` there is a
subplan that no index serves, and PostgreSQL filters every row of the table with it.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.models import Field, ForeignObject, Lookup


class AnyOf(Lookup):
    lookup_name = "any"
    prepare_rhs = False

    @property
    def rhs_is_subquery(self) -> bool:
        return hasattr(self.rhs, "as_sql")

    def get_prep_lookup(self) -> Any:
        if self.rhs_is_subquery:
            return self.rhs
        field = self.lhs.output_field
        return [field.get_prep_value(value) for value in self.rhs]

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        if self.rhs_is_subquery:
            sub, sub_params = compiler.compile(self.rhs)
            sub = sub if sub.startswith("(") else f"({sub})"
            if connection.vendor == "postgresql":
                return f"{lhs} = ANY(ARRAY{sub})", [*lhs_params, *sub_params]
            return f"{lhs} IN {sub}", [*lhs_params, *sub_params]
        field = self.lhs.output_field
        values = [field.get_db_prep_value(v, connection, prepared=True) for v in self.rhs]
        if not values:
            raise EmptyResultSet
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*lhs_params, values]
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]


def register() -> None:
    """Called once from ``CoreConfig.ready``; relations keep lookups of their own."""
    Field.register_lookup(AnyOf)
    ForeignObject.register_lookup(AnyOf)
