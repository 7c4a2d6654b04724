"""Following a run's event stream, and the client's errors, without a server: the HTTP
exchanges are played by httpx.MockTransport."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from rich.console import Console

from flowauto.cli.client import (
    ApiClient,
    ServerRefusedError,
    ServerUnreachableError,
    TokenRefusedError,
)
from flowauto.cli.command_error import ExitCode
from flowauto.cli.public_api import PublicApi
from flowauto.cli.run_follow import follow_run
from flowauto.cli.run_progress import Change, RunProgress
from flowauto.cli.run_view import LiveRunView, PlainRunView
from flowauto.cli.server_options import ServerConnection
from flowauto.cli.server_sent_event import ServerSentEvent, parse_events

SERVER = ServerConnection(url="http://flowauto.test", token="t0k", biz_domain="sales")
Handler = Callable[[httpx.Request], httpx.Response]


def event(seq: int, kind: str, **data: Any) -> str:
    return f"id: {seq}\nevent: {kind}\ndata: {json.dumps({**data, 'at_ms': 1000 + seq})}\n\n"


EVENTS = [
    event(1, "run.status", status="running", reason=""),
    event(2, "task.status", step_id="1", key="1", status="success", attempt=1, reason=""),
    event(3, "task.status", step_id="2", key="2", status="running", attempt=1, reason=""),
    event(4, "task.log", step_id="2", key="2", message="calling the CRM"),
    event(5, "task.status", step_id="2", key="2", status="success", attempt=1, reason=""),
    event(6, "run.status", status="success", reason=""),
]


class BreakingStream(httpx.SyncByteStream):
    """Sends some events, then the connection breaks (a server restarting)."""

    def __init__(self, sent: list[str]) -> None:
        self._sent = sent

    def __iter__(self) -> Iterator[bytes]:
        for text in self._sent:
            yield text.encode()
        raise httpx.ReadError("connection reset by peer")


def api_with(handler: Handler) -> PublicApi:
    return PublicApi(ApiClient(SERVER, transport=httpx.MockTransport(handler)))


class Recorder:
    def __init__(self) -> None:
        self.changes: list[Change] = []

    def show(self, change: Change) -> None:
        self.changes.append(change)


def test_a_broken_stream_is_resumed_from_the_last_event_seen() -> None:
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        if len(requests) == 1:
            return httpx.Response(200, stream=BreakingStream(EVENTS[:3]))
        return httpx.Response(200, text="".join(EVENTS[3:]))

    progress = RunProgress(run_id="7", titles={"1": "start", "2": "lookup"})
    follow_run(api_with(handler), progress, Recorder(), pause_s=0)

    assert [r.headers.get("Last-Event-ID") for r in requests] == [None, "3"]
    assert progress.status == "success"
    assert [(s.key, s.title, s.status) for s in progress.steps.values()] == [
        ("1", "start", "success"),
        ("2", "lookup", "success"),
    ]
    assert progress.steps["2"].duration_ms == 2


def test_a_stream_that_ends_early_takes_the_end_from_the_run_record() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/events"):
            return httpx.Response(200, text="".join(EVENTS[:2]))
        return httpx.Response(200, json={"id": "7", "status": "canceled", "reason": "by Ann"})

    progress = RunProgress(run_id="7")
    follow_run(api_with(handler), progress, Recorder(), pause_s=0)

    assert (progress.status, progress.reason) == ("canceled", "by Ann")


def test_following_gives_up_after_tries_that_bring_nothing_new() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused")

    with pytest.raises(ServerUnreachableError, match=r"lost the events of run 7 \(cannot reach"):
        follow_run(api_with(handler), RunProgress(run_id="7"), Recorder(), pause_s=0)


def test_requests_carry_the_token_and_the_business_domain() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json={"id": "42"})

    assert api_with(handler).start_run("9", {"name": "Ann"}, {}) == "42"
    assert seen[0].url == "http://flowauto.test/api/automation/v1/dags/9/run"
    assert seen[0].headers["Authorization"] == "Bearer t0k"
    assert seen[0].headers["X-Business-Domain"] == "sales"
    assert json.loads(seen[0].content) == {"data": {"name": "Ann"}, "vars": {}}


def test_a_refused_token_says_how_to_give_one() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        body = {"code": "unauthenticated.TokenInactive", "message": "the token is not active"}
        return httpx.Response(401, json=body)

    with pytest.raises(TokenRefusedError) as error:
        api_with(handler).get_dag("9")

    assert str(error.value) == (
        "the server refused the token: the token is not active "
        "(HTTP 401 unauthenticated.TokenInactive); pass --token or set FLOWAUTO_TOKEN"
    )
    assert error.value.exit_code is ExitCode.UNAUTHENTICATED


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (
            httpx.Response(
                500,
                json={
                    "code": "internal.Unexpected",
                    "message": "oops",
                    "detail": {"correlation_id": "c0ffee"},
                },
            ),
            "oops (HTTP 500 internal.Unexpected, correlation id c0ffee)",
        ),
        (
            httpx.Response(502, text="<html><b>Bad   gateway</b></html>"),
            "<html><b>Bad gateway</b></html> (HTTP 502)",
        ),
        (httpx.Response(200, text="hello"), "answered HTTP 200 with something other than JSON"),
    ],
)
def test_an_error_that_is_not_a_flowauto_answer_is_still_one_line(
    response: httpx.Response, message: str
) -> None:
    with pytest.raises(ServerRefusedError, match=message.replace("(", r"\(").replace(")", r"\)")):
        api_with(lambda _: response).get_dag("9")


def test_event_stream_parsing_skips_comments_and_joins_data_lines() -> None:
    lines = [": keep-alive", "", "id: 5", "event: run.status", "data: {", "data: }", "", "x: y"]

    assert list(parse_events(lines)) == [ServerSentEvent(event="run.status", data="{\n}", id="5")]


def apply_all(progress: RunProgress, view: Any) -> None:
    for item in parse_events("".join(EVENTS).splitlines()):
        change = progress.apply(item)
        if change is not None:
            view.show(change)


def test_the_plain_view_prints_one_line_per_change() -> None:
    out = io.StringIO()
    progress = RunProgress(run_id="7", titles={"1": "start", "2": "lookup"})
    apply_all(progress, PlainRunView(progress, out))

    assert out.getvalue().splitlines() == [
        "run 7: running",
        'step 1 "start": success',
        'step 2 "lookup": running',
        'step 2 "lookup" log: calling the CRM',
        'step 2 "lookup": success in 2 ms',
        "run 7: success in 5 ms",
    ]


def test_the_live_view_draws_a_table_of_the_steps_on_a_terminal() -> None:
    console = Console(file=io.StringIO(), force_terminal=True, width=100, color_system=None)
    progress = RunProgress(run_id="7", titles={"1": "start", "2": "lookup"})
    with LiveRunView(progress, console) as view:
        apply_all(progress, view)

    drawn = console.file.getvalue()  # type: ignore[attr-defined]
    assert "run 7 success 5 ms" in drawn
    assert "calling the CRM" in drawn
    assert "│ ✓ │ 2    │ lookup │ success │ 2 ms │" in drawn
