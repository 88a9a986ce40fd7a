"""API schemas of the org tree."""

from __future__ import annotations

from typing import Any

from ninja import Schema


class UnitOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    parent: str | None
    depth: int
    place_names: list[str]
    aliases: list[str]

    @staticmethod
    def resolve_parent(obj: Any) -> str | None:
        return obj.parent.code if obj.parent_id else None
