"""The maintenance switch: while on, public writes answer 503 with the operator's message.

Every replica reads the switch from the store, at most once a second (so a flip reaches all
replicas within about a second, without a read per request)."""

from __future__ import annotations

from flowauto.domain.errors import MaintenanceOnError
from flowauto.domain.switch import MAINTENANCE, Switch
from flowauto.ports.clock import Clock
from flowauto.ports.switch_repository import SwitchRepository

CACHE_MS = 1_000


class MaintenanceService:
    def __init__(self, *, repository: SwitchRepository, clock: Clock) -> None:
        self._repository = repository
        self._clock = clock
        self._cached: Switch | None = None
        self._cached_until_ms = 0

    async def status(self) -> Switch:
        now_ms = self._clock.now_ms()
        if self._cached is None or now_ms >= self._cached_until_ms:
            self._cached = await self._repository.get(MAINTENANCE) or Switch(name=MAINTENANCE)
            self._cached_until_ms = now_ms + CACHE_MS
        return self._cached

    async def set(self, user_id: str, on: bool, message: str) -> Switch:
        switch = Switch(name=MAINTENANCE, on=on, message=message,
                        updated_at=self._clock.now(), updated_by=user_id)  # fmt: skip
        await self._repository.put(switch)
        self._cached, self._cached_until_ms = switch, self._clock.now_ms() + CACHE_MS
        return switch

    async def check_write(self) -> None:
        """Raises MaintenanceOnError (503) while the switch is on."""
        switch = await self.status()
        if switch.on:
            raise MaintenanceOnError(switch.message)
