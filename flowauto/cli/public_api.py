"""The public API routes the client commands use (SPEC section 4), typed for their callers."""

from __future__ import annotations

from collections.abc import Generator, Mapping
from typing import Any

from flowauto.cli.client import ApiClient, ServerRefusedError
from flowauto.cli.server_sent_event import ServerSentEvent, parse_events


class PublicApi:
    def __init__(self, client: ApiClient) -> None:
        self._client = client

    def create_dag(self, document: Mapping[str, Any]) -> str:
        return _id_of(self._client.post("/dags", document))

    def update_dag(self, dag_id: str, document: Mapping[str, Any]) -> None:
        self._client.put(f"/dags/{dag_id}", document)

    def get_dag(self, dag_id: str) -> dict[str, Any]:
        return _object(self._client.get(f"/dags/{dag_id}"))

    def start_run(self, dag_id: str, data: Mapping[str, Any], variables: Mapping[str, Any]) -> str:
        return _id_of(self._client.post(f"/dags/{dag_id}/run", {"data": data, "vars": variables}))

    def get_run(self, run_id: str) -> dict[str, Any]:
        return _object(self._client.get(f"/instances/{run_id}"))

    def run_events(self, run_id: str, after_seq: int) -> Generator[ServerSentEvent, None, None]:
        """The run's events after `after_seq`, live; the stream ends after the terminal run
        event (or when the connection does)."""
        headers = {"Accept": "text/event-stream"}
        if after_seq:
            headers["Last-Event-ID"] = str(after_seq)
        yield from parse_events(self._client.stream_lines(f"/instances/{run_id}/events", headers))


def _object(answer: Any) -> dict[str, Any]:
    if not isinstance(answer, dict):
        raise ServerRefusedError("the server answered something other than a JSON object")
    return answer


def _id_of(answer: Any) -> str:
    identifier = _object(answer).get("id")
    if not isinstance(identifier, str):
        raise ServerRefusedError("the server's answer carries no id")
    return identifier
