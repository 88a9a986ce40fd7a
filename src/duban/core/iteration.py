"""``itertools.batched`` of Python 3.12, for Python 3.11."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TypeVar

T = TypeVar("T")


def batched(items: Iterable[T], n: int) -> Iterator[tuple[T, ...]]:
    """Tuples of ``n`` items from ``items`` in order, the last one shorter."""
    if n < 1:
        raise ValueError("n must be at least one")
    it = iter(items)
    while batch := tuple(islice(it, n)):
        yield batch
