"""When to try a failed step again: exponential backoff with jitter over its upper half."""

from __future__ import annotations

from collections.abc import Callable

from flowauto.domain.dag import RetryPolicy


def retry_delay_ms(policy: RetryPolicy, attempt: int, fraction: Callable[[], float]) -> int | None:
    """Milliseconds to wait before attempt `attempt + 1`, or None when attempts are used up.

    `attempt` counts from 1; `fraction` gives a number in [0, 1) (random in production) so
    retries of many runs do not hit a recovering service in lock-step.
    """
    if attempt >= policy.max_attempts:
        return None
    ceiling: int = min(policy.max_backoff_ms, policy.backoff_ms << (attempt - 1))
    return ceiling // 2 + int(ceiling / 2 * fraction())
