"""Which configured dependencies answer right now."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from flowauto.ports.health import HealthCheck


class ReadinessService:
    def __init__(self, checks: Sequence[HealthCheck], timeout_s: float = 2.0) -> None:
        self._checks = tuple(checks)
        self._timeout_s = timeout_s

    @property
    def names(self) -> list[str]:
        return [check.name for check in self._checks]

    async def down(self) -> dict[str, str]:
        """Returns the dependencies that do not answer, each with the reason."""
        results = await asyncio.gather(
            *(self._probe(check) for check in self._checks), return_exceptions=False
        )
        return {name: reason for name, reason in results if reason is not None}

    async def _probe(self, check: HealthCheck) -> tuple[str, str | None]:
        try:
            await asyncio.wait_for(check.ping(), self._timeout_s)
        except TimeoutError:
            return check.name, f"no answer within {self._timeout_s:g} s"
        except Exception as exc:  # any failure means "down"; the reason is reported
            return check.name, str(exc) or type(exc).__name__
        return check.name, None
