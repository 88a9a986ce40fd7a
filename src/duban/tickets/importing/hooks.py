"""Observers of a history import: apps above the ticket engine that must hear which months
gained tickets (the metrics rollup marks them stale). Registered explicitly from an
``AppConfig.ready`` — not a signal — and called inside the import's transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from duban.core.periods import Period

Hook = Callable[..., None]  # hook(*, periods: list[Period], now: datetime) -> None

_observers: list[Hook] = []


def observe(hook: Hook) -> None:
    if hook not in _observers:
        _observers.append(hook)


def unobserve(hook: Hook) -> None:
    if hook in _observers:
        _observers.remove(hook)


def notify(*, periods: Iterable[Period], now: datetime) -> None:
    months = sorted(set(periods), key=lambda p: p.label)
    for hook in list(_observers):
        hook(periods=months, now=now)
