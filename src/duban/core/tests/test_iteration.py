"""``batched``: Python 3.12's ``itertools.batched`` on 3.11."""

from __future__ import annotations

import pytest

from duban.core.iteration import batched


def test_batches_keep_the_order_and_the_last_one_is_shorter():
    assert list(batched(range(7), 3)) == [(0, 1, 2), (3, 4, 5), (6,)]


def test_nothing_gives_no_batch():
    assert list(batched([], 3)) == []


def test_a_batch_holds_at_least_one_item():
    with pytest.raises(ValueError):
        list(batched([1], 0))
