"""Hot-spot discovery: cluster similar appeals in a time window and rank them.

Each appeal becomes a TF-IDF vector of its title (weighted double) and the
start of its body (rjieba words, stopwords removed), reduced with truncated
SVD and grouped by average-linkage agglomerative clustering on cosine
distance. Clusters are ranked by a heat score combining the number of
distinct users, volume, support (likes) and recent growth.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from duban.dispatch.duplicates import Record
from duban.dispatch.text import normalize, tokenize

BODY_CHARS = 300
DISTANCE_THRESHOLD = 0.55
SVD_DIMS = 150


@dataclass
class HotSpot:
    rank: int
    label: str
    keywords: list[str]
    heat: float
    volume: int
    users: int
    likes: int
    growth: float
    first_at: str | None
    last_at: str | None
    example_ids: list[str]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _doc_tokens(r: Record) -> str:
    title = normalize(r.title)
    body = normalize(r.text)[:BODY_CHARS]
    words = tokenize(title, drop_stopwords=True) * 2 + tokenize(body, drop_stopwords=True)
    return " ".join(w for w in words if len(w) > 1)


def _embed(records: Sequence[Record]):
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize as l2

    vec = TfidfVectorizer(
        tokenizer=str.split,
        token_pattern=None,
        lowercase=False,
        sublinear_tf=True,
        min_df=2,
        # Terms in more than 5% of a large batch are broad topics, not one matter.
        max_df=0.05 if len(records) >= 400 else 1.0,
    )
    try:
        X = vec.fit_transform([_doc_tokens(r) for r in records])
    except ValueError:  # no term occurs in two records: nothing to cluster
        return None, vec, None
    dims = min(SVD_DIMS, X.shape[1] - 1, len(records) - 1)
    if dims < 2:
        return X, vec, X.toarray()
    Z = TruncatedSVD(n_components=dims, random_state=0).fit_transform(X)
    return X, vec, l2(Z)


def _cluster(Z: np.ndarray, distance_threshold: float) -> np.ndarray:
    """Cluster labels; rows without any surviving term become singletons."""
    from sklearn.cluster import AgglomerativeClustering

    labels = np.arange(len(Z)) + len(Z)  # singleton labels, disjoint from cluster ids
    nonzero = np.where(np.abs(Z).sum(axis=1) > 0)[0]
    if len(nonzero) < 2:
        return labels
    model = AgglomerativeClustering(
        n_clusters=None,
        metric="cosine",
        linkage="average",
        distance_threshold=distance_threshold,
    )
    labels[nonzero] = model.fit_predict(Z[nonzero])
    return labels


def _growth(times: list[datetime], until: datetime, days: int = 30) -> float:
    """Appeals in the last ``days`` of the window relative to the ``days`` before."""
    recent = sum(1 for t in times if t > until - timedelta(days=days))
    before = sum(
        1 for t in times if until - timedelta(days=2 * days) < t <= until - timedelta(days=days)
    )
    return round((recent + 1) / (before + 1), 2)


def hotspots(
    records: Sequence[Record],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    top: int = 10,
    min_users: int = 2,
    distance_threshold: float = DISTANCE_THRESHOLD,
) -> list[HotSpot]:
    """Rank clusters of similar appeals in [since, until]; best first."""
    recs = [
        r
        for r in records
        if (since is None or (r.created_at and r.created_at >= since))
        and (until is None or (r.created_at and r.created_at <= until))
        and normalize(r.title or r.text)
    ]
    if len(recs) < 2:
        return []
    X, vec, Z = _embed(recs)
    if X is None:
        return []
    labels = _cluster(Z, distance_threshold)
    end = until or max((r.created_at for r in recs if r.created_at), default=None)
    terms = np.asarray(vec.get_feature_names_out())
    spots = []
    for lab in np.unique(labels):
        idx = np.where(labels == lab)[0]
        members = [recs[i] for i in idx]
        users = {m.user or m.id for m in members}
        if len(users) < min_users:
            continue
        likes = sum(max(0, m.likes) for m in members)
        times = sorted(m.created_at for m in members if m.created_at)
        growth = _growth(times, end) if times and end else 1.0
        heat = (
            2.0 * math.log1p(len(users))
            + math.log1p(len(members))
            + 0.5 * math.log1p(likes)
            + 0.5 * math.log(growth)
        )
        centroid = np.asarray(X[idx].mean(axis=0)).ravel()
        keywords = terms[np.argsort(-centroid)[:6]].tolist()
        central = idx[np.argmax(Z[idx] @ Z[idx].mean(axis=0))]
        order = sorted(idx, key=lambda i: (-recs[i].likes, recs[i].id))
        spots.append(
            HotSpot(
                rank=0,
                label=normalize(recs[central].title or recs[central].text)[:40],
                keywords=keywords,
                heat=round(heat, 3),
                volume=len(members),
                users=len(users),
                likes=likes,
                growth=growth,
                first_at=times[0].isoformat(sep=" ") if times else None,
                last_at=times[-1].isoformat(sep=" ") if times else None,
                example_ids=[recs[i].id for i in order[:5]],
            )
        )
    spots.sort(key=lambda s: -s.heat)
    for k, s in enumerate(spots[:top], start=1):
        s.rank = k
    return spots[:top]
