"""Never lose a run: kill -9 mid-way and SIGTERM drains, on the real server process."""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.server_process import RunningServer, running_server, stop
from tests.engine import manual, step
from tests.local_http import LocalHttp, local_http_server

STEP_MS = 300


def env_for(worker: str) -> dict[str, str]:
    return {
        "FLOWAUTO_HTTP__ALLOW_HOSTS": "127.0.0.1",
        "FLOWAUTO_ENGINE__WORKER": worker,
        "FLOWAUTO_ENGINE__LEASE_MS": "3000",
    }


def hit(counter: LocalHttp, step_id: str, sleep_ms: int = STEP_MS) -> dict[str, Any]:
    url = f"{counter.url}/hit/{{{{__run.id}}}}/{step_id}?sleep_ms={sleep_ms}"
    return step(step_id, "@internal/http/request", method="GET", url=url)


def create(server: RunningServer, title: str, *steps: dict[str, Any]) -> str:
    body = {"title": title, "steps": [manual(), *steps]}
    response = httpx.post(f"{server.api}/dags", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def start_runs(server: RunningServer, dag_id: str, count: int) -> list[str]:
    with httpx.Client() as client:
        return [client.post(f"{server.api}/dags/{dag_id}/run", json={}).json()["id"]
                for _ in range(count)]  # fmt: skip


def wait_all(server: RunningServer, run_ids: Iterable[str], timeout_s: float) -> dict[str, str]:
    pending, statuses = set(run_ids), {}
    deadline = time.monotonic() + timeout_s
    with httpx.Client() as client:
        while pending and time.monotonic() < deadline:
            for run_id in list(pending):
                run = client.get(f"{server.api}/instances/{run_id}").json()
                if run["status"] in ("success", "failed", "canceled"):
                    statuses[run_id] = run["status"]
                    pending.discard(run_id)
            time.sleep(0.05)
    assert not pending, f"{len(pending)} runs did not finish"
    return statuses


def approve_all(server: RunningServer, run_ids: list[str], timeout_s: float = 30) -> None:
    pending = set(run_ids)
    deadline = time.monotonic() + timeout_s
    with httpx.Client() as client:
        while pending and time.monotonic() < deadline:
            for run_id in list(pending):
                tasks = client.get(f"{server.api}/instances/{run_id}/tasks?status=blocked").json()
                for task in tasks["tasks"]:
                    client.post(
                        f"{server.api}/tasks/{task['id']}/continue", json={"result": "pass"}
                    )
                    pending.discard(run_id)
            time.sleep(0.05)
    assert not pending, f"{len(pending)} approvals never showed up"


def expected_paths(runs: dict[str, list[str]]) -> set[str]:
    return {f"/hit/{run_id}/{step_id}" for run_id, steps in runs.items() for step_id in steps}


def test_kill_9_loses_no_run_and_repeats_only_steps_in_flight(tmp_path: Path) -> None:
    with local_http_server() as counter:
        env = env_for("durability-kill")
        with running_server(tmp_path, env) as server:
            chain = create(server, "chain", hit(counter, "2"), hit(counter, "3"), hit(counter, "4"))
            wait = create(server, "wait", step("2", "@internal/wait", duration_ms=1000),
                          hit(counter, "3"))  # fmt: skip
            approval = create(server, "approval", hit(counter, "2"),
                              step("3", "@workflow/approval", title="ok?", contents=[]),
                              hit(counter, "4"))  # fmt: skip
            approvals = start_runs(server, approval, 10)
            runs = {run_id: ["3"] for run_id in start_runs(server, wait, 10)}
            runs |= {run_id: ["2", "3", "4"] for run_id in start_runs(server, chain, 30)}
            runs |= {run_id: ["2", "4"] for run_id in approvals}
            # Kill with the chains mid-way: some steps done, some in flight, some not started.
            chain_calls = 30 * 3
            deadline = time.monotonic() + 30
            while sum(counter.calls.values()) < chain_calls // 2 and time.monotonic() < deadline:
                time.sleep(0.005)
            server.process.kill()
            server.process.wait()
            in_flight = sum(counter.calls.values()) - sum(counter.finished.values())
        calls_before = sum(counter.calls.values())
        # Calls of the killed process may still be landing; none of the new one has come yet.
        restarting_at = time.monotonic()
        with running_server(tmp_path, env) as server:
            restarted_at = time.monotonic()
            approve_all(server, approvals)
            statuses = wait_all(server, runs, timeout_s=60)
            all_done_s = time.monotonic() - restarted_at
            assert stop(server) == 0

    assert set(statuses.values()) == {"success"}
    paths = expected_paths(runs)
    assert {path for path in paths if counter.calls[path] == 0} == set(), "a step was lost"
    repeated = {path for path in paths if counter.calls[path] > 1}
    # A repeated step must have been in flight at the kill: the killed process made its first
    # call.
    assert all(counter.first_call_at[path] < restarting_at for path in repeated)
    assert max(counter.calls[path] for path in paths) <= 2
    print(
        f"\nkill -9: runs={len(runs)} http steps={len(paths)} calls before kill={calls_before}"
        f" in flight at kill={in_flight} repeated={len(repeated)}"
        f" restart->all done={all_done_s:.2f}s"
    )


def test_sigterm_lets_running_steps_finish_and_nothing_runs_twice(tmp_path: Path) -> None:
    with local_http_server() as counter:
        env = env_for("durability-term")
        with running_server(tmp_path, env) as server:
            chain = create(server, "chain", hit(counter, "2", 400), hit(counter, "3", 400))
            runs = {run_id: ["2", "3"] for run_id in start_runs(server, chain, 10)}
            time.sleep(0.2)
            in_flight = sum(counter.calls.values())
            assert stop(server) == 0
        assert in_flight > 0
        finished_at_stop = sum(counter.finished.values())
        with running_server(tmp_path, env) as server:
            statuses = wait_all(server, runs, timeout_s=60)

    assert set(statuses.values()) == {"success"}
    paths = expected_paths(runs)
    assert all(counter.calls[path] == 1 for path in paths), "a drained step ran twice"
    assert finished_at_stop >= in_flight
