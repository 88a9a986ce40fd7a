import pytest

from duban.dispatch.evaluation import classification_report, coverage_at_precision


def test_coverage_picks_lowest_threshold_meeting_precision():
    conf = [0.99, 0.9, 0.8, 0.7, 0.6]
    correct = [True, True, True, False, True]
    cov, thr = coverage_at_precision(conf, correct, 0.95)
    assert cov == pytest.approx(0.6) and thr == 0.8
    cov, thr = coverage_at_precision(conf, correct, 0.8)
    assert cov == pytest.approx(1.0) and thr == 0.6


def test_coverage_does_not_split_ties_and_handles_no_threshold():
    cov, thr = coverage_at_precision([0.9, 0.9], [True, False], 0.95)
    assert (cov, thr) == (0.0, None)
    assert coverage_at_precision([], [], 0.9) == (0.0, None)


def test_report_fields():
    rep = classification_report(
        ["a", "a", "b", "b"], ["a", "b", "b", "b"], [0.9, 0.5, 0.8, 0.7], ["a", "b"]
    )
    assert rep["accuracy"] == 0.75
    assert rep["confusion_matrix"] == [[1, 1], [0, 2]]
    assert rep["per_class"]["a"]["recall"] == 0.5
    assert rep["macro_f1"] == pytest.approx((2 / 3 + 0.8) / 2, abs=1e-4)
    assert set(rep["coverage_at_precision"]) == {"0.95", "0.98", "0.99"}
