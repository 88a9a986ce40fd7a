"""Reply check: score a government reply against the appeal it answers.

Three signals, each in [0, 1]:

* relevance — cosine similarity of character 2-gram TF-IDF vectors of the
  appeal (title + text) and the reply, rescaled so that 0.2 counts as fully
  relevant;
* completeness — whether the reply states what was done (investigation,
  coordination, rectification...), states a result or decision, gives a
  basis (law, policy, rule) or a next step / contact;
* boilerplate — share of the reply's sentences that are courtesy formulas
  ("感谢您对我们工作的支持", "已收悉"...) or that merely forward the matter.

A reply is flagged weak when it is very short, irrelevant, incomplete or
mostly boilerplate; the reasons are listed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from duban.dispatch.csvio import read_rows
from duban.dispatch.duplicates import parse_datetime
from duban.dispatch.text import join_title_text, normalize

ACTION_RE = re.compile(
    r"调查|核实|核查|现场|走访|协调|约谈|督促|督办|整改|查处|处罚|执法|检查|了解|处理|清理|修复|维修|"
    r"安排|组织|召开|会同|联合|责令|立案|回访|排查|勘查|测量|对接|沟通|推进|纳入|上报|实施|开展|落实|"
    r"建设|改造|规划|整治|宣传|劝导|拆除|取缔|补贴|发放|审批|办理"
)
RESULT_RE = re.compile(
    r"已(?!收悉|转)|已经|已于|已将|已对|已责令|已完成|已解决|已修复|已整改|已安排|已办理|已发放|已恢复|目前|现已|"
    r"结果|完成|解决|符合|不符合|同意|不予|予以|可以|无法|不能|属于|不属于|计划|预计|将于|正在"
)
BASIS_RE = re.compile(r"根据|依据|按照|规定|政策|条例|办法|法律|《|文件|标准")
NEXT_RE = re.compile(r"电话|联系|咨询|\d{3,4}-?\d{7,8}|\d{11}|下一步|后续|将继续|持续|跟踪")
BOILERPLATE_RE = re.compile(
    r"感谢|谢谢|您好|你好|已收悉|收悉|网友|留言|来信|理解|支持|关心|关注|信任|现将.*答复如下|"
    r"答复如下|特此|回复如下|已转|转交|转办|转至|交由"
)
_SENT_SPLIT = re.compile(r"[。！？!?；;\n]+")

RELEVANCE_FULL = 0.2
MIN_REPLY_CHARS = 30
# Scaled relevance below this (raw cosine < 0.03) shares almost no wording with the appeal.
OFF_TOPIC = 0.15


@dataclass
class ReplyScore:
    id: str
    relevance: float
    completeness: float
    boilerplate: float
    score: float
    weak: bool
    reasons: list[str] = field(default_factory=list)
    reply_days: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def completeness(reply: str) -> float:
    """Share of the four content checks (action, result, basis, next step) the reply passes."""
    checks = [ACTION_RE, RESULT_RE, BASIS_RE, NEXT_RE]
    weights = [0.35, 0.35, 0.15, 0.15]
    return round(sum(w for rx, w in zip(checks, weights, strict=True) if rx.search(reply)), 3)


def boilerplate_share(reply: str) -> float:
    """Share of characters in sentences that are only courtesy or forwarding formulas."""
    sentences = [s.strip() for s in _SENT_SPLIT.split(reply) if s.strip()]
    if not sentences:
        return 1.0
    total = sum(len(s) for s in sentences)
    plate = sum(
        len(s)
        for s in sentences
        if BOILERPLATE_RE.search(s) and not (ACTION_RE.search(s) and RESULT_RE.search(s))
    )
    return round(plate / total, 3)


def _relevance(appeals: Sequence[str], replies: Sequence[str]) -> np.ndarray:
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(analyzer="char", ngram_range=(2, 2), sublinear_tf=True, min_df=1)
    vec.fit(list(appeals) + list(replies))
    A = vec.transform(appeals)
    R = vec.transform(replies)
    return np.asarray(A.multiply(R).sum(axis=1)).ravel()


def check_replies(
    appeals: Sequence[str],
    replies: Sequence[str],
    *,
    ids: Sequence[str] | None = None,
    reply_days: Sequence[float | None] | None = None,
) -> list[ReplyScore]:
    """Score each (appeal, reply) pair; see the module docstring."""
    appeals = [normalize(a) for a in appeals]
    replies = [normalize(r) for r in replies]
    ids = list(ids) if ids is not None else [str(i) for i in range(len(replies))]
    days = list(reply_days) if reply_days is not None else [None] * len(replies)
    if not replies:
        return []
    rel = np.clip(_relevance(appeals, replies) / RELEVANCE_FULL, 0, 1)
    out = []
    for i, reply in enumerate(replies):
        comp = completeness(reply)
        plate = boilerplate_share(reply)
        reasons = []
        if len(reply) < MIN_REPLY_CHARS:
            reasons.append("too_short")
        if rel[i] < OFF_TOPIC:
            reasons.append("off_topic")
        if comp < 0.5:
            reasons.append("incomplete")
        if plate > 0.6:
            reasons.append("boilerplate")
        score = 0.4 * float(rel[i]) + 0.4 * comp + 0.2 * (1 - plate)
        out.append(
            ReplyScore(
                id=ids[i],
                relevance=round(float(rel[i]), 3),
                completeness=comp,
                boilerplate=plate,
                score=round(score, 3),
                weak=bool(reasons),
                reasons=reasons,
                reply_days=days[i],
            )
        )
    return out


def check_reply(appeal: str, reply: str) -> ReplyScore:
    """Score one reply (relevance is computed against this appeal only)."""
    return check_replies([appeal], [reply])[0]


def _days(a: str, b: str) -> float | None:
    ta, tb = parse_datetime(a), parse_datetime(b)
    if ta is None or tb is None:
        return None
    return round((tb - ta).total_seconds() / 86400.0, 2)


def summarize(
    scores: Sequence[ReplyScore], rows: Sequence[dict[str, str]], examples: int
) -> dict[str, Any]:
    s = np.array([x.score for x in scores])
    reasons = Counter(r for x in scores for r in x.reasons)
    weak = [i for i, x in enumerate(scores) if x.weak]
    days = np.array([x.reply_days for x in scores if x.reply_days is not None])
    hist, edges = np.histogram(s, bins=[0, 0.2, 0.4, 0.6, 0.8, 1.0001])
    by_weakness = sorted(weak, key=lambda i: scores[i].score)
    return {
        "replies": len(scores),
        "weak": len(weak),
        "weak_share": round(len(weak) / len(scores), 4) if scores else 0.0,
        "reasons": dict(reasons.most_common()),
        "score_quantiles": {
            q: round(float(np.quantile(s, float(q))), 3)
            for q in ("0.1", "0.25", "0.5", "0.75", "0.9")
        },
        "score_histogram": {
            f"{edges[k]:.1f}-{min(edges[k + 1], 1.0):.1f}": int(hist[k]) for k in range(len(hist))
        },
        "mean": {
            "relevance": round(float(np.mean([x.relevance for x in scores])), 3),
            "completeness": round(float(np.mean([x.completeness for x in scores])), 3),
            "boilerplate": round(float(np.mean([x.boilerplate for x in scores])), 3),
        },
        "reply_days": {
            "median": round(float(np.median(days)), 2) if len(days) else None,
            "p90": round(float(np.quantile(days, 0.9)), 2) if len(days) else None,
            "over_15_days_share": round(float(np.mean(days > 15)), 4) if len(days) else None,
        },
        "flagged_examples": [
            {
                **scores[i].as_dict(),
                "title": normalize(rows[i].get("title", ""))[:40],
                "reply": normalize(rows[i].get("reply", ""))[:120],
            }
            for i in by_weakness[:examples]
        ],
    }


def check_csv(path: str | Path, *, examples: int = 5) -> dict[str, Any]:
    """Check every reply of a CSV with columns text, reply (and optionally title, dates)."""
    rows = read_rows(
        path, required=("text", "reply"), optional=("id", "title", "created_at", "replied_at")
    )
    scores = check_replies(
        [join_title_text(r["title"], r["text"]) for r in rows],
        [r["reply"] for r in rows],
        ids=[r["id"] or str(i) for i, r in enumerate(rows)],
        reply_days=[_days(r["created_at"], r["replied_at"]) for r in rows],
    )
    return summarize(scores, rows, examples)
