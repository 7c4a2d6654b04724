"""The real clock."""

from __future__ import annotations

import time

from flowauto.ports.clock import Clock


class SystemClock(Clock):
    def now(self) -> int:
        return int(time.time())

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000
