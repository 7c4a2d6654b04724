"""Three replicas sharing MariaDB, Redis and Kafka behave as one server."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import httpx

from tests.e2e.replicas import create_dag, hit, replicas, start_replica, statuses
from tests.e2e.server_process import stop
from tests.engine import step
from tests.local_http import local_http_server

EVERY_SECOND = {
    "id": "1",
    "operator": "@trigger/cron/expr",
    "parameters": {"expression": "* * * * * *"},
}


def test_a_one_second_cron_fires_one_run_per_tick_on_three_replicas(
    tmp_path: Path, kafka_bootstrap: str
) -> None:
    with replicas(tmp_path, 3, kafka_bootstrap) as (_, _, servers):
        dag_id = create_dag(
            servers[0], "every second", step("2", "@internal/time/now"), trigger=EVERY_SECOND
        )
        time.sleep(20)
        httpx.put(f"{servers[1].api}/dags/{dag_id}", json={"status": "stopped"})
        time.sleep(2)
        listed = httpx.get(f"{servers[2].api}/dags/{dag_id}/instances?limit=1000").json()
        ticks = []
        for run in listed["instances"]:
            tasks = httpx.get(f"{servers[2].api}/instances/{run['id']}/tasks").json()["tasks"]
            ticks.append(next(t for t in tasks if t["step_id"] == "1")["outputs"]["scheduled_ms"])
    seconds = sorted(tick // 1000 for tick in ticks)
    assert len(seconds) == len(set(seconds)), "a tick started two runs"
    assert seconds == list(range(seconds[0], seconds[-1] + 1)), "a tick was missed"
    assert len(seconds) >= 18
    print(f"\ncron: {len(seconds)} ticks over ~20 s on 3 replicas, one run each")


def test_a_killed_replica_s_runs_finish_elsewhere_within_the_lease(
    tmp_path: Path, kafka_bootstrap: str
) -> None:
    with local_http_server() as counter, replicas(tmp_path, 3, kafka_bootstrap) as (_, _, servers):
        dag_id = create_dag(servers[0], "chain", hit(counter, "2", 300), hit(counter, "3", 300),
                            hit(counter, "4", 300))  # fmt: skip
        run_ids = []
        with httpx.Client(timeout=30) as client:
            for server in itertools.islice(itertools.cycle(servers), 60):
                run_ids.append(client.post(f"{server.api}/dags/{dag_id}/run", json={}).json()["id"])
        time.sleep(0.5)
        servers[1].process.kill()
        servers[1].process.wait()
        killed_at = time.monotonic()
        found = statuses(servers[0], run_ids, timeout_s=60)
        done_s = time.monotonic() - killed_at
    assert set(found.values()) == {"success"}
    paths = {f"/hit/{run_id}/{s}" for run_id in run_ids for s in ("2", "3", "4")}
    assert all(counter.calls[path] >= 1 for path in paths), "a step was lost"
    repeated = [path for path in paths if counter.calls[path] > 1]
    takeover = max((counter.last_call_at[p] - killed_at for p in repeated), default=0.0)
    assert takeover <= 10, f"the killed replica's steps ran elsewhere only after {takeover:.1f} s"
    print(
        f"\nkill -9 of 1 of 3 replicas: 60 runs, {len(repeated)} steps repeated, "
        f"takeover {takeover:.1f} s, all done {done_s:.1f} s after the kill"
    )


def test_a_rolling_restart_of_all_replicas_loses_nothing(
    tmp_path: Path, kafka_bootstrap: str
) -> None:
    with (
        local_http_server() as counter,
        replicas(tmp_path, 3, kafka_bootstrap) as (stack, url, servers),
    ):
        dag_id = create_dag(servers[0], "chain", hit(counter, "2", 200), hit(counter, "3", 200))
        run_ids: list[str] = []
        with httpx.Client(timeout=30) as client:
            for index in range(3):
                for _ in range(15):
                    target = servers[(index + 1) % 3]
                    run_ids.append(
                        client.post(f"{target.api}/dags/{dag_id}/run", json={}).json()["id"]
                    )
                assert stop(servers[index]) == 0
                servers[index] = start_replica(stack, tmp_path, url, index, kafka_bootstrap)
        found = statuses(servers[0], run_ids, timeout_s=60)
    assert set(found.values()) == {"success"}
    paths = {f"/hit/{run_id}/{s}" for run_id in run_ids for s in ("2", "3")}
    assert all(counter.calls[path] >= 1 for path in paths), "a step was lost"
    repeated = sum(counter.calls[path] > 1 for path in paths)
    print(f"\nrolling restart of 3 replicas: {len(run_ids)} runs succeeded, {repeated} repeated")
