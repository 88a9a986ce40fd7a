"""The dispatch app's answers to the ticket engine's intelligence port (pure reads).

Installed by ``DispatchConfig.ready()``; see ``duban.tickets.intelligence``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from duban.tickets.intelligence import Analysis
from duban.tickets.models import Ticket

from .fingerprint import band_keys
from .intake import (
    duplicate_candidates,
    knowledge_suggestions,
    preselected,
    repeat_caller,
    unit_suggestions,
)
from .replycheck import check_reply
from .selectors import dispatch_settings


class DispatchIntelligence:
    def fingerprint(self, *, title: str, content: str) -> list[int]:
        return [key for _, key in band_keys(title, content)]

    def analyse(self, *, ticket: Ticket, keys: list[int], now: datetime) -> Analysis:
        cfg = dispatch_settings()
        phone = ticket.caller.phone if ticket.caller is not None else ""
        suggestions: dict[str, Any] = {
            "units": unit_suggestions(ticket),
            "duplicates": duplicate_candidates(ticket, keys=keys, cfg=cfg, now=now, phone=phone),
            "repeat_caller": repeat_caller(ticket, now=now),
            "knowledge": knowledge_suggestions(ticket, now=now),
        }
        top = suggestions["units"][0] if suggestions["units"] else None
        auto = (
            cfg.auto_dispatch
            and top is not None
            and top.get("unit_id") is not None
            and (top.get("confidence") or 0.0) >= cfg.auto_threshold
        )
        return Analysis(suggestions=suggestions, auto_unit_id=top["unit_id"] if auto else None)

    def preselected_unit(self, *, suggestions: dict[str, Any]) -> int | None:
        threshold = dispatch_settings().preselect_threshold
        top = preselected(list(suggestions.get("units") or []), threshold=threshold)
        return int(top["unit_id"]) if top else None

    def check_reply(self, *, ticket: Ticket, text: str, result: str) -> dict[str, Any]:
        score = check_reply(f"{ticket.title}。{ticket.content}", text)
        return {
            "score": round(score.score, 3),
            "weak": score.weak,
            "reasons": score.reasons,
            "relevance": round(score.relevance, 3),
            "completeness": round(score.completeness, 3),
            "boilerplate": round(score.boilerplate, 3),
        }
