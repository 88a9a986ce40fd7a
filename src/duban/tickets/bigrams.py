"""Two-character search terms of the appeal text, answered from an index on PostgreSQL.

The trigram index of ``content`` (migration ``0011``) takes no trigram from a
two-character substring: ``UPPER(content) LIKE '%路灯%'`` reads the whole trigram index or
the whole search window. Two characters are a common Chinese word, so migration ``0019``
adds a GIN index over the set of a ticket's two-character substrings,
``duban_bigrams(content)`` (a plain SQL function: works on stock PostgreSQL, no
``pg_bigm``), and :class:`BigramContains` asks it ``duban_bigrams(content) @> ARRAY[term]``.

The function is declared costly (``COST 10000``, ≈ 0.2 ms a ticket): with the default
cost the planner would rather walk the number index newest first and call it on every
ticket it passes (7 s for a page at 500 k tickets) than read the index (33 ms).

The matches are exactly ``content__icontains=term`` for a term of two characters: the
text contains it, case-insensitively, iff one of the text's upper-cased two-character
substrings is the upper-cased term. Elsewhere (SQLite) the expression is
``instr(UPPER(content), UPPER(term)) > 0``, the same matches without an index.
"""

from __future__ import annotations

from typing import Any

from django.db.models import BooleanField, Expression, F

BIGRAM_FUNCTION = "duban_bigrams"
BIGRAM_INDEX = "ticket_content_bigrams"
BIGRAM_LENGTH = 2

CREATE_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {BIGRAM_FUNCTION}(value text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT COST 10000 AS $$
  SELECT coalesce(array_agg(DISTINCT substr(upper(value), i, 2)), '{{}}')
  FROM generate_series(1, char_length(value) - 1) AS i
$$
"""
CREATE_INDEX = (
    f"CREATE INDEX IF NOT EXISTS {BIGRAM_INDEX} ON tickets_ticket "
    f"USING gin ({BIGRAM_FUNCTION}(content))"
)
DROP = f"DROP INDEX IF EXISTS {BIGRAM_INDEX}; DROP FUNCTION IF EXISTS {BIGRAM_FUNCTION}(text)"


class BigramContains(Expression):
    """``field`` contains ``term`` (two characters), case-insensitively; a filter."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, field: str, term: str) -> None:
        if len(term) != BIGRAM_LENGTH:
            raise ValueError(f"a bigram is {BIGRAM_LENGTH} characters: {term!r}")
        super().__init__()
        self.source: Any = F(field)
        self.term = term

    def get_source_expressions(self) -> list[Any]:
        return [self.source]

    def set_source_expressions(self, exprs: list[Any]) -> None:
        (self.source,) = exprs

    def as_sql(  # type: ignore[override]
        self, compiler: Any, connection: Any, **extra_context: Any
    ) -> tuple[str, tuple[Any, ...]]:
        sql, params = compiler.compile(self.source)
        return f"instr(UPPER({sql}), UPPER(%s)) > 0", (*params, self.term)

    def as_postgresql(
        self, compiler: Any, connection: Any, **extra_context: Any
    ) -> tuple[str, tuple[Any, ...]]:
        sql, params = compiler.compile(self.source)
        return f"{BIGRAM_FUNCTION}({sql}) @> ARRAY[UPPER(%s)]::text[]", (*params, self.term)
