"""The indicators module's demo content (not built yet)."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def build(world: Any, *, now: datetime) -> str:
    return ""
