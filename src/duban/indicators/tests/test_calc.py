"""Ranks with ties and direction, standard scores, two-year averages, period labels."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from duban.indicators.calc import (
    cn_number,
    composite_scores,
    cumulative_label,
    parse_sheet_period,
    rank_matrix,
    ranks,
    standard_scores,
    two_year_average,
)

figures = st.lists(
    st.one_of(st.none(), st.integers(-50, 50).map(lambda x: x / 2)), min_size=0, max_size=15
)


def plain_ranks(values: list[float | None], higher: bool) -> list[int | None]:
    """The obvious definition: 1 + how many present figures are strictly better."""
    present = [v for v in values if v is not None]
    out: list[int | None] = []
    for v in values:
        if v is None:
            out.append(None)
        else:
            better = [w for w in present if (w > v if higher else w < v)]
            out.append(1 + len(better))
    return out


@given(figures, st.booleans())
def test_ranks_match_a_plain_sort(values: list[float | None], higher: bool) -> None:
    assert ranks(values, higher_is_better=higher) == plain_ranks(values, higher)


@given(st.lists(figures.filter(lambda v: len(v) == 6), min_size=1, max_size=4), st.data())
def test_the_matrix_ranks_each_column_as_the_list_does(columns, data) -> None:  # type: ignore[no-untyped-def]
    higher = [data.draw(st.booleans()) for _ in columns]
    matrix = np.array([[np.nan if v is None else v for v in col] for col in columns]).T
    got = rank_matrix(matrix, higher)
    for j, col in enumerate(columns):
        assert [int(x) or None for x in got[:, j]] == plain_ranks(col, higher[j])


def test_ties_share_the_best_rank_and_direction_is_respected() -> None:
    assert ranks([9.0, 9.0, 7.0, None]) == [1, 1, 3, None]
    assert ranks([9.0, 9.0, 7.0], higher_is_better=False) == [2, 2, 1]


def test_standard_scores_are_50_plus_10_z() -> None:
    m = np.array([[1.0], [2.0], [3.0]])  # mean 2, population sd √(2/3)
    z = (np.array([1.0, 2.0, 3.0]) - 2) / np.sqrt(2 / 3)
    assert np.allclose(standard_scores(m, [True])[:, 0], 50 + 10 * z)
    assert np.allclose(standard_scores(m, [False])[:, 0], 50 - 10 * z)
    assert np.allclose(standard_scores(np.array([[4.0], [4.0]]), [True]), 50)


def test_composite_is_the_weighted_mean_of_the_scores_it_has() -> None:
    scores = np.array([[60.0, 40.0], [50.0, np.nan], [np.nan, np.nan]])
    got = composite_scores(scores, [3.0, 1.0])
    assert got[0] == (60 * 3 + 40 * 1) / 4
    assert got[1] == 50.0
    assert np.isnan(got[2])


def test_two_year_average_growth() -> None:
    assert two_year_average(21.0, 0.0) == 10.0
    assert two_year_average(44.0, 0.0) == 20.0
    assert two_year_average(None, 5.0) is None


def test_sheet_names_and_labels() -> None:
    assert parse_sheet_period("2023年1-11月") == (2023, 11, True)
    assert parse_sheet_period("2023年1-2月") == (2023, 2, True)
    assert parse_sheet_period("2023-11") == (2023, 11, False)
    assert parse_sheet_period("2023年13月") is None
    assert parse_sheet_period("Sheet1") is None
    assert cumulative_label("2023-02") == "2023年1-2月"
    assert cumulative_label("2023-01") == "2023年1月"
    assert [cn_number(n) for n in (1, 3, 10, 12, 21)] == ["一", "三", "十", "十二", "二十一"]
