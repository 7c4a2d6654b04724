"""How many runs the store holds and how many wait for a worker (`GET /admin/stats`)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True, kw_only=True)
class RunStats:
    """Counts over every business domain.

    `queue_depth` counts the runs a worker could claim right now: scheduled or running ones
    nobody holds (or whose lease ran out), and blocked ones whose timer is due.
    `oldest_pending_ms` is when the oldest of them was created (Unix ms); None when none wait.
    """

    by_status: dict[str, int] = field(default_factory=dict)
    queue_depth: int = 0
    oldest_pending_ms: int | None = None

    def oldest_pending_age_ms(self, now_ms: int) -> int | None:
        """How long the oldest waiting run has existed; None when none wait."""
        if self.oldest_pending_ms is None:
            return None
        return max(0, now_ms - self.oldest_pending_ms)
