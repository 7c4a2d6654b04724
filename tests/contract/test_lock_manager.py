"""The lock manager contract, on the in-memory fake and on Redis.

TTL cases run on the real clock with short TTLs so both backends expire the same way;
the whole file stays around a second or two."""

from __future__ import annotations

import asyncio

import pytest

from flowauto.domain.errors import StoreUnavailableError
from flowauto.driven_adapters.in_memory.lock_manager import InMemoryLockManager
from flowauto.driven_adapters.redis.lock_manager import RedisLockManager, create_redis_client
from flowauto.ports.lock_manager import HeldLock, LockManager
from tests.services import free_port

LONG_TTL_MS = 10_000
SHORT_TTL_MS = 200
# Past a SHORT_TTL_MS lock's end with room for a loaded machine, yet well short of two TTLs.
PAST_SHORT_TTL_S = 0.3

LOCK_BACKENDS = ["memory", "redis"]


@pytest.fixture(params=LOCK_BACKENDS)
def lock_manager(request: pytest.FixtureRequest) -> LockManager:
    # Sync on purpose: pytest-asyncio sets up the backends' async fixtures from here.
    if request.param == "memory":
        return InMemoryLockManager()
    manager: LockManager = request.getfixturevalue(f"{request.param}_lock_manager")
    return manager


async def test_acquire_takes_a_free_lock(lock_manager: LockManager) -> None:
    lock = await lock_manager.acquire("sweeper", LONG_TTL_MS)
    assert isinstance(lock, HeldLock)
    assert lock.name == "sweeper"
    assert lock.token


async def test_acquire_while_held_returns_none(lock_manager: LockManager) -> None:
    assert await lock_manager.acquire("sweeper", LONG_TTL_MS) is not None
    assert await lock_manager.acquire("sweeper", LONG_TTL_MS) is None


async def test_locks_with_different_names_are_independent(lock_manager: LockManager) -> None:
    first = await lock_manager.acquire("a", LONG_TTL_MS)
    second = await lock_manager.acquire("b", LONG_TTL_MS)
    assert first is not None
    assert second is not None
    assert first.token != second.token


async def test_release_with_the_token_frees_the_lock(lock_manager: LockManager) -> None:
    lock = await lock_manager.acquire("sweeper", LONG_TTL_MS)
    assert lock is not None
    assert await lock_manager.release(lock) is True
    assert await lock_manager.acquire("sweeper", LONG_TTL_MS) is not None


async def test_release_twice_returns_false(lock_manager: LockManager) -> None:
    lock = await lock_manager.acquire("sweeper", LONG_TTL_MS)
    assert lock is not None
    assert await lock_manager.release(lock) is True
    assert await lock_manager.release(lock) is False


async def test_release_with_a_wrong_token_keeps_the_lock(lock_manager: LockManager) -> None:
    lock = await lock_manager.acquire("sweeper", LONG_TTL_MS)
    assert lock is not None
    assert await lock_manager.release(HeldLock(name="sweeper", token="not-the-token")) is False
    assert await lock_manager.acquire("sweeper", LONG_TTL_MS) is None
    assert await lock_manager.release(lock) is True


async def test_release_of_a_lock_never_taken_returns_false(lock_manager: LockManager) -> None:
    assert await lock_manager.release(HeldLock(name="nobody", token="t")) is False


async def test_renew_with_a_wrong_token_returns_false(lock_manager: LockManager) -> None:
    assert await lock_manager.acquire("sweeper", LONG_TTL_MS) is not None
    assert await lock_manager.renew(HeldLock(name="sweeper", token="nope"), LONG_TTL_MS) is False


async def test_renew_holds_the_lock_past_its_first_ttl(lock_manager: LockManager) -> None:
    lock = await lock_manager.acquire("sweeper", SHORT_TTL_MS)
    assert lock is not None
    await asyncio.sleep(0.1)
    # A longer renewal leaves a wide margin on both sides of the check below.
    assert await lock_manager.renew(lock, 2 * SHORT_TTL_MS) is True
    await asyncio.sleep(0.15)
    # 250 ms in: the first TTL is over, the renewed one (until about 500 ms) is not.
    assert await lock_manager.acquire("sweeper", SHORT_TTL_MS) is None
    assert await lock_manager.release(lock) is True


async def test_renew_after_expiry_returns_false(lock_manager: LockManager) -> None:
    lock = await lock_manager.acquire("sweeper", SHORT_TTL_MS)
    assert lock is not None
    await asyncio.sleep(PAST_SHORT_TTL_S)
    assert await lock_manager.renew(lock, SHORT_TTL_MS) is False


async def test_expired_lock_goes_to_the_next_holder(lock_manager: LockManager) -> None:
    stale = await lock_manager.acquire("sweeper", SHORT_TTL_MS)
    assert stale is not None
    await asyncio.sleep(PAST_SHORT_TTL_S)
    fresh = await lock_manager.acquire("sweeper", LONG_TTL_MS)
    assert fresh is not None
    assert fresh.token != stale.token
    # The old holder wakes up late: it must not free, nor extend, the new holder's lock.
    assert await lock_manager.release(stale) is False
    assert await lock_manager.renew(stale, LONG_TTL_MS) is False
    assert await lock_manager.acquire("sweeper", LONG_TTL_MS) is None
    assert await lock_manager.release(fresh) is True


async def test_concurrent_acquires_have_exactly_one_winner(lock_manager: LockManager) -> None:
    results = await asyncio.gather(
        *(lock_manager.acquire("sweeper", LONG_TTL_MS) for _ in range(20))
    )
    winners = [lock for lock in results if lock is not None]
    assert len(winners) == 1


@pytest.mark.parametrize("ttl_ms", [0, -1])
async def test_non_positive_ttl_is_rejected(lock_manager: LockManager, ttl_ms: int) -> None:
    with pytest.raises(ValueError, match="ttl_ms"):
        await lock_manager.acquire("sweeper", ttl_ms)
    lock = await lock_manager.acquire("sweeper", LONG_TTL_MS)
    assert lock is not None
    with pytest.raises(ValueError, match="ttl_ms"):
        await lock_manager.renew(lock, ttl_ms)


# Backend specifics below: the fake's injectable clock, and Redis's error translation.


async def test_memory_locks_expire_on_the_injected_clock() -> None:
    now = [1_000]
    manager = InMemoryLockManager(now_ms=lambda: now[0])
    lock = await manager.acquire("sweeper", 100)
    assert lock is not None
    now[0] += 99
    assert await manager.acquire("sweeper", 100) is None
    now[0] += 1
    assert await manager.renew(lock, 100) is False
    assert await manager.acquire("sweeper", 100) is not None


async def test_unreachable_redis_raises_store_unavailable() -> None:
    # Nothing listens on a fresh free port, so the connection is refused at once.
    client = create_redis_client(f"redis://127.0.0.1:{free_port()}/0")
    manager = RedisLockManager(client)
    try:
        with pytest.raises(StoreUnavailableError):
            await manager.acquire("sweeper", LONG_TTL_MS)
        with pytest.raises(StoreUnavailableError):
            await manager.release(HeldLock(name="sweeper", token="t"))
    finally:
        await client.aclose()
