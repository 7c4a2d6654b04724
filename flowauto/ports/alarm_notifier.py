"""How alarms leave the server: a webhook POST or a mail."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol


class AlarmNotifier(Protocol):
    async def webhook(self, url: str, payload: Mapping[str, Any]) -> None:
        """POSTs the payload as JSON; raises AlarmNotSentError when the URL is refused (SSRF
        guard), unreachable, too slow or answers other than 2xx."""
        ...

    async def email(self, to: Sequence[str], subject: str, body: str) -> None:
        """Sends a plain-text mail; raises AlarmNotSentError when the mail server cannot be
        reached, refuses it or is too slow."""
        ...
