"""Operator switches shared by every replica (the maintenance switch)."""

from __future__ import annotations

from dataclasses import dataclass

MAINTENANCE = "maintenance"


@dataclass(frozen=True, slots=True, kw_only=True)
class Switch:
    name: str
    on: bool = False
    message: str = ""
    updated_at: int = 0
    updated_by: str = ""
