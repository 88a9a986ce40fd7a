"""MinHash fingerprints of appeal texts, banded for locality-sensitive lookup.

Each text becomes a set of character bigrams; 24 MinHash values are grouped into 12
bands of 2. Two texts share at least one band key with probability 1-(1-J²)¹² for
Jaccard similarity J (J=0.45 → 0.94, J=0.3 → 0.68, J=0.05 → 0.03), so candidates
among millions of tickets come from an indexed equality lookup ranked by the number
of shared keys, and only the best few are scored exactly. A thirteenth key is the
normalised title, which catches re-submissions with a new text.
"""

from __future__ import annotations

import hashlib
import re
import zlib

import numpy as np

BANDS, ROWS = 12, 2
_PRIME = (1 << 61) - 1
_rng = np.random.default_rng(20250301)
_A = _rng.integers(1, _PRIME, size=BANDS * ROWS, dtype=np.uint64)
_B = _rng.integers(0, _PRIME, size=BANDS * ROWS, dtype=np.uint64)
_CLEAN = re.compile(r"[\s\W_]+", re.UNICODE)
TITLE_BAND = BANDS  # band number of the title key
CANDIDATES = 50  # candidates sharing most keys that are scored exactly
PER_KEY = 50  # newest tickets a look-up reads per key: bounds it in a mass event


def clean(text: str) -> str:
    return _CLEAN.sub("", text or "").lower()


def shingles(text: str, n: int = 2) -> set[str]:
    t = clean(text)
    if len(t) <= n:
        return {t} if t else set()
    return {t[i : i + n] for i in range(len(t) - n + 1)}


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _signed64(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def band_keys(title: str, content: str) -> list[tuple[int, int]]:
    """(band, key) pairs for a ticket; keys fit a signed 64-bit column."""
    grams = shingles(f"{title} {content}")
    keys: list[tuple[int, int]] = []
    if grams:
        hashes = np.fromiter(
            (zlib.crc32(g.encode()) for g in grams), dtype=np.uint64, count=len(grams)
        )
        with np.errstate(over="ignore"):
            mins = ((np.outer(hashes, _A) + _B) % np.uint64(_PRIME)).min(axis=0)
        for band in range(BANDS):
            chunk = mins[band * ROWS : (band + 1) * ROWS].tobytes()
            digest = hashlib.blake2b(bytes([band]) + chunk, digest_size=8).digest()
            keys.append((band, _signed64(int.from_bytes(digest, "big"))))
    title_clean = clean(title)
    if len(title_clean) >= 4:
        digest = hashlib.blake2b(b"t" + title_clean.encode(), digest_size=8).digest()
        keys.append((TITLE_BAND, _signed64(int.from_bytes(digest, "big"))))
    return keys
