"""Retries and dead letters, the same for every event bus: a handler that keeps failing
sends its message to `<topic>.dlq` with the reason and the attempt count in headers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from flowauto.ports.event_bus import BusMessage, MessageHandler

log = logging.getLogger(__name__)

DEAD_LETTER_SUFFIX = ".dlq"
ERROR_HEADER = "x-flowauto-error"
ATTEMPTS_HEADER = "x-flowauto-attempts"


def dead_letter(message: BusMessage, error: Exception, attempts: int) -> BusMessage:
    """The message as it goes to `<topic>.dlq`: same key, value and headers, plus the reason
    and how often the handler was tried."""
    headers = dict(message.headers)
    headers[ERROR_HEADER] = f"{type(error).__name__}: {error}"
    headers[ATTEMPTS_HEADER] = str(attempts)
    return BusMessage(
        topic=message.topic + DEAD_LETTER_SUFFIX,
        value=message.value,
        key=message.key,
        headers=headers,
    )


def retry_delay_s(backoff_ms: int, failed_attempts: int) -> float:
    """Doubles the pause after each failed attempt: 1x, 2x, 4x the configured backoff."""
    return backoff_ms * (1 << max(failed_attempts - 1, 0)) / 1000


async def handle_with_retries(
    message: BusMessage,
    handler: MessageHandler,
    *,
    max_attempts: int,
    retry_backoff_ms: int,
    send_to_dlq: Callable[[BusMessage], Awaitable[None]],
) -> None:
    """Runs `handler` until it returns, at most `max_attempts` times with a growing pause in
    between; then hands the dead letter to `send_to_dlq`. Either way the message is consumed
    when this returns; a cancellation leaves it unconsumed."""
    for attempt in range(1, max_attempts + 1):
        try:
            await handler(message)
            return
        except Exception as error:
            log.warning("handler failed on %s (attempt %d): %s", message.topic, attempt, error)
            if attempt == max_attempts:
                await send_to_dlq(dead_letter(message, error, attempt))
                return
            await asyncio.sleep(retry_delay_s(retry_backoff_ms, attempt))
