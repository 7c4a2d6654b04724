"""Named locks on Redis, shared by every replica: one key per lock, its value the
holder's token, its TTL the lock's lifetime."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.asyncio import Redis
from redis.commands.core import AsyncScript
from redis.exceptions import RedisError

from flowauto.domain.errors import StoreUnavailableError
from flowauto.ports.lock_manager import HeldLock, LockManager

DEFAULT_KEY_PREFIX = "flowauto:lock:"
SOCKET_TIMEOUT_S = 2.0

# Check and change in one script: a GET then a PEXPIRE/DEL from the client could act on a
# lock that expired and was taken by another holder between the two commands.
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
"""


def create_redis_client(url: str) -> Redis:
    """Short socket timeouts turn an unreachable Redis into a quick StoreUnavailableError
    instead of a hung lock call; raw bytes because tokens are compared, never shown."""
    return Redis.from_url(
        url,
        socket_connect_timeout=SOCKET_TIMEOUT_S,
        socket_timeout=SOCKET_TIMEOUT_S,
        decode_responses=False,
    )


@asynccontextmanager
async def redis_available(store: str) -> AsyncIterator[None]:
    """Turns client failures (unreachable server, timeouts, broken sockets) into
    StoreUnavailableError naming `store`. Builtin ConnectionError and TimeoutError are
    OSErrors."""
    try:
        yield
    except (RedisError, OSError) as error:
        raise StoreUnavailableError(
            f"the Redis {store} is unavailable: {type(error).__name__}"
        ) from error


class RedisLockManager(LockManager):
    def __init__(self, client: Redis, key_prefix: str = DEFAULT_KEY_PREFIX) -> None:
        self._client = client
        self._prefix = key_prefix
        # Registered once: the client sends EVALSHA and loads the script only when missing.
        self._renew: AsyncScript = client.register_script(_RENEW)
        self._release: AsyncScript = client.register_script(_RELEASE)

    async def acquire(self, name: str, ttl_ms: int) -> HeldLock | None:
        _check_ttl(ttl_ms)
        token = secrets.token_hex(16)
        async with redis_available("lock store"):
            taken = await self._client.set(self._key(name), token, px=ttl_ms, nx=True)
        return HeldLock(name=name, token=token) if taken else None

    async def renew(self, lock: HeldLock, ttl_ms: int) -> bool:
        _check_ttl(ttl_ms)
        async with redis_available("lock store"):
            changed = await self._renew(keys=[self._key(lock.name)], args=[lock.token, ttl_ms])
        return int(changed) == 1

    async def release(self, lock: HeldLock) -> bool:
        async with redis_available("lock store"):
            deleted = await self._release(keys=[self._key(lock.name)], args=[lock.token])
        return int(deleted) == 1

    def _key(self, name: str) -> str:
        return f"{self._prefix}{name}"


def _check_ttl(ttl_ms: int) -> None:
    # Redis would answer a non-positive PX with an error that reads like an outage.
    if ttl_ms < 1:
        raise ValueError(f"ttl_ms must be positive, got {ttl_ms}")
