"""Following a run to its end over its event stream, resuming where a broken stream stopped."""

from __future__ import annotations

import time
from contextlib import closing
from typing import Protocol

from flowauto.cli.client import ServerUnreachableError
from flowauto.cli.public_api import PublicApi
from flowauto.cli.run_progress import Change, RunProgress

RECONNECTS = 4
"""Reconnections in a row that may bring no new event before following gives up."""
RECONNECT_PAUSE_S = 0.5
"""The pause before the first of them; each further one doubles it (0.5, 1, 2, 4 s)."""


class RunView(Protocol):
    def show(self, change: Change) -> None: ...


def follow_run(
    api: PublicApi, progress: RunProgress, view: RunView, *, pause_s: float = RECONNECT_PAUSE_S
) -> None:
    """Shows every change of the run until it ends. A stream that breaks or ends early (a
    server restarting) is reopened with Last-Event-ID, so nothing is missed or shown twice;
    ServerUnreachableError after RECONNECTS tries without a new event."""
    failures = 0
    while True:
        seen = progress.last_seq
        problem = _follow_once(api, progress, view)
        if progress.ended:
            return
        failures = 0 if progress.last_seq > seen else failures + 1
        if failures > RECONNECTS:
            raise ServerUnreachableError(
                f"lost the events of run {progress.run_id} ({problem}); the run continues on "
                f"the server"
            )
        time.sleep(pause_s * 2 ** max(failures - 1, 0))


def _follow_once(api: PublicApi, progress: RunProgress, view: RunView) -> str:
    """Follows over one connection; returns why it stopped before the run ended."""
    try:
        with closing(api.run_events(progress.run_id, progress.last_seq)) as events:
            for event in events:
                change = progress.apply(event)
                if change is not None:
                    view.show(change)
                if progress.ended:
                    return ""
        settled = progress.settle(api.get_run(progress.run_id))
        if settled is not None:
            view.show(settled)
        return "the event stream ended before the run did"
    except ServerUnreachableError as error:
        return str(error)
