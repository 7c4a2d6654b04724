"""The engine end to end on fakes: scheduling rules, references, control flow, run control."""

from __future__ import annotations

from typing import Any

import pytest

from flowauto.application.dag_commands import DagPatch
from flowauto.application.run_service import RunRequest
from flowauto.bootstrap import build_in_memory
from flowauto.domain.dag_document import parse_steps
from flowauto.domain.run import RunStatus, TaskStatus
from tests.engine import ADMIN, create_dag, manual, settled, step


async def run_to_end(*steps: dict[str, Any], vars: dict[str, Any] | None = None) -> Any:
    services = build_in_memory()
    dag = await create_dag(services, manual(), *steps, variables=tuple(vars or {}))
    run_id = await services.runs.start(ADMIN, dag.id, RunRequest(vars=vars or {}))
    run = await settled(services, run_id)
    tasks = {task.key: task for task in await services.runs.tasks(ADMIN, run_id, ())}
    return run, tasks


async def test_a_chain_passes_outputs_on_with_their_types() -> None:
    run, tasks = await run_to_end(
        step("2", "@internal/json/parse", text='{"items": [3, 4]}'),
        step("3", "@internal/json/get", value="{{__2.value}}", path="items"),
        step("4", "@internal/text/join", texts="{{__3.value}}", separator=","),
    )
    assert run.status is RunStatus.SUCCESS
    assert tasks["3"].outputs == {"value": [3, 4]}
    assert tasks["4"].outputs == {"text": "3,4"}
    assert run.duration_ms is not None
    assert run.ended_at is not None


async def test_a_failing_step_fails_the_run_with_its_reason() -> None:
    run, tasks = await run_to_end(
        step("2", "@internal/json/parse", text="{not json"),
        step("3", "@internal/time/now"),
    )
    assert run.status is RunStatus.FAILED
    assert "step 2" in run.reason
    assert tasks["2"].status is TaskStatus.FAILED
    assert "3" not in tasks


async def test_on_error_continue_goes_on_after_a_failure() -> None:
    failing = step("2", "@internal/json/parse", text="{not json")
    failing["on_error"] = "continue"
    run, tasks = await run_to_end(failing, step("3", "@internal/time/now"))
    assert run.status is RunStatus.SUCCESS
    assert tasks["2"].status is TaskStatus.FAILED
    assert tasks["3"].status is TaskStatus.SUCCESS


def number_branch(branch_id: str, threshold: int, *steps: dict[str, Any]) -> dict[str, Any]:
    comparison = {
        "id": f"c{branch_id}",
        "operator": "@internal/cmp/number-gt",
        "parameters": {"a": "{{__vars.amount}}", "b": threshold},
    }
    return {"id": branch_id, "conditions": [[comparison]], "steps": list(steps)}


@pytest.mark.parametrize(("amount", "taken", "skipped"), [(50, "3", "4"), (5, "4", "3")])
async def test_branches_run_the_first_true_branch_and_skip_the_others(
    amount: int, taken: str, skipped: str
) -> None:
    branches = step("2", "@control/flow/branches")
    branches["branches"] = [
        number_branch("b1", 10, step("3", "@internal/time/now")),
        {"id": "b2", "conditions": [], "steps": [step("4", "@internal/time/now")]},
    ]
    run, tasks = await run_to_end(branches, vars={"amount": amount})
    assert run.status is RunStatus.SUCCESS
    assert tasks[taken].status is TaskStatus.SUCCESS
    assert tasks[skipped].status is TaskStatus.SKIPPED


async def test_a_type_mismatch_in_a_condition_fails_with_a_clear_reason() -> None:
    branches = step("2", "@control/flow/branches")
    branches["branches"] = [
        number_branch("b1", 10, step("3", "@internal/time/now")),
        {"id": "b2", "conditions": [], "steps": [step("4", "@internal/time/now")]},
    ]
    run, _ = await run_to_end(branches, vars={"amount": "abc"})
    assert run.status is RunStatus.FAILED
    assert "abc" in run.reason


async def test_a_loop_runs_its_steps_per_item_and_collects_results() -> None:
    loop = step("2", "@control/flow/loop", items=["a", "b", "c"], max_parallel=2)
    loop["steps"] = [
        step("3", "@internal/text/join", texts=["{{__loop.item}}", "{{__loop.index}}"])
    ]
    run, tasks = await run_to_end(
        loop, step("4", "@internal/json/stringify", value="{{__2.results}}")
    )
    assert run.status is RunStatus.SUCCESS
    assert tasks["2"].outputs["results"] == [{"text": "a0"}, {"text": "b1"}, {"text": "c2"}]
    assert tasks["3@2.1"].outputs == {"text": "b1"}


async def test_parallel_branches_all_run() -> None:
    parallel = step("2", "@control/flow/parallel")
    parallel["branches"] = [
        {"id": f"p{i}", "steps": [step(str(10 + i), "@internal/assign", name=f"v{i}", value=i)]}
        for i in range(5)
    ]
    run, tasks = await run_to_end(parallel)
    assert run.status is RunStatus.SUCCESS
    assert run.vars == {"v0": 0, "v1": 1, "v2": 2, "v3": 3, "v4": 4}
    assert all(tasks[str(10 + i)].status is TaskStatus.SUCCESS for i in range(5))


async def test_an_approval_blocks_the_run_until_it_is_continued() -> None:
    services = build_in_memory()
    dag = await create_dag(
        services,
        manual(),
        step("2", "@workflow/approval", title="ok?", contents=[]),
        step("3", "@internal/text/join", texts=["{{__2.result}}"]),
    )
    run_id = await services.runs.start(ADMIN, dag.id, RunRequest())
    await settled(services, run_id, RunStatus.BLOCKED)
    approval = next(t for t in await services.runs.tasks(ADMIN, run_id, ("blocked",)))
    await services.run_control.continue_task(ADMIN, approval.id, "pass", {"note": "fine"})
    run = await settled(services, run_id)
    tasks = {t.key: t for t in await services.runs.tasks(ADMIN, run_id, ())}
    assert run.status is RunStatus.SUCCESS
    assert tasks["3"].outputs == {"text": "pass"}
    assert tasks["2"].outputs["approver"] == "admin"


async def test_cancel_marks_the_run_and_its_open_tasks_canceled() -> None:
    services = build_in_memory()
    dag = await create_dag(
        services, manual(), step("2", "@workflow/approval", title="t", contents=[])
    )
    run_id = await services.runs.start(ADMIN, dag.id, RunRequest())
    await settled(services, run_id, RunStatus.BLOCKED)
    await services.run_control.cancel(ADMIN, run_id)
    run = await settled(services, run_id)
    tasks = await services.runs.tasks(ADMIN, run_id, ())
    assert run.status is RunStatus.CANCELED
    assert {t.status for t in tasks if t.step_id == "2"} == {TaskStatus.CANCELED}


async def test_a_wait_blocks_without_a_worker_and_wakes_when_due() -> None:
    services = build_in_memory()
    assert services.engine is not None
    await services.engine.start()
    try:
        dag = await create_dag(services, manual(), step("2", "@internal/wait", duration_ms=300))
        run_id = await services.runs.start(ADMIN, dag.id, RunRequest())
        await settled(services, run_id, RunStatus.BLOCKED)
        run = await settled(services, run_id, timeout_s=5)
        assert run.status is RunStatus.SUCCESS
    finally:
        await services.engine.stop(1)


async def test_retry_of_a_failed_run_keeps_successes_and_reruns_failures() -> None:
    services = build_in_memory()
    dag = await create_dag(
        services,
        manual(),
        step("2", "@internal/time/now"),
        step("3", "@internal/json/parse", text="{{__vars.doc}}"),
        variables=("doc",),
    )
    run_id = await services.runs.start(ADMIN, dag.id, RunRequest(vars={"doc": "{bad"}))
    await settled(services, run_id)
    before = {t.key: t for t in await services.runs.tasks(ADMIN, run_id, ())}
    await services.run_control.retry(ADMIN, run_id)
    run = await settled(services, run_id)
    after = {t.key: t for t in await services.runs.tasks(ADMIN, run_id, ())}
    assert run.status is RunStatus.FAILED  # the document is still bad
    assert after["2"].outputs == before["2"].outputs


async def test_a_subdag_runs_as_a_child_and_its_outputs_come_back() -> None:
    services = build_in_memory()
    assert services.engine is not None
    await services.engine.start()
    try:
        child = await create_dag(
            services, manual(), step("2", "@internal/text/join", texts=["{{__1.data.who}}", "!"])
        )
        parent = await create_dag(
            services,
            manual(),
            step("2", "@control/flow/subdag", dag_id=child.id, inputs={"who": "Ann"}),
            step("3", "@internal/text/join", texts=["{{__2.outputs.text}}"]),
        )
        run_id = await services.runs.start(ADMIN, parent.id, RunRequest())
        run = await settled(services, run_id)
        tasks = {t.key: t for t in await services.runs.tasks(ADMIN, run_id, ())}
        assert run.status is RunStatus.SUCCESS, run.reason
        assert tasks["3"].outputs == {"text": "Ann!"}
        child_run = await services.runs.get(ADMIN, tasks["2"].outputs["run_id"])
        assert child_run.parent_run_id == run_id
    finally:
        await services.engine.stop(1)


async def test_a_subdag_calling_its_own_dag_fails_as_a_cycle() -> None:
    services = build_in_memory()
    dag = await create_dag(services, manual(), step("2", "@internal/time/now"))
    looped = await create_dag(services, manual(), step("2", "@control/flow/subdag", dag_id=dag.id))
    # Point the sub-DAG step at its own DAG.
    steps = parse_steps([manual(), step("2", "@control/flow/subdag", dag_id=looped.id)])
    await services.dags.update(ADMIN, looped.id, DagPatch(steps=steps))
    run = await settled(services, await services.runs.start(ADMIN, looped.id, RunRequest()))
    assert run.status is RunStatus.FAILED
    assert "cycle" in run.reason


async def test_a_data_source_runs_the_rest_of_the_dag_once_per_item() -> None:
    trigger = manual()
    trigger["dataSource"] = {
        "id": "ds",
        "operator": "@internal/text/split",
        "parameters": {"text": "a,b,c", "separator": ","},
    }
    services = build_in_memory()
    dag = await create_dag(
        services, trigger, step("2", "@internal/text/join", texts=["{{__loop.item}}", "!"])
    )
    run = await settled(services, await services.runs.start(ADMIN, dag.id, RunRequest()))
    tasks = {t.key: t for t in await services.runs.tasks(ADMIN, run.id, ())}
    assert run.status is RunStatus.SUCCESS, run.reason
    assert [tasks[f"2@ds#batch.{i}"].outputs["text"] for i in range(3)] == ["a!", "b!", "c!"]


async def test_a_run_keeps_the_version_it_started_with() -> None:
    services = build_in_memory()
    dag = await create_dag(
        services,
        manual(),
        step("2", "@workflow/approval", title="t", contents=[]),
        step("3", "@internal/text/join", texts=["old"]),
    )
    run_id = await services.runs.start(ADMIN, dag.id, RunRequest())
    await settled(services, run_id, RunStatus.BLOCKED)
    new_steps = parse_steps([manual(), step("2", "@workflow/approval", title="t", contents=[]),
                             step("3", "@internal/text/join", texts=["new"])])  # fmt: skip
    await services.dags.update(ADMIN, dag.id, DagPatch(steps=new_steps))
    approval = (await services.runs.tasks(ADMIN, run_id, ("blocked",)))[0]
    await services.run_control.continue_task(ADMIN, approval.id, "pass", {})
    await settled(services, run_id)
    tasks = {t.key: t for t in await services.runs.tasks(ADMIN, run_id, ())}
    assert tasks["3"].outputs == {"text": "old"}
    later = await settled(services, await services.runs.start(ADMIN, dag.id, RunRequest()),
                          RunStatus.BLOCKED)  # fmt: skip
    assert later.version_id != (await services.runs.get(ADMIN, run_id)).version_id
