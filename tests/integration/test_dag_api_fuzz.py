"""Property test: whatever a client sends to the DAG routes, the answer is never a 500."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient

from flowauto.bootstrap import build_in_memory
from flowauto.driver_adapters.http.public.app import create_public_app
from tests.documents import dag_document
from tests.http_client import API, MAX_BODY

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
step_like = st.fixed_dictionaries(
    {
        "id": st.text(max_size=3) | st.integers(),
        "operator": st.sampled_from(
            [
                "@trigger/manual",
                "@internal/text/join",
                "@control/flow/branches",
                "@control/flow/loop",
                "@internal/cmp/number-gt",
                "@trigger/cron",
                "x",
            ]
        )
        | json_values,
    },
    optional={
        "parameters": json_values,
        "steps": st.lists(json_values, max_size=2),
        "branches": json_values,
        "dataSource": json_values,
        "retry": json_values,
        "timeout_ms": json_values,
        "on_error": json_values,
        "title": json_values,
    },
)
documents = st.fixed_dictionaries(
    {
        "title": st.text(max_size=140) | json_values,
        "steps": st.lists(step_like, max_size=4) | json_values,
    },
    optional={
        "description": json_values,
        "status": json_values,
        "type": json_values,
        "vars": json_values,
        "accessors": json_values,
        "emails": json_values,
        "published": json_values,
        "version": st.from_regex(r"v\d\.\d\.\d", fullmatch=True) | json_values,
        "change_log": json_values,
        "unknown": json_values,
    },
)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def make_client() -> TestClient:  # type: ignore[type-arg]
    return TestClient(app=create_public_app(build_in_memory(), max_body_bytes=MAX_BODY))


def assert_client_error(response: Any) -> None:
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert set(response.json()) == {"code", "message", "detail"}


def test_create_never_answers_500() -> None:
    with make_client() as client:

        @FUZZ
        @given(body=documents | json_values)
        def check(body: Any) -> None:
            assert_client_error(client.post(f"{API}/dags", json=body))

        check()


def test_update_never_answers_500() -> None:
    with make_client() as client:
        dag_id = client.post(f"{API}/dags", json=dag_document()).json()["id"]

        @FUZZ
        @given(body=documents | json_values)
        def check(body: Any) -> None:
            assert_client_error(client.put(f"{API}/dags/{dag_id}", json=body))

        check()


def test_batch_routes_never_answer_500() -> None:
    with make_client() as client:

        @FUZZ
        @given(body=json_values, method=st.sampled_from(["POST", "DELETE"]))
        def check(body: Any, method: str) -> None:
            path = "/batch" if method == "POST" else ""
            assert_client_error(client.request(method, f"{API}/dags{path}", json=body))

        check()


query_params = st.dictionaries(
    st.sampled_from(
        ["page", "limit", "sortby", "order", "keyword", "type", "trigger_type", "status"]
    ),
    st.text(max_size=12),
)
path_segments = st.text(
    st.characters(min_codepoint=33, exclude_characters="/?#%\x7f", exclude_categories=["Cc", "Cs"]),
    min_size=1,
    max_size=30,
).filter(lambda s: s not in {".", ".."})


def test_list_never_answers_500() -> None:
    with make_client() as client:

        @FUZZ
        @given(params=query_params)
        def check(params: dict[str, str]) -> None:
            assert_client_error(client.get(f"{API}/dags", params=params))

        check()


def test_id_routes_never_answer_500() -> None:
    with make_client() as client:

        @FUZZ
        @given(segment=path_segments)
        def check(segment: str) -> None:
            for path in (
                f"/dags/{segment}",
                f"/dags/{segment}/versions",
                f"/dags/suggest-name/{segment}",
                f"/dags/{segment}/versions/next",
            ):
                assert_client_error(client.get(f"{API}{path}"))

        check()
