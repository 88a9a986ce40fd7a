"""Knowledge-base search for operators: fast, forgiving Chinese matching.

The query and each entry are cut into words (rjieba) and character bigrams, so a
partial phrase typed during a call ("社保卡补办") finds "如何补办社会保障卡". Scores
weigh the question and keywords above the answer. The index is rebuilt when entries
change (cached per process, keyed by the newest update).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date

from django.db.models import Max

from .models import KnowledgeEntry

_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


def _terms(text: str) -> Counter[str]:
    from .text import tokenize

    clean = _PUNCT.sub("", text or "")
    grams = [clean[i : i + 2] for i in range(len(clean) - 1)] or ([clean] if clean else [])
    words = [w for w in tokenize(text or "") if len(w) > 1]
    return Counter(grams + words)


@dataclass(frozen=True)
class KnowledgeHit:
    id: int
    question: str
    answer: str
    category: str
    score: float


@dataclass
class _Index:
    stamp: tuple
    docs: list[tuple[KnowledgeEntry, Counter[str], Counter[str]]]
    idf: dict[str, float]


_cache: dict[str, _Index] = {}


def _index() -> _Index:
    stamp = tuple(KnowledgeEntry.objects.aggregate(m=Max("updated_at"), n=Max("pk")).values()) + (
        KnowledgeEntry.objects.count(),
    )
    hit = _cache.get("kb")
    if hit is not None and hit.stamp == stamp:
        return hit
    entries = list(KnowledgeEntry.objects.select_related("category").filter(is_active=True))
    docs = [(e, _terms(f"{e.question} {e.keywords}"), _terms(e.answer)) for e in entries]
    df: Counter[str] = Counter()
    for _, head, body in docs:
        df.update(set(head) | set(body))
    n = max(len(docs), 1)
    idf = {t: math.log(1 + n / c) for t, c in df.items()}
    _cache["kb"] = _Index(stamp, docs, idf)
    return _cache["kb"]


def knowledge_search(
    query: str, *, today: date, limit: int = 5, min_score: float = 0.15
) -> list[KnowledgeHit]:
    """Best entries for ``query`` that are still valid ``today``; empty for an empty query."""
    q = _terms(query)
    if not q:
        return []
    index = _index()
    q_weight = sum(index.idf.get(t, 0.0) for t in q) or 1.0
    hits = []
    for entry, head, body in index.docs:
        if entry.valid_until is not None and entry.valid_until < today:
            continue
        score = (
            sum(
                index.idf.get(t, 0.0) * (1.0 if t in head else 0.4 if t in body else 0.0) for t in q
            )
            / q_weight
        )
        if score >= min_score:
            hits.append(
                KnowledgeHit(
                    entry.pk,
                    entry.question,
                    entry.answer,
                    entry.category.full_name if entry.category else "",
                    round(score, 3),
                )
            )
    hits.sort(key=lambda h: -h.score)
    return hits[:limit]
