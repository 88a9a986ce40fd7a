"""The arithmetic of ranks, standard scores and growth, vectorised with numpy (no rows, no ORM).

Ranks follow ``scipy.stats.rankdata(method="min")``: ties share the best rank (1, 1, 3);
a missing figure (NaN) is not ranked.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from scipy.stats import rankdata

CN_DIGITS = "零一二三四五六七八九"


def ranks(values: Sequence[float | None], *, higher_is_better: bool = True) -> list[int | None]:
    """Competition ranks of ``values`` (best 1, ties share the best rank, None unranked)."""
    x = np.array([np.nan if v is None else float(v) for v in values], dtype=float)
    out: list[int | None] = [None] * len(x)
    present = ~np.isnan(x)
    if not present.any():
        return out
    key = -x[present] if higher_is_better else x[present]
    r = rankdata(key, method="min").astype(int)
    for index, rank in zip(np.flatnonzero(present), r, strict=True):
        out[int(index)] = int(rank)
    return out


def rank_matrix(matrix: np.ndarray, higher_is_better: Sequence[bool]) -> np.ndarray:
    """Column-wise competition ranks of an areas × indicators matrix (0 where NaN)."""
    if matrix.size == 0:
        return np.zeros(matrix.shape, dtype=int)
    sign = np.where(np.asarray(higher_is_better, dtype=bool), -1.0, 1.0)
    key = matrix * sign
    filled = np.where(np.isnan(key), np.inf, key)
    r = rankdata(filled, method="min", axis=0).astype(int)
    return np.where(np.isnan(matrix), 0, r)


def standard_scores(matrix: np.ndarray, higher_is_better: Sequence[bool]) -> np.ndarray:
    """50 + 10·z per column (population standard deviation; z = 0 when all are equal).

    A lower-is-better indicator's z is negated, so a higher score is always better.
    NaN stays NaN.
    """
    if matrix.size == 0:
        return matrix.copy()
    sign = np.where(np.asarray(higher_is_better, dtype=bool), 1.0, -1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        count = np.sum(~np.isnan(matrix), axis=0)
        mean = np.where(count > 0, np.nansum(matrix, axis=0) / np.maximum(count, 1), np.nan)
        dev = matrix - mean
        std = np.sqrt(np.nansum(dev**2, axis=0) / np.maximum(count, 1))
        z = np.where(std > 0, dev / np.where(std > 0, std, 1.0), 0.0)
    z = np.where(np.isnan(matrix), np.nan, z) * sign
    return 50.0 + 10.0 * z


def composite_scores(scores: np.ndarray, weights: Sequence[float]) -> np.ndarray:
    """Weighted mean of each row's standard scores over the indicators it has (NaN if none)."""
    w = np.asarray(weights, dtype=float)
    if scores.size == 0:
        return np.full(scores.shape[0], np.nan)
    present = ~np.isnan(scores)
    total = np.sum(np.where(present, w, 0.0), axis=1)
    weighted = np.sum(np.where(present, scores * w, 0.0), axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, weighted / np.where(total > 0, total, 1.0), np.nan)


def two_year_average(growth: float | None, last_year_growth: float | None) -> float | None:
    """Two-year average growth (%): √((1+g)(1+g₋₁)) − 1, for a year after an abnormal base."""
    if growth is None or last_year_growth is None:
        return None
    product = (1 + growth / 100) * (1 + last_year_growth / 100)
    if product < 0:
        return None
    return round((product**0.5 - 1) * 100, 1)


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 23 → 二十三 (ranks in report sentences)."""
    if n < 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else CN_DIGITS[tens]
    return f"{head}十{CN_DIGITS[ones] if ones else ''}" if n < 100 else str(n)


# -- period labels ----------------------------------------------------------------------------

_SHEET_RE = re.compile(r"^\s*(\d{4})\s*年\s*(?:(1)\s*[-－—–~至]\s*)?(\d{1,2})\s*月(?:份)?\s*$")
_ISO_RE = re.compile(r"^\s*(\d{4})-(\d{2})\s*$")


def parse_sheet_period(name: str) -> tuple[int, int, bool] | None:
    """``"2023年1-11月"`` → (2023, 11, True); ``"2023年11月"`` / ``"2023-11"`` → (2023, 11, False).

    The flag says the label spells a cumulative range ("1-N月"). None when not a month.
    """
    match = _SHEET_RE.match(name or "")
    if match:
        year, start, month = int(match.group(1)), match.group(2), int(match.group(3))
        if start and month < 2:
            return None
        return (year, month, bool(start)) if 1 <= month <= 12 else None
    match = _ISO_RE.match(name or "")
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        return (year, month, False) if 1 <= month <= 12 else None
    return None


def cumulative_label(period: str, *, with_year: bool = True) -> str:
    """``"2023-11"`` → ``"2023年1-11月"``; ``"2023-01"`` → ``"2023年1月"``."""
    year, month = int(period[:4]), int(period[5:7])
    months = "1月" if month == 1 else f"1-{month}月"
    return f"{year}年{months}" if with_year else months


def shift_months(period: str, months: int) -> str:
    year, month = int(period[:4]), int(period[5:7])
    index = year * 12 + (month - 1) + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"
