"""SQL building blocks of the figures, portable between SQLite and PostgreSQL.

Every figure is a ``Count(..., filter=Q(...))`` (or an ``Avg``) over tickets, and
every rate is ``numerator / NULLIF(denominator, 0)`` computed in the database, so
a rate is NULL (``None``) exactly when its denominator is zero.

The builders take a ``prefix`` so that the same definitions serve queries that
start from ``Ticket`` (``prefix=""``) and from ``Unit`` through a
``FilteredRelation`` alias (``prefix="t__"``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import (
    Avg,
    Case,
    CharField,
    Count,
    F,
    FloatField,
    Func,
    Q,
    Value,
    When,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import Cast, Coalesce, NullIf

from duban.tickets.choices import Satisfaction, State
from duban.tickets.clocks import overdue_as_of  # the one definition of 超期件


class HoursBetween(Func):
    """``(end - start)`` in hours as a float, NULL when either side is NULL."""

    output_field = FloatField()
    arity = 2

    def __init__(self, end: Any, start: Any, **extra: Any) -> None:
        super().__init__(end, start, **extra)

    def as_sql(  # type: ignore[override]
        self, compiler: Any, connection: Any, **extra_context: Any
    ) -> tuple[str, Any]:
        raise NotImplementedError(f"HoursBetween is not implemented for {connection.vendor}")

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> tuple[str, Any]:
        return Func.as_sql(
            self,
            compiler,
            connection,
            template="((julianday(%(expressions)s)) * 24.0)",
            arg_joiner=") - julianday(",
            **extra_context,
        )

    def as_postgresql(
        self, compiler: Any, connection: Any, **extra_context: Any
    ) -> tuple[str, Any]:
        return Func.as_sql(
            self,
            compiler,
            connection,
            template="(EXTRACT(EPOCH FROM (%(expressions)s)) / 3600.0)",
            arg_joiner=" - ",
            **extra_context,
        )


def ratio(numerator: Combinable, denominator: Combinable) -> Combinable:
    """``numerator / denominator`` as a float; NULL when the denominator is 0."""
    return Cast(numerator, FloatField()) / NullIf(Cast(denominator, FloatField()), Value(0.0))


def _within(p: str, at: str, due: str) -> Q:
    """Timestamp ``at`` is set and not after ``due`` (a missing deadline is no limit)."""
    return Q(**{f"{p}{at}__isnull": False}) & (
        Q(**{f"{p}{due}__isnull": True}) | Q(**{f"{p}{at}__lte": F(f"{p}{due}")})
    )


def counted(p: str = "") -> Q:
    """The tickets that count in the figures: all but those exempted (核减).

    An approved 考核申诉 (``tickets.services.exemptions``) sets ``Ticket.exempt``: the
    ticket leaves every count of ``ticket_counts`` and is counted in ``n_exempted``
    instead. The circular's overdue list filters with it too, so it lists what it counts.
    """
    return Q(**{f"{p}exempt": False})


def handled(p: str = "") -> Q:
    """Counted tickets with a reply: the mean handling time (live) and its sum (rollup)."""
    return counted(p) & Q(**{f"{p}replied_at__isnull": False, f"{p}dispatched_at__isnull": False})


@dataclass(frozen=True)
class Weights:
    response: float
    resolution: float
    satisfaction: float
    basic_satisfied: float


def ticket_counts(p: str, *, now: datetime) -> dict[str, Combinable]:
    """The raw counts and the mean handling time.

    Counts are keyed ``n_<dataclass field>``: the prefix keeps annotation names from
    shadowing ticket fields (``resolved``) inside the same query. Every count is over
    the counted tickets (:func:`counted`); ``n_exempted`` counts the others, the tickets
    an approved exemption took out.
    """

    def q(**kwargs: Any) -> Q:
        return counted(p) & Q(**{f"{p}{k}": v for k, v in kwargs.items()})

    pk = f"{p}pk"
    due_for_response = q(accepted_at__isnull=False) | q(accept_due__lt=now)
    # A merged ticket's caller rates the master's outcome: one matter, one rating in the
    # figures (the master's), so a merged ticket's own rating counts nowhere.
    merged = Q(**{f"{p}state": State.MERGED})
    rated = q(resolved__isnull=False, unreachable=False) & ~merged
    closed_or_rated = q(state=State.CLOSED) | (q(rated_at__isnull=False) & ~merged)
    return {
        "n_dispatched": Count(pk, filter=counted(p)),
        "n_due_for_response": Count(pk, filter=due_for_response),
        "n_responded_in_time": Count(
            pk,
            filter=counted(p)
            & _within(p, "accepted_at", "accept_due")
            & _within(p, "first_contact_at", "contact_due"),
        ),
        "n_rated": Count(pk, filter=rated),
        "n_resolved": Count(pk, filter=rated & q(resolved=True)),
        "n_satisfied": Count(pk, filter=rated & q(satisfaction=Satisfaction.SATISFIED)),
        "n_basic_satisfied": Count(pk, filter=rated & q(satisfaction=Satisfaction.BASIC)),
        "n_replied": Count(pk, filter=q(replied_at__isnull=False)),
        "n_replied_on_time": Count(pk, filter=counted(p) & _within(p, "replied_at", "handle_due")),
        "n_closed_or_rated": Count(pk, filter=closed_or_rated),
        "n_reopened": Count(pk, filter=closed_or_rated & q(reopen_count__gt=0)),
        "n_overdue_count": Count(pk, filter=counted(p) & overdue_as_of(now, p)),
        "n_exempted": Count(pk, filter=Q(**{f"{p}exempt": True})),
        "mean_handling_hours": Avg(
            HoursBetween(F(f"{p}replied_at"), F(f"{p}dispatched_at")), filter=handled(p)
        ),
    }


def ticket_rates(weights: Weights) -> dict[str, Combinable]:
    """Rates and the composite score over the counts of ``ticket_counts``.

    They reference the count annotations by name, so they must be added in a later
    ``annotate()`` call than the counts.
    """
    satisfaction_points = Cast(F("n_satisfied"), FloatField()) + Cast(
        F("n_basic_satisfied"), FloatField()
    ) * Value(weights.basic_satisfied)
    rates: dict[str, Combinable] = {
        "response_rate": ratio(F("n_responded_in_time"), F("n_due_for_response")),
        "resolution_rate": ratio(F("n_resolved"), F("n_rated")),
        "satisfaction_rate": ratio(satisfaction_points, F("n_rated")),
        "on_time_rate": ratio(F("n_replied_on_time"), F("n_replied")),
        "reopen_rate": ratio(F("n_reopened"), F("n_closed_or_rated")),
    }
    return rates


def composite(weights: Weights) -> Combinable:
    """0–100 weighted mean of the available response/resolution/satisfaction rates.

    A missing rate (NULL) drops out and the remaining weights are re-normalised;
    NULL when no weighted rate is available.
    """
    parts = [
        ("response_rate", weights.response),
        ("resolution_rate", weights.resolution),
        ("satisfaction_rate", weights.satisfaction),
    ]
    numerator: Combinable = Value(0.0)
    denominator: Combinable = Value(0.0)
    for name, weight in parts:
        w = Value(float(weight), output_field=FloatField())
        numerator = numerator + Coalesce(F(name) * w, Value(0.0))
        denominator = denominator + Case(
            When(**{f"{name}__isnull": True}, then=Value(0.0)),
            default=w,
            output_field=FloatField(),
        )
    return Value(100.0) * numerator / NullIf(denominator, Value(0.0))


class LocalMonth(Func):
    """``'YYYY-MM'`` of a timestamp in China Standard Time (UTC+8, no daylight saving).

    A plain string expression, so grouping by month costs no per-row Python on SQLite
    (``TruncMonth`` with a time zone calls back into Python for every row there).
    """

    output_field = CharField()
    arity = 1

    def as_sql(  # type: ignore[override]
        self, compiler: Any, connection: Any, **extra_context: Any
    ) -> tuple[str, Any]:
        raise NotImplementedError(f"LocalMonth is not implemented for {connection.vendor}")

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> tuple[str, Any]:
        return Func.as_sql(
            self,
            compiler,
            connection,
            template="strftime('%%%%Y-%%%%m', %(expressions)s, '+8 hours')",
            **extra_context,
        )

    def as_postgresql(
        self, compiler: Any, connection: Any, **extra_context: Any
    ) -> tuple[str, Any]:
        return Func.as_sql(
            self,
            compiler,
            connection,
            template="to_char(%(expressions)s AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')",
            **extra_context,
        )
