"""Request budgets shared by every replica: one Redis hash per caller holding its bucket
(tokens and when they were counted), refilled and spent in one script so concurrent
requests on different replicas cannot both spend the last token.

Redis unreachable: the request goes through (logged once). The limit protects the service
from one greedy caller; refusing everyone while Redis is down would hurt more."""

from __future__ import annotations

import logging
import math

from redis.asyncio import Redis
from redis.commands.core import AsyncScript
from redis.exceptions import RedisError

from flowauto.domain.errors import RateLimitedError
from flowauto.ports.request_budget import RequestBudget

log = logging.getLogger(__name__)
DEFAULT_KEY_PREFIX = "flowauto:budget:"

# Returns -1 when a token was spent, else the milliseconds until one will be there.
_TAKE = """
local burst = tonumber(ARGV[1])
local per_ms = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(bucket[1]) or burst
local at = tonumber(bucket[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * per_ms)
local spent = tokens >= 1
if spent then tokens = tokens - 1 end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / per_ms) + 1000)
if spent then return -1 end
return math.ceil((1 - tokens) / per_ms)
"""


class RedisRequestBudget(RequestBudget):
    def __init__(
        self, client: Redis, per_minute: int, burst: int, key_prefix: str = DEFAULT_KEY_PREFIX
    ) -> None:
        self._per_ms = per_minute / 60_000
        self._burst = burst
        self._prefix = key_prefix
        self._take: AsyncScript = client.register_script(_TAKE)
        self._failing = False

    async def take(self, key: str, now_ms: int) -> None:
        try:
            wait_ms = int(
                await self._take(
                    keys=[self._prefix + key], args=[self._burst, repr(self._per_ms), now_ms]
                )
            )
        except (RedisError, OSError) as error:
            if not self._failing:
                log.warning("rate limit store unavailable, not limiting: %s", error)
            self._failing = True
            return
        self._failing = False
        if wait_ms >= 0:
            raise RateLimitedError(max(1, math.ceil(wait_ms / 1000)))
