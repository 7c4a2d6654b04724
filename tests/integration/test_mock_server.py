"""The Hydra stand-in over real HTTP: what flowauto's Hydra adapter and its tests rely on."""

from __future__ import annotations

import secrets
import time
import uuid
from typing import Any

import httpx
import pytest

from tests.backends.hydra import MockHydra, running_mock_hydra

CLIENT_ID = "flowauto-test"
CLIENT_SECRET = "flowauto-test-secret"


def fresh_sub() -> str:
    """The mock is shared by the session; a subject of its own keeps each test independent."""
    return f"user-{uuid.uuid4().hex[:12]}"


def client_credentials_token(
    url: str, client_id: str = CLIENT_ID, client_secret: str = CLIENT_SECRET
) -> httpx.Response:
    return httpx.post(
        f"{url}/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=(client_id, client_secret),
    )


def introspect(url: str, token: str) -> dict[str, Any]:
    response = httpx.post(f"{url}/admin/oauth2/introspect", data={"token": token})
    assert response.status_code == 200, response.text
    claims: dict[str, Any] = response.json()
    return claims


def test_client_credentials_token_introspects_as_the_app_account(mock_hydra: MockHydra) -> None:
    response = client_credentials_token(mock_hydra.url)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] > 0
    claims = introspect(mock_hydra.url, body["access_token"])
    assert claims["active"] is True
    assert claims["sub"] == claims["client_id"] == CLIENT_ID
    assert claims["token_type"] == "Bearer"
    assert claims["exp"] - claims["iat"] == body["expires_in"]


def test_client_secret_post_is_accepted_and_the_scope_echoed(mock_hydra: MockHydra) -> None:
    response = httpx.post(
        f"{mock_hydra.url}/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "scope": "dags runs",
        },
    )

    assert response.status_code == 200, response.text
    assert response.json()["scope"] == "dags runs"
    assert introspect(mock_hydra.url, response.json()["access_token"])["scope"] == "dags runs"


@pytest.mark.parametrize(
    ("client_id", "client_secret"),
    [(CLIENT_ID, "wrong-secret"), ("no-such-client", CLIENT_SECRET)],
)
def test_bad_client_credentials_answer_401_invalid_client(
    mock_hydra: MockHydra, client_id: str, client_secret: str
) -> None:
    response = client_credentials_token(mock_hydra.url, client_id, client_secret)

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_grant_types_other_than_client_credentials_are_refused(mock_hydra: MockHydra) -> None:
    response = httpx.post(
        f"{mock_hydra.url}/oauth2/token",
        data={"grant_type": "password", "username": "ann", "password": "x"},
        auth=(CLIENT_ID, CLIENT_SECRET),
    )

    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"
    assert "grant_type" in response.json()["error_description"]


def test_minted_token_answers_like_a_token_endpoint_and_introspects_with_its_ext(
    mock_hydra: MockHydra,
) -> None:
    sub = fresh_sub()
    ext = {"name": "Ann", "roles": ["admin"], "departments": ["d1"], "groups": ["g1"]}

    response = httpx.post(f"{mock_hydra.url}/mock/tokens", json={"sub": sub, "ext": ext})

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    claims = introspect(mock_hydra.url, body["access_token"])
    assert claims["active"] is True
    assert claims["sub"] == sub
    assert claims["client_id"] != sub
    assert claims["ext"] == ext


def test_minted_tokens_are_random(mock_hydra: MockHydra) -> None:
    sub = fresh_sub()

    assert mock_hydra.mint(sub) != mock_hydra.mint(sub)


@pytest.mark.parametrize("ttl", [0, -60])
def test_a_token_minted_without_time_left_is_inactive(mock_hydra: MockHydra, ttl: int) -> None:
    token = mock_hydra.mint(fresh_sub(), ttl=ttl)

    assert introspect(mock_hydra.url, token) == {"active": False}


def test_a_token_stops_being_active_at_its_exp(mock_hydra: MockHydra) -> None:
    # Two seconds: `exp` is a whole second, so a one-second token may be gone at once.
    token = mock_hydra.mint(fresh_sub(), ttl=2)
    claims = introspect(mock_hydra.url, token)
    assert claims["active"] is True

    time.sleep(max(claims["exp"] - time.time(), 0) + 0.1)

    assert introspect(mock_hydra.url, token) == {"active": False}


def test_unknown_and_forged_tokens_are_inactive(mock_hydra: MockHydra) -> None:
    real = mock_hydra.mint(fresh_sub())
    forged = real[:-1] + ("A" if real[-1] != "A" else "B")

    for token in (secrets.token_urlsafe(32), forged, "not a token"):
        assert introspect(mock_hydra.url, token) == {"active": False}


def test_introspection_needs_no_client_authentication(mock_hydra: MockHydra) -> None:
    token = mock_hydra.mint(fresh_sub())

    response = httpx.post(f"{mock_hydra.url}/admin/oauth2/introspect", data={"token": token})

    assert response.status_code == 200
    assert response.json()["active"] is True


def test_introspection_without_a_token_answers_400_naming_the_field(
    mock_hydra: MockHydra,
) -> None:
    response = httpx.post(f"{mock_hydra.url}/admin/oauth2/introspect", data={})

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert "'token'" in response.json()["error_description"]


def test_stats_count_every_introspection(mock_hydra: MockHydra) -> None:
    token = mock_hydra.mint(fresh_sub())
    before = mock_hydra.introspections()

    introspect(mock_hydra.url, token)
    introspect(mock_hydra.url, "unknown")

    assert mock_hydra.introspections() == before + 2


def test_minting_records_the_user_in_the_directory(mock_hydra: MockHydra) -> None:
    sub = fresh_sub()
    mock_hydra.mint(sub, ext={"name": "Ann", "departments": ["d1"], "groups": ["g1", "g2"]})

    response = httpx.get(f"{mock_hydra.url}/users/{sub}")

    assert response.status_code == 200
    assert response.json() == {
        "id": sub,
        "name": "Ann",
        "departments": ["d1"],
        "groups": ["g1", "g2"],
    }


def test_seeded_users_are_served_and_keep_what_a_later_token_leaves_out(
    mock_hydra: MockHydra,
) -> None:
    user_id = fresh_sub()
    seeded = httpx.put(
        f"{mock_hydra.url}/mock/users/{user_id}",
        json={"name": "Bob", "departments": ["d2"], "groups": ["g3"]},
    )
    assert seeded.status_code == 200, seeded.text

    mock_hydra.mint(user_id, ext={"roles": ["admin"]})

    assert httpx.get(f"{mock_hydra.url}/users/{user_id}").json() == {
        "id": user_id,
        "name": "Bob",
        "departments": ["d2"],
        "groups": ["g3"],
    }


def test_an_unknown_user_is_404(mock_hydra: MockHydra) -> None:
    response = httpx.get(f"{mock_hydra.url}/users/{fresh_sub()}")

    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"ext": {}}, "sub"),
        ({"sub": ""}, "sub"),
        ({"sub": "ann", "ttl": "soon"}, "ttl"),
        ({"sub": "ann", "ext": ["admin"]}, "ext"),
        ({"sub": "ann", "ext": {"roles": "admin"}}, "ext.roles"),
        ({"sub": "ann", "ext": {"name": 7}}, "ext.name"),
        ({"sub": "ann", "tll": 60}, "tll"),
    ],
)
def test_bad_mint_requests_answer_400_naming_the_field(
    mock_hydra: MockHydra, body: dict[str, Any], field: str
) -> None:
    response = httpx.post(f"{mock_hydra.url}/mock/tokens", json=body)

    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_request"
    assert field in response.json()["error_description"]


def test_a_mint_request_that_is_not_json_answers_400(mock_hydra: MockHydra) -> None:
    response = httpx.post(f"{mock_hydra.url}/mock/tokens", content=b"sub=ann")

    assert response.status_code == 400
    assert "JSON" in response.json()["error_description"]


@pytest.mark.parametrize(
    ("body", "field"),
    [({"departments": []}, "name"), ({"name": "Bob", "groups": "g1"}, "groups")],
)
def test_bad_user_seeds_answer_400_naming_the_field(
    mock_hydra: MockHydra, body: dict[str, Any], field: str
) -> None:
    response = httpx.put(f"{mock_hydra.url}/mock/users/{fresh_sub()}", json=body)

    assert response.status_code == 400, response.text
    assert field in response.json()["error_description"]


def test_clients_come_from_flags_or_else_the_environment() -> None:
    with running_mock_hydra(
        "--client",
        "svc-a:secret-a",
        "--client",
        "svc-b:se:cret",
        env={"MOCK_SERVER_CLIENTS": "x:y"},
    ) as mock:
        assert client_credentials_token(mock.url, "svc-a", "secret-a").status_code == 200
        assert client_credentials_token(mock.url, "svc-b", "se:cret").status_code == 200
        assert client_credentials_token(mock.url, "x", "y").status_code == 401
        assert client_credentials_token(mock.url).status_code == 401

    with running_mock_hydra(env={"MOCK_SERVER_CLIENTS": "svc-c:secret-c, svc-d:secret-d"}) as mock:
        assert client_credentials_token(mock.url, "svc-d", "secret-d").status_code == 200
        assert client_credentials_token(mock.url).status_code == 401


def test_reset_forgets_tokens_and_counters_and_no_token_is_logged() -> None:
    # A server of its own: resetting the shared one would pull tokens from under other tests.
    with running_mock_hydra() as mock:
        minted = mock.mint(fresh_sub())
        issued = client_credentials_token(mock.url).json()["access_token"]
        introspect(mock.url, minted)

        assert httpx.post(f"{mock.url}/mock/reset").status_code == 200

        assert mock.introspections() == 0
        assert introspect(mock.url, minted) == {"active": False}
        assert introspect(mock.url, issued) == {"active": False}
        log = mock.log_text()
        assert "/mock/reset" in log
        assert minted not in log
        assert issued not in log
