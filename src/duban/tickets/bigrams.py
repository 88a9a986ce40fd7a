"""Words of the appeal text searched month by month, answered from an index on PostgreSQL.

The trigram index of ``content`` (migration ``0011``) takes no trigram from a
two-character substring, and it holds the whole history under each trigram: a common word
(噪音影响休息, 路灯) reads every match of every year before the newest fifty can be chosen
(579 ms at 10 M tickets, docs/scale.md). So the text's two-character substrings are keyed
by the month the ticket was registered in: ``duban_month_bigrams(created_at, content)``
lists ``'YYYYMM' || bigram`` (a plain SQL function, stock PostgreSQL, no ``pg_bigm``) and a
GIN index over it (migration ``0027``) answers :class:`MonthBigramContains`: the tickets of
the given months whose text holds every bigram of the term, each month's keys asked with
``@>``. A month's posting lists hold that month's tickets only, so a search that reads the
newest months first (``web.selectors_search``) stops as soon as its page and its capped
count are full, whatever the years kept.

The month is the registration's month in China Standard Time (UTC+8 all year, no daylight
saving): ``month_key`` in Python and the function in SQL use the same fixed offset.

The function is declared costly (``COST 10000``, ≈ 0.2 ms a ticket): with the default
cost the planner would rather walk the number index newest first and call it on every
ticket it passes (7 s for a page at 500 k tickets) than read the index (33 ms).

The matches are exactly ``content__icontains=term`` within the months: a text holds a
two-character term iff one of its upper-cased two-character substrings is the upper-cased
term; a longer term's bigrams are only a sieve, and ``strpos`` checks the term itself
(``strpos``, not ``LIKE``, so that the planner cannot take the whole-history trigram index
for it instead). ``strpos`` is there for a two-character term too: where PostgreSQL walks
``ticket_created`` in order and filters, it tests the cheap ``strpos`` first and calls the
function only on the matches (a page of 路灯 at 10 M: 25 s → 0.95 s, docs/scale.md).
Elsewhere (SQLite) the expression is the same test without an index:
``instr(UPPER(content), UPPER(term)) > 0`` and the month of ``created_at``.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from django.db.models import BooleanField, Expression, F

BIGRAM_LENGTH = 2
MONTH_FUNCTION = "duban_month_bigrams"
MONTH_INDEX = "ticket_content_month_bigrams"
# China Standard Time: the offset of the month a ticket was registered in.
LOCAL_OFFSET = timedelta(hours=8)
_HOURS = int(LOCAL_OFFSET.total_seconds() // 3600)
_LOCAL = timezone(LOCAL_OFFSET)

CREATE_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {MONTH_FUNCTION}(registered timestamptz, value text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT COST 10000 AS $$
  SELECT coalesce(array_agg(DISTINCT month || substr(upper(value), i, 2)), '{{}}')
  FROM (SELECT to_char(registered AT TIME ZONE INTERVAL '{_HOURS:+03d}:00', 'YYYYMM') AS month) AS m,
       generate_series(1, char_length(value) - 1) AS i
$$
"""
# CONCURRENTLY: an installation keeps taking appeals while the index builds (the migration
# is not atomic); IF NOT EXISTS: a build that stopped half-way can be re-run.
CREATE_INDEX = (
    f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {MONTH_INDEX} ON tickets_ticket "
    f"USING gin ({MONTH_FUNCTION}(created_at, content))"
)
DROP = (
    f"DROP INDEX IF EXISTS {MONTH_INDEX}; "
    f"DROP FUNCTION IF EXISTS {MONTH_FUNCTION}(timestamptz, text)"
)


def month_key(moment: datetime) -> str:
    """``YYYYMM`` of the month ``moment`` falls in, in China Standard Time."""
    return moment.astimezone(_LOCAL).strftime("%Y%m")


def month_start(moment: datetime) -> datetime:
    """The first instant of the month ``moment`` falls in, in China Standard Time."""
    return moment.astimezone(_LOCAL).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def month_after(moment: datetime) -> datetime:
    """The first instant of the month after the one ``moment`` falls in (China Standard Time)."""
    return month_start(month_start(moment) + timedelta(days=32))


def months_between(oldest: datetime, newest: datetime) -> list[datetime]:
    """The starts of the months from ``newest``'s back to ``oldest``'s, newest first."""
    month = month_start(newest)
    last = month_start(oldest)
    months = [month]
    while month > last:
        month = month_start(month - timedelta(days=1))
        months.append(month)
    return months


class MonthBigramContains(Expression):
    """A ticket registered in one of ``months`` (their starts, :func:`month_start`), and
    from ``since`` until before ``until`` if given, whose ``content`` holds ``term`` (two
    characters or more), case-insensitively; a filter.

    The edges are checked on the months' matches, written so that PostgreSQL cannot read
    them from ``ticket_created`` (``(… >= …) IS TRUE``): ANDed with the word's bitmap, a
    month of registrations (800,000 entries at 10 M tickets) turns the bitmap lossy, and
    every match is then rechecked through the costly function (610 against 17 ms).
    """

    conditional = True
    output_field = BooleanField()

    def __init__(
        self,
        term: str,
        months: list[datetime],
        *,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> None:
        if len(term) < BIGRAM_LENGTH:
            raise ValueError(f"a term of at least {BIGRAM_LENGTH} characters: {term!r}")
        if not months:
            raise ValueError("at least one month")
        super().__init__()
        self.registered: Any = F("created_at")
        self.content: Any = F("content")
        self.term = term
        self.months = list(months)
        self.since, self.until = since, until

    def get_source_expressions(self) -> list[Any]:
        return [self.registered, self.content]

    def set_source_expressions(self, exprs: list[Any]) -> None:
        self.registered, self.content = exprs

    def as_sql(  # type: ignore[override]
        self, compiler: Any, connection: Any, **extra_context: Any
    ) -> tuple[str, tuple[Any, ...]]:
        registered, registered_params = compiler.compile(self.registered)
        content, content_params = compiler.compile(self.content)
        marks = ", ".join(["%s"] * len(self.months))
        edges, edge_params = self._edges(registered, registered_params, connection)
        return (
            f"(instr(UPPER({content}), UPPER(%s)) > 0 AND "
            f"strftime('%%Y%%m', {registered}, '{_HOURS:+d} hours') IN ({marks}){edges})",
            (
                *content_params,
                self.term,
                *registered_params,
                *map(month_key, self.months),
                *edge_params,
            ),
        )

    def _edges(
        self, registered: str, params: tuple[Any, ...] | list[Any], connection: Any
    ) -> tuple[str, list[Any]]:
        """`` AND (registered >= since) IS TRUE AND (registered < until) IS TRUE``."""
        sql, out = "", []
        for op, edge in ((">=", self.since), ("<", self.until)):
            if edge is not None:
                sql += f" AND ({registered} {op} %s) IS TRUE"
                out += [*params, connection.ops.adapt_datetimefield_value(edge)]
        return sql, out

    def as_postgresql(
        self, compiler: Any, connection: Any, **extra_context: Any
    ) -> tuple[str, tuple[Any, ...]]:
        registered, registered_params = compiler.compile(self.registered)
        content, content_params = compiler.compile(self.content)
        # A month's keys of the term are the function's own output for the term registered
        # in that month: the same rule as the index's, folded to a constant when planned.
        indexed = f"{MONTH_FUNCTION}({registered}, {content})"
        arm = f"{indexed} @> {MONTH_FUNCTION}(%s::timestamptz, %s)"
        params: list[Any] = []
        for month in self.months:
            params += [*registered_params, *content_params, month, self.term]
        arms = " OR ".join([arm] * len(self.months))
        edges, edge_params = self._edges(registered, registered_params, connection)
        # ``strpos`` checks the term itself: for a longer term the bigrams are only a sieve,
        # and for a two-character one it is the cheap test that PostgreSQL runs first
        # (quals in order of cost) wherever it filters rows instead of reading the index.
        return (
            f"(({arms}){edges} AND strpos(UPPER({content}), UPPER(%s)) > 0)",
            (*params, *edge_params, *content_params, self.term),
        )
