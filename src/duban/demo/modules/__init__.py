"""The modules' demo content (key projects, enterprise service, indicators, inspections).

Each module's builder lives in its own file here and is called after the ticket engine's
demo, in layer order (the project ledger points at the enterprise registry). A builder
takes the demo world and ``now`` and returns a one-line summary for the command's output;
it creates its rows through the module's services, from the reports' facts its issue quotes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from . import enterprises, indicators, inspections, projects

Builder = Callable[..., str]

BUILDERS: tuple[tuple[str, Builder], ...] = (
    ("indicators", indicators.build),
    ("enterprises", enterprises.build),
    ("projects", projects.build),
    ("inspections", inspections.build),
)


def build_modules(world: Any, *, now: datetime, write: Callable[[str], Any]) -> None:
    for name, build in BUILDERS:
        started = time.perf_counter()
        summary = build(world, now=now)
        if summary:
            write(f"demo: {name}: {summary} ({time.perf_counter() - started:.1f}s)")
