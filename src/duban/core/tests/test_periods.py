from datetime import datetime

import pytest

from duban.core.errors import InvalidInput
from duban.core.periods import PERIOD_TZ, months_back, parse_period, period_containing


def test_period_is_a_local_calendar_month() -> None:
    period = parse_period("2025-03")
    assert period.label == "2025-03"
    assert period.start == datetime(2025, 3, 1, tzinfo=PERIOD_TZ)
    assert period.end == datetime(2025, 4, 1, tzinfo=PERIOD_TZ)
    assert period.start.utcoffset() is not None
    # Shanghai midnight is 16:00 UTC the day before.
    assert period.start.isoformat() == "2025-03-01T00:00:00+08:00"


def test_december_ends_in_january_and_previous_wraps() -> None:
    assert parse_period("2024-12").end == datetime(2025, 1, 1, tzinfo=PERIOD_TZ)
    assert parse_period("2025-01").previous.label == "2024-12"
    assert parse_period("2024-12").next.label == "2025-01"


def test_period_containing_uses_shanghai_time() -> None:
    from datetime import UTC

    # 2025-03-31 20:00 UTC is already 1 April in Shanghai.
    assert period_containing(datetime(2025, 3, 31, 20, 0, tzinfo=UTC)).label == "2025-04"


def test_months_back_ends_with_the_current_month_across_a_new_year() -> None:
    now = datetime(2025, 2, 10, 9, tzinfo=PERIOD_TZ)
    assert [p.label for p in months_back(now, 3)] == ["2024-12", "2025-01", "2025-02"]
    assert [p.label for p in months_back(now, 1)] == ["2025-02"]


@pytest.mark.parametrize("bad", ["2025-13", "2025-00", "2025-3", "25-03", "abc", "", "2025-03-01"])
def test_bad_periods_raise_invalid_input(bad: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_period(bad)
    assert info.value.code == "invalid_input"
    assert "YYYY-MM" in info.value.message or "month" in info.value.message
    assert "统计周期" in info.value.message
