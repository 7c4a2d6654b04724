"""Per-user rate limit: past the budget, 429 with Retry-After; others are not affected."""

from __future__ import annotations

import pytest

from flowauto.bootstrap import build_in_memory
from flowauto.domain.errors import RateLimitedError
from flowauto.domain.rate_limit import RateLimiter
from flowauto.driven_adapters.in_memory.request_budget import InProcessRequestBudget
from tests.http_client import API, TokenAuthenticator, as_user, public_client


def test_a_bucket_refills_over_time() -> None:
    limiter = RateLimiter(per_minute=60, burst=2)
    limiter.take("u", 0)
    limiter.take("u", 0)
    with pytest.raises(RateLimitedError) as refused:
        limiter.take("u", 0)
    assert refused.value.retry_after_s == 1
    limiter.take("u", 1000)  # one second later: one more request
    limiter.take("other", 0)


async def test_past_its_budget_a_user_gets_429_with_retry_after() -> None:
    services = build_in_memory(
        authenticator=TokenAuthenticator(),
        rate_limiter=InProcessRequestBudget(per_minute=6, burst=3),
    )
    async with public_client(services) as client:
        answers = [(await client.get(f"{API}/dags", headers=as_user("ann"))).status_code
                   for _ in range(4)]  # fmt: skip
        limited = await client.get(f"{API}/dags", headers=as_user("ann"))
        other = await client.get(f"{API}/dags", headers=as_user("bob"))
    assert answers == [200, 200, 200, 429]
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) >= 1
    assert limited.json()["code"] == "ratelimit.TooManyRequests"
    assert other.status_code == 200
