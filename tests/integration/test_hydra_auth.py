"""Auth mode `hydra` against the Hydra stand-in (mock_server): claims become identities,
answers are cached no longer than the token lives, and Hydra down is a 503, never a pass."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from flowauto.domain.errors import (
    IdentityProviderUnavailableError,
    UnauthenticatedError,
)
from flowauto.driven_adapters.hydra.authenticator import HydraAuthenticator
from flowauto.driven_adapters.in_memory.token_cache import InMemoryTokenCache
from flowauto.driven_adapters.redis.lock_manager import create_redis_client
from flowauto.driven_adapters.redis.token_cache import RedisTokenCache
from flowauto.driven_adapters.system_clock import SystemClock
from flowauto.ports.token_cache import TokenCache
from tests.backends.hydra import MockHydra
from tests.services import free_port

EXT = {"name": "Ann", "roles": ["admin"], "departments": ["d1"], "groups": ["g1", "g2"]}


def hydra(url: str, cache: TokenCache | None = None) -> HydraAuthenticator:
    clock = SystemClock()
    return HydraAuthenticator(admin_url=url, cache=cache or InMemoryTokenCache(clock), clock=clock)


@pytest.fixture
async def authenticator(mock_hydra: MockHydra) -> AsyncIterator[HydraAuthenticator]:
    auth = hydra(mock_hydra.url)
    yield auth
    await auth.close()


def subject() -> str:
    return f"user-{uuid.uuid4().hex[:8]}"


async def test_claims_become_the_callers_identity(
    authenticator: HydraAuthenticator, mock_hydra: MockHydra
) -> None:
    user = subject()
    token = mock_hydra.mint(user, EXT)
    identity = await authenticator.authenticate(f"Bearer {token}", "sales")
    assert identity.user_id == user
    assert identity.name == "Ann"
    assert identity.is_admin
    assert identity.departments == frozenset({"d1"})
    assert identity.groups == frozenset({"g1", "g2"})
    assert identity.biz_domain == "sales"
    assert not identity.is_app


async def test_an_app_account_is_its_client(
    authenticator: HydraAuthenticator, mock_hydra: MockHydra
) -> None:
    async with httpx.AsyncClient() as http:
        answer = await http.post(
            f"{mock_hydra.url}/oauth2/token",
            data={"grant_type": "client_credentials"},
            auth=("flowauto-test", "flowauto-test-secret"),
        )
    token = answer.json()["access_token"]
    identity = await authenticator.authenticate(f"bearer {token}", "default")
    assert identity.user_id == "flowauto-test"
    assert identity.is_app
    assert not identity.is_admin


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer    ", "Basic dXNlcjpwdw==", "Bearer forged-token-123"],
)
async def test_missing_malformed_and_forged_credentials_are_refused(
    authenticator: HydraAuthenticator, authorization: str | None
) -> None:
    with pytest.raises(UnauthenticatedError):
        await authenticator.authenticate(authorization, "default")


async def test_an_expired_token_is_refused(
    authenticator: HydraAuthenticator, mock_hydra: MockHydra
) -> None:
    token = mock_hydra.mint(subject(), ttl=0)
    with pytest.raises(UnauthenticatedError, match="not active"):
        await authenticator.authenticate(f"Bearer {token}", "default")


async def test_answers_are_cached_but_not_past_the_tokens_expiry(
    authenticator: HydraAuthenticator, mock_hydra: MockHydra
) -> None:
    token = mock_hydra.mint(subject(), EXT, ttl=2)
    before = mock_hydra.introspections()
    for _ in range(5):
        await authenticator.authenticate(f"Bearer {token}", "default")
    assert mock_hydra.introspections() == before + 1
    await asyncio.sleep(2.2)
    with pytest.raises(UnauthenticatedError):
        await authenticator.authenticate(f"Bearer {token}", "default")


async def test_forged_tokens_are_cached_as_inactive_for_a_moment(
    authenticator: HydraAuthenticator, mock_hydra: MockHydra
) -> None:
    before = mock_hydra.introspections()
    for _ in range(3):
        with pytest.raises(UnauthenticatedError):
            await authenticator.authenticate("Bearer same-forged-token", "default")
    assert mock_hydra.introspections() == before + 1


async def test_replicas_share_answers_through_redis(mock_hydra: MockHydra, redis_url: str) -> None:
    client = create_redis_client(redis_url)
    prefix = f"flowauto_test:{uuid.uuid4().hex[:12]}:token:"
    first = hydra(mock_hydra.url, RedisTokenCache(client, key_prefix=prefix))
    second = hydra(mock_hydra.url, RedisTokenCache(client, key_prefix=prefix))
    try:
        token = mock_hydra.mint(subject(), EXT)
        before = mock_hydra.introspections()
        one = await first.authenticate(f"Bearer {token}", "default")
        other = await second.authenticate(f"Bearer {token}", "default")
        assert one == other
        assert mock_hydra.introspections() == before + 1
    finally:
        await first.close()
        await second.close()
        await client.aclose()


async def test_a_redis_outage_costs_introspections_not_logins(mock_hydra: MockHydra) -> None:
    client = create_redis_client(f"redis://127.0.0.1:{free_port()}/0")
    auth = hydra(mock_hydra.url, RedisTokenCache(client))
    try:
        token = mock_hydra.mint(subject(), EXT)
        assert (await auth.authenticate(f"Bearer {token}", "default")).name == "Ann"
    finally:
        await auth.close()
        await client.aclose()


async def test_hydra_unreachable_is_unavailable_never_open() -> None:
    auth = hydra(f"http://127.0.0.1:{free_port()}")
    try:
        with pytest.raises(IdentityProviderUnavailableError) as refused:
            await auth.authenticate("Bearer any-token", "default")
        assert "Hydra" in refused.value.message
    finally:
        await auth.close()
