"""The keys an event's payload must carry: those its type's payload function gives.

Every event type has one function in :mod:`duban.tickets.events.payloads` that builds its
payload (``transition()`` adds ``set``, the replayed fields the write changed; the SLA
scan's ``breach`` has none). The keys do not depend on the values, except where a flag
chooses the payload's shape (a call-back that did not reach the caller carries no
rating). So each function is called once per type and shape, with the stored payload's
flags and a stand-in for every other argument it requires, and the keys it returns are
what every stored payload of that type and shape must have.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

from duban.tickets.events import VOCABULARY, EventType

# Serves as any argument: a unit or user (pk, name, str), a moment (isoformat), an id.
_STAND_IN = SimpleNamespace(pk=0, name="", isoformat=lambda: "")
# Events written outside ``transition()`` (the SLA scan) carry no ``set``.
WITHOUT_SET = frozenset({EventType.BREACH.value})


class PayloadKeys:
    """``keys(type, payload)``: the keys (without ``set``) the type's payload function gives
    for a payload of that shape; None for a type outside the vocabulary."""

    def __init__(self) -> None:
        self._flags: dict[str, tuple[tuple[str, ...], tuple[str, ...]] | None] = {}
        self._keys: dict[tuple[str, tuple[bool, ...]], frozenset[str]] = {}

    def _params(self, type: str) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
        """The function's flag parameters (``bool``) and its other required parameters."""
        if type not in self._flags:
            try:
                function = VOCABULARY[EventType(type)].payload
            except ValueError:
                self._flags[type] = None
                return None
            params = inspect.signature(function).parameters.values()
            flags = tuple(p.name for p in params if "bool" in str(p.annotation))
            required = tuple(p.name for p in params if p.default is p.empty and p.name not in flags)
            self._flags[type] = (flags, required)
        return self._flags[type]

    def __call__(self, type: str, payload: Mapping[str, Any]) -> frozenset[str] | None:
        params = self._params(type)
        if params is None:
            return None
        flags, required = params
        shape = tuple(bool(payload.get(name)) for name in flags)
        key = (type, shape)
        if key not in self._keys:
            function = VOCABULARY[EventType(type)].payload
            args: dict[str, Any] = dict.fromkeys(required, _STAND_IN)
            args.update(zip(flags, shape, strict=True))
            self._keys[key] = frozenset(function(**args))
        return self._keys[key]


def payload_problem(keys: PayloadKeys, type: str, payload: Mapping[str, Any]) -> str | None:
    """What is wrong with a stored payload's keys (None: nothing, or an unknown type)."""
    expected = keys(type, payload)
    if expected is None:
        return None
    has = set(payload) - {"set"}
    if has != expected:
        missing, extra = sorted(expected - has), sorted(has - expected)
        return f"payload keys: missing {missing}, not the payload function's {extra}"
    if ("set" in payload) == (type in WITHOUT_SET):
        return "a breach carries no set" if type in WITHOUT_SET else "no set (replayed fields)"
    return None
