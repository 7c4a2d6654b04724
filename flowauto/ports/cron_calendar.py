"""When cron schedules fire."""

from __future__ import annotations

from typing import Protocol

from flowauto.domain.cron_schedule import CronSpec


class CronCalendar(Protocol):
    def next_after(self, spec: CronSpec, after_ms: int) -> int | None:
        """The first fire time strictly after `after_ms` (Unix ms), or None if there is none."""
        ...
