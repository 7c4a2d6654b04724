"""The client commands against the real server process (embedded SQLite, auth mode none)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from flowauto.cli import main
from tests.documents import dag_document, join_step, manual_trigger, now_step
from tests.e2e.server_process import RunningServer, running_server
from tests.services import free_port

CREATED = re.compile(r"^created DAG (\d+) from ", re.MULTILINE)


@dataclass(frozen=True)
class Outcome:
    code: int
    out: str
    err: str


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(tmp_path_factory.mktemp("server")) as running:
        yield running


Flowauto = Callable[..., Outcome]


@pytest.fixture
def flowauto(server: RunningServer, capsys: pytest.CaptureFixture[str]) -> Flowauto:
    """Runs `flowauto ARGS --server <the server>` in-process."""

    def run(*args: str) -> Outcome:
        code = main([*args, "--server", server.public_url])
        captured = capsys.readouterr()
        return Outcome(code, captured.out, captured.err)

    return run


def write(path: Path, document: dict[str, Any]) -> str:
    path.write_text(json.dumps(document))
    return str(path)


def imported(flowauto: Flowauto, path: str) -> str:
    outcome = flowauto("dag", "import", path)
    assert outcome.code == 0, outcome.err
    match = CREATED.search(outcome.out)
    assert match, outcome.out
    return match[1]


def test_export_then_import_round_trips_a_dag(
    flowauto: Flowauto, server: RunningServer, tmp_path: Path
) -> None:
    steps = [manual_trigger(), now_step("2"), join_step("3", "{{__2.curtime}}", "x")]
    original = dag_document(steps=steps, vars={"region": {"desc": "r", "defaultValue": "eu"}})
    dag_id = imported(flowauto, write(tmp_path / "original.json", original))

    first = flowauto("dag", "export", dag_id, "-o", str(tmp_path / "first.json"))
    # Titles are unique per business domain: the original moves aside for its copy.
    renamed = httpx.put(f"{server.api}/dags/{dag_id}", json={"title": f"{original['title']} old"})
    assert renamed.status_code == 204
    copy_id = imported(flowauto, str(tmp_path / "first.json"))
    second = flowauto("dag", "export", copy_id)

    exported = json.loads((tmp_path / "first.json").read_text())
    assert (first.code, second.code) == (0, 0)
    assert copy_id != dag_id
    assert json.loads(second.out) == exported
    assert exported["steps"] == steps
    assert exported["title"] == original["title"]
    assert exported["vars"] == original["vars"]
    assert not {"id", "userid", "created_at", "versionId", "actions", "trigger"} & set(exported)


def test_a_file_carrying_the_id_of_a_dag_updates_that_dag(
    flowauto: Flowauto, server: RunningServer, tmp_path: Path
) -> None:
    dag_id = imported(flowauto, write(tmp_path / "dag.json", dag_document()))
    flowauto("dag", "export", dag_id, "--with-id", "-o", str(tmp_path / "with_id.json"))
    document = json.loads((tmp_path / "with_id.json").read_text())
    document["description"] = "changed by the file"

    outcome = flowauto("dag", "import", write(tmp_path / "with_id.json", document))

    assert (outcome.code, outcome.out) == (
        0,
        f"updated DAG {dag_id} from {tmp_path}/with_id.json\n",
    )
    assert httpx.get(f"{server.api}/dags/{dag_id}").json()["description"] == "changed by the file"


def test_an_invalid_import_prints_the_servers_message_and_goes_on(
    flowauto: Flowauto, tmp_path: Path
) -> None:
    bad = dag_document(steps=[manual_trigger(), {"id": "2", "operator": "@internal/nope"}])
    outcome = flowauto(
        "dag",
        "import",
        write(tmp_path / "bad.json", bad),
        write(tmp_path / "ok.json", dag_document()),
    )

    assert outcome.code == 1
    assert (
        f"{tmp_path}/bad.json: step 2: operator: unknown operator '@internal/nope' (HTTP 422"
        in outcome.err
    )
    assert CREATED.search(outcome.out)


def test_run_without_follow_prints_the_run_id(flowauto: Flowauto, tmp_path: Path) -> None:
    dag_id = imported(flowauto, write(tmp_path / "dag.json", dag_document()))

    outcome = flowauto("run", dag_id)

    assert outcome.code == 0
    assert re.fullmatch(r"\d+\n", outcome.out)


def test_follow_shows_each_step_and_exits_0_when_the_run_succeeds(
    flowauto: Flowauto, tmp_path: Path
) -> None:
    steps = [manual_trigger(), now_step("2"), join_step("3", "{{__vars.who}}", "{{__2.curtime}}")]
    document = dag_document(steps=steps, vars={"who": {"desc": "", "defaultValue": "x"}})
    dag_id = imported(flowauto, write(tmp_path / "dag.json", document))

    outcome = flowauto("run", dag_id, "--vars", '{"who": "Ann"}', "--follow")

    lines = outcome.out.splitlines()
    assert outcome.code == 0, outcome.out + outcome.err
    assert re.fullmatch(r"run \d+: scheduled", lines[0])
    assert {'step 1 "start": success', 'step 2 "now": success', 'step 3 "join": success'} <= set(
        lines
    )
    assert re.fullmatch(r"run \d+: success in \d+ ms", lines[-1])


def test_follow_exits_1_with_the_reason_when_the_run_fails(
    flowauto: Flowauto, tmp_path: Path
) -> None:
    parse = {"id": "2", "title": "parse", "operator": "@internal/json/parse",
             "parameters": {"text": "not json"}}  # fmt: skip
    dag_id = imported(
        flowauto, write(tmp_path / "dag.json", dag_document(steps=[manual_trigger(), parse]))
    )

    outcome = flowauto("run", dag_id, "--follow")

    assert outcome.code == 1
    assert 'step 2 "parse": failed: json/parse: text is not valid JSON' in outcome.out
    assert re.search(r"run \d+: failed in \d+ ms: step 2: json/parse", outcome.out.splitlines()[-1])


def test_follow_exits_3_when_the_run_is_canceled(
    flowauto: Flowauto, server: RunningServer, tmp_path: Path
) -> None:
    wait = {"id": "2", "title": "nap", "operator": "@internal/wait",
            "parameters": {"duration_ms": 60_000}}  # fmt: skip
    dag_id = imported(
        flowauto, write(tmp_path / "dag.json", dag_document(steps=[manual_trigger(), wait]))
    )
    canceller = threading.Thread(target=cancel_first_run, args=(server, dag_id), daemon=True)
    canceller.start()

    outcome = flowauto("run", dag_id, "--follow")

    canceller.join(10)
    assert outcome.code == 3
    assert re.search(r"run \d+: canceled", outcome.out.splitlines()[-1])


def cancel_first_run(server: RunningServer, dag_id: str) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        runs = httpx.get(f"{server.api}/dags/{dag_id}/instances?status=blocked").json()
        if runs["instances"]:
            httpx.post(f"{server.api}/instances/{runs['instances'][0]['id']}/cancel")
            return
        time.sleep(0.05)


@pytest.mark.parametrize(
    "command", [("dag", "export", "404404"), ("run", "404404"), ("run", "404404", "--follow")]
)
def test_an_unknown_dag_is_a_one_line_not_found_with_exit_6(
    flowauto: Flowauto, command: tuple[str, ...]
) -> None:
    outcome = flowauto(*command)

    assert outcome.code == 6
    assert outcome.err == "flowauto: DAG 404404 not found (HTTP 404 notfound.DagNotFound)\n"


def test_a_server_that_is_down_is_a_one_line_message_with_exit_4() -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    result = subprocess.run(
        [sys.executable, "-m", "flowauto", "run", "1", "--follow"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"FLOWAUTO_SERVER": closed, "PATH": ""},
    )

    assert result.returncode == 4
    assert result.stderr == (
        f"flowauto: cannot reach the flowauto server at {closed} (Connection refused); "
        f"is it running? Set --server or FLOWAUTO_SERVER\n"
    )


def test_data_that_is_not_a_json_object_is_a_usage_error(
    flowauto: Flowauto, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        flowauto("run", "1", "--data", "[1]")

    assert exit_.value.code == 2
    assert "argument --data: must be a JSON object" in capsys.readouterr().err
