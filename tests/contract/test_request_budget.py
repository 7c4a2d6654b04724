"""The RequestBudget contract, in this process and on Redis (shared by replicas)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest

from flowauto.domain.errors import RateLimitedError
from flowauto.driven_adapters.in_memory.request_budget import InProcessRequestBudget
from flowauto.driven_adapters.redis.lock_manager import create_redis_client
from flowauto.driven_adapters.redis.request_budget import RedisRequestBudget
from flowauto.ports.request_budget import RequestBudget
from tests.services import free_port

NOW_MS = 1_700_000_000_000
PER_MINUTE, BURST = 60, 3


@pytest.fixture(params=["memory", "redis"])
async def budget(request: pytest.FixtureRequest) -> AsyncIterator[RequestBudget]:
    if request.param == "memory":
        yield InProcessRequestBudget(PER_MINUTE, BURST)
        return
    client = create_redis_client(request.getfixturevalue("redis_url"))
    prefix = f"flowauto_test:{uuid.uuid4().hex[:12]}:budget:"
    try:
        yield RedisRequestBudget(client, PER_MINUTE, BURST, key_prefix=prefix)
    finally:
        await client.aclose()


async def test_a_burst_is_allowed_then_refused_with_when_to_retry(budget: RequestBudget) -> None:
    for _ in range(BURST):
        await budget.take("ann", NOW_MS)
    with pytest.raises(RateLimitedError) as refused:
        await budget.take("ann", NOW_MS)
    assert refused.value.retry_after_s == 1
    await budget.take("bob", NOW_MS)


async def test_the_budget_refills_with_time(budget: RequestBudget) -> None:
    for _ in range(BURST):
        await budget.take("ann", NOW_MS)
    await budget.take("ann", NOW_MS + 1000)  # 60 a minute: one more each second
    with pytest.raises(RateLimitedError):
        await budget.take("ann", NOW_MS + 1000)
    for _ in range(BURST):  # never more than the burst, however long the pause
        await budget.take("ann", NOW_MS + 3_600_000)
    with pytest.raises(RateLimitedError):
        await budget.take("ann", NOW_MS + 3_600_000)


async def test_concurrent_requests_never_spend_more_than_the_burst(
    budget: RequestBudget,
) -> None:
    async def attempt() -> bool:
        try:
            await budget.take("ann", NOW_MS)
        except RateLimitedError:
            return False
        return True

    granted = await asyncio.gather(*(attempt() for _ in range(20)))
    assert sum(granted) == BURST


async def test_redis_down_lets_requests_through() -> None:
    client = create_redis_client(f"redis://127.0.0.1:{free_port()}/0")
    try:
        budget = RedisRequestBudget(client, 1, 1)
        for _ in range(3):
            await budget.take("ann", NOW_MS)
    finally:
        await client.aclose()
