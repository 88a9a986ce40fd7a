"""Duration specs used by SLA rules: ``30min``, ``24h``, ``2wh``, ``10wd``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Unit = Literal["min", "h", "wh", "wd"]
_SPEC = re.compile(r"^\s*(\d{1,4})\s*(min|h|wh|wd)\s*$")


class DurationSpecError(ValueError):
    pass


@dataclass(frozen=True)
class Duration:
    amount: int
    unit: Unit

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"


def parse_duration(spec: str) -> Duration:
    match = _SPEC.match(spec or "")
    if not match:
        raise DurationSpecError(
            f"时限格式应为 30min / 24h / 2wh / 10wd，收到 {spec!r} "
            f"(expected 30min, 24h, 2wh or 10wd)"
        )
    return Duration(int(match.group(1)), match.group(2))  # type: ignore[arg-type]
