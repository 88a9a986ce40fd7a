import pytest

from duban.sla.durations import Duration, DurationSpecError, parse_duration


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("30min", Duration(30, "min")),
        ("24h", Duration(24, "h")),
        (" 2wh ", Duration(2, "wh")),
        ("10wd", Duration(10, "wd")),
    ],
)
def test_parses(spec: str, expected: Duration) -> None:
    assert parse_duration(spec) == expected
    assert str(parse_duration(spec)) == spec.strip()


@pytest.mark.parametrize("spec", ["", "2", "wd", "2 days", "-1wd", "1.5h", "10000wd", "2WD", None])
def test_rejects_with_a_clear_message(spec: str) -> None:
    with pytest.raises(DurationSpecError, match="expected 30min, 24h, 2wh or 10wd"):
        parse_duration(spec)


def test_model_validator_turns_errors_into_validation_errors() -> None:
    from django.core.exceptions import ValidationError

    from duban.sla.models import validate_duration

    validate_duration("2wd")
    with pytest.raises(ValidationError):
        validate_duration("two days")
