"""Chinese text normalisation and segmentation helpers.

Uses ``rjieba`` (Rust jieba): it keeps its dictionary in memory and never
writes a cache file to /tmp, unlike the Python ``jieba`` package.
"""

from __future__ import annotations

import re
import unicodedata

import rjieba

# Texts longer than this are truncated before feature extraction. The longest
# real appeal in the training data is ~12k characters; a huge paste should not
# stall prediction.
MAX_TEXT_CHARS = 5000

_WS_RE = re.compile(r"\s+")
_URL_RE = re.compile(r"(?:https?://|www\.)[A-Za-z0-9._~:/?#@!$&'()*+,;=%-]+")
_PUNCT_ONLY_RE = re.compile(r"^[\W_]+$")

# Very common function words and appeal boilerplate that carry no topic.
_STOPWORDS_TEXT = """
    的 了 是 在 我 我们 你 您 他 她 它 和 与 及 或 也 都 就 还 又 而 但 对 把 被 让 给 从 向 到
    为 为了 因为 所以 如果 这 那 这个 那个 这些 那些 一个 有 没有 不 没 很 非常 能 可以 可能
    要 会 请 请问 希望 领导 尊敬 你好 您好 谢谢 感谢 问题 情况 相关 部门 现在 已经 目前 什么
    怎么 如何 是否 能否 之 其 等 上 下 中 里 个 人 年 月 日 号 时 后 前 多 去 来 说 看 做
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


def normalize(text: str | None, *, max_chars: int = MAX_TEXT_CHARS) -> str:
    """NFKC-normalise, drop URLs, collapse whitespace (tabs, newlines, NBSP) and truncate."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", str(text))
    text = _URL_RE.sub(" ", text)
    text = _WS_RE.sub(" ", text).strip()
    return text[:max_chars]


def join_title_text(title: str | None, text: str | None) -> str:
    """Combine title and body into one document (title first, separated by a full stop)."""
    title = normalize(title)
    body = normalize(text)
    if title and body:
        return f"{title} 。 {body}"
    return title or body


def tokenize(text: str, *, drop_stopwords: bool = False) -> list[str]:
    """Segment ``text`` into words with rjieba, dropping whitespace and punctuation tokens."""
    words = []
    for w in rjieba.cut(text):
        w = w.strip()
        if not w or _PUNCT_ONLY_RE.match(w):
            continue
        if drop_stopwords and (w in STOPWORDS or w.isdigit()):
            continue
        words.append(w)
    return words


def segment(text: str) -> str:
    """Space-joined segmentation of ``text`` (for whitespace-splitting vectorizers)."""
    return " ".join(tokenize(text))


def split_ws(text: str) -> list[str]:
    """Tokenizer for pre-segmented text (module-level so models pickle cleanly)."""
    return text.split()
