"""Things that happened to work orders (past tense), published after commit."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class WorkOrderChanged:
    """An order changed; ``recipients`` are told (the first-contact owner always is)."""

    order_id: int
    change: str
    recipients: tuple[int, ...]
    text: str


@dataclass(frozen=True, slots=True)
class WorkOrderEscalated:
    order_id: int
    level: str
    recipients: tuple[int, ...]
    text: str
