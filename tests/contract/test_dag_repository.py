"""The DagRepository contract, the same for the fake and every real store."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from flowauto.domain.dag import (
    Accessor,
    AccessorType,
    Branch,
    Comparison,
    Dag,
    DagStatus,
    DataSource,
    OnError,
    RetryPolicy,
    Step,
    VarDef,
)
from flowauto.domain.errors import ConflictError, DagRevisionConflictError, DagTitleTakenError
from flowauto.domain.identity import Audience
from flowauto.domain.paging import DagQuery, DagSortKey, SortOrder
from flowauto.ports.dag_repository import DagRepository
from tests.builders import make_dag, next_id, user_accessor, version_of


def rich_steps() -> tuple[Step, ...]:
    return (
        Step(
            id="1",
            operator="@trigger/manual",
            title="start",
            data_source=DataSource(
                id="ds",
                operator="@internal/text/split",
                parameters={"text": "a,b", "separator": ","},
            ),
        ),
        Step(
            id="2",
            operator="@control/flow/branches",
            title="route",
            branches=(
                Branch(
                    id="b1",
                    conditions=(
                        (
                            Comparison(
                                id="c1",
                                operator="@internal/cmp/number-gt",
                                parameters={"a": "{{__1.fields.n}}", "b": 3},
                            ),
                        ),
                    ),
                    steps=(Step(id="3", operator="@internal/time/now", title="now ✓"),),
                ),
                Branch(id="b2", steps=(Step(id="4", operator="@internal/time/now"),)),
            ),
        ),
        Step(
            id="5",
            operator="@internal/http/request",
            parameters={
                "method": "GET",
                "url": "https://example.com",
                "headers": {"a": [1, 2.5, None, True]},
            },
            retry=RetryPolicy(max_attempts=3, backoff_ms=100, max_backoff_ms=1000),
            timeout_ms=5000,
            on_error=OnError.CONTINUE,
        ),
    )


async def test_a_stored_dag_reads_back_equal(dag_repository: DagRepository) -> None:
    dag = make_dag(
        steps=rich_steps(),
        vars={"region": VarDef(desc="where", default_value="eu"), "n": VarDef(default_value=3)},
        accessors=(
            user_accessor("u2"),
            Accessor(id="d1", name="Dept", type=AccessorType.DEPARTMENT),
        ),
        emails=("ops@example.com",),
        published=True,
        status=DagStatus.STOPPED,
    )
    await dag_repository.add(dag, version_of(dag, change_log="first"))

    assert await dag_repository.get("default", dag.id) == dag
    version = await dag_repository.get_version("default", dag.id, dag.version_id)
    assert version == version_of(dag, change_log="first")


async def test_nothing_crosses_business_domains(dag_repository: DagRepository) -> None:
    dag = make_dag(biz_domain_id="d-a")
    await dag_repository.add(dag, version_of(dag))

    assert await dag_repository.get("d-b", dag.id) is None
    assert await dag_repository.get_many("d-b", [dag.id]) == []
    assert await dag_repository.get_version("d-b", dag.id, dag.version_id) is None
    assert await dag_repository.list_versions("d-b", dag.id) == []
    assert await dag_repository.set_status("d-b", [dag.id], DagStatus.STOPPED, 1) == 0
    assert await dag_repository.mark_deleted("d-b", [dag.id], 1) == 0
    assert (await dag_repository.find(DagQuery(biz_domain_id="d-b"))).total == 0
    assert await dag_repository.get("d-a", dag.id) == dag


async def test_an_unknown_dag_is_none(dag_repository: DagRepository) -> None:
    assert await dag_repository.get("default", "123") is None
    assert await dag_repository.get_version("default", "123", "456") is None
    assert await dag_repository.list_versions("default", "123") == []


async def test_get_many_keeps_the_order_asked_and_drops_unknown(
    dag_repository: DagRepository,
) -> None:
    first, second = make_dag(), make_dag()
    for dag in (first, second):
        await dag_repository.add(dag, version_of(dag))

    found = await dag_repository.get_many("default", [second.id, "999", first.id, second.id])

    assert [dag.id for dag in found] == [second.id, first.id]


async def test_a_title_is_unique_among_live_dags_of_a_domain(
    dag_repository: DagRepository,
) -> None:
    dag = make_dag(title="Nightly")
    await dag_repository.add(dag, version_of(dag))
    twin = make_dag(title="Nightly")
    elsewhere = make_dag(title="Nightly", biz_domain_id="other")

    with pytest.raises(DagTitleTakenError):
        await dag_repository.add(twin, version_of(twin))
    await dag_repository.add(elsewhere, version_of(elsewhere))
    assert await dag_repository.mark_deleted("default", [dag.id], 1_700_000_100) == 1
    await dag_repository.add(twin, version_of(twin))


async def test_adding_an_existing_id_conflicts(dag_repository: DagRepository) -> None:
    dag = make_dag()
    await dag_repository.add(dag, version_of(dag))
    same_id = make_dag(id=dag.id, title="another title")

    with pytest.raises(ConflictError):
        await dag_repository.add(same_id, version_of(same_id))


async def test_update_compares_and_sets_on_the_revision(dag_repository: DagRepository) -> None:
    dag = make_dag()
    await dag_repository.add(dag, version_of(dag))
    changed = dataclasses.replace(dag, title="renamed", revision=2, updated_at=1_700_000_050)

    await dag_repository.update(changed, None)

    assert await dag_repository.get("default", dag.id) == changed
    with pytest.raises(DagRevisionConflictError):
        await dag_repository.update(dataclasses.replace(dag, title="stale", revision=2), None)
    with pytest.raises(DagRevisionConflictError):
        await dag_repository.update(make_dag(revision=2), None)


async def test_update_refuses_a_title_another_live_dag_has(dag_repository: DagRepository) -> None:
    first, second = make_dag(title="one"), make_dag(title="two")
    for dag in (first, second):
        await dag_repository.add(dag, version_of(dag))

    with pytest.raises(DagTitleTakenError):
        await dag_repository.update(dataclasses.replace(second, title="one", revision=2), None)
    assert (await dag_repository.get("default", second.id)) == second


async def test_a_new_version_is_kept_beside_the_old(dag_repository: DagRepository) -> None:
    dag = make_dag()
    await dag_repository.add(dag, version_of(dag))
    steps = (*dag.steps, Step(id="3", operator="@internal/time/now"))
    newer = dataclasses.replace(
        dag,
        steps=steps,
        version_id=next_id(),
        version="v0.0.2",
        revision=2,
        updated_at=1_700_000_100,
    )

    await dag_repository.update(newer, version_of(newer, change_log="added 3"))

    versions = await dag_repository.list_versions("default", dag.id)
    assert [v.version for v in versions] == ["v0.0.2", "v0.0.1"]
    assert versions[0] == version_of(newer, change_log="added 3")
    assert (await dag_repository.get("default", dag.id)) == newer
    old = await dag_repository.get_version("default", dag.id, dag.version_id)
    assert old is not None
    assert old.steps == dag.steps


async def test_status_changes_bump_the_revision(dag_repository: DagRepository) -> None:
    dag = make_dag()
    await dag_repository.add(dag, version_of(dag))

    count = await dag_repository.set_status(
        "default", [dag.id, "404"], DagStatus.STOPPED, 1_800_000_000
    )

    assert count == 1
    stored = await dag_repository.get("default", dag.id)
    assert stored == dataclasses.replace(
        dag, status=DagStatus.STOPPED, updated_at=1_800_000_000, revision=2
    )


async def test_deleted_dags_leave_the_live_views_but_keep_history(
    dag_repository: DagRepository,
) -> None:
    dag = make_dag()
    await dag_repository.add(dag, version_of(dag))

    assert await dag_repository.mark_deleted("default", [dag.id], 1_800_000_000) == 1
    assert await dag_repository.mark_deleted("default", [dag.id], 1_800_000_001) == 0

    assert await dag_repository.get("default", dag.id) is None
    assert await dag_repository.get_many("default", [dag.id]) == []
    assert (await dag_repository.find(DagQuery(biz_domain_id="default"))).total == 0
    assert await dag_repository.titles_starting_with("default", dag.title) == set()
    history = await dag_repository.find(DagQuery(biz_domain_id="default", deleted=True))
    assert [d.id for d in history.items] == [dag.id]
    assert history.items[0].deleted_at == 1_800_000_000
    assert await dag_repository.get_version("default", dag.id, dag.version_id) is not None
    assert len(await dag_repository.list_versions("default", dag.id)) == 1


async def test_titles_starting_with_matches_a_literal_prefix(dag_repository: DagRepository) -> None:
    for title in ("Sync", "Sync(1)", "Sync(2)", "Async", "S%nc", "Sy.c"):
        dag = make_dag(title=title)
        await dag_repository.add(dag, version_of(dag))

    assert await dag_repository.titles_starting_with("default", "Sync") == {
        "Sync",
        "Sync(1)",
        "Sync(2)",
    }
    assert await dag_repository.titles_starting_with("default", "S%") == {"S%nc"}
    assert await dag_repository.titles_starting_with("default", "Sy.") == {"Sy.c"}


async def test_find_pages_with_total_and_stable_ties(dag_repository: DagRepository) -> None:
    dags = [make_dag(updated_at=1_700_000_000 + i // 2) for i in range(7)]
    for dag in dags:
        await dag_repository.add(dag, version_of(dag))

    seen: list[str] = []
    for page in range(3):
        result = await dag_repository.find(DagQuery(biz_domain_id="default", page=page, limit=3))
        assert result.total == 7
        assert (result.page, result.limit) == (page, 3)
        seen.extend(dag.id for dag in result.items)

    expected = sorted(dags, key=lambda d: (d.updated_at, d.id), reverse=True)
    assert seen == [dag.id for dag in expected]


@pytest.mark.parametrize(
    ("sort_by", "order", "expected"),
    [
        (DagSortKey.TITLE, SortOrder.ASC, ["alpha", "beta", "gamma"]),
        (DagSortKey.TITLE, SortOrder.DESC, ["gamma", "beta", "alpha"]),
        (DagSortKey.CREATED_AT, SortOrder.ASC, ["beta", "gamma", "alpha"]),
        (DagSortKey.UPDATED_AT, SortOrder.DESC, ["alpha", "beta", "gamma"]),
    ],
)
async def test_find_sorts_by_the_asked_key(
    dag_repository: DagRepository, sort_by: DagSortKey, order: SortOrder, expected: list[str]
) -> None:
    for title, created, updated in (("alpha", 30, 300), ("beta", 10, 200), ("gamma", 20, 100)):
        dag = make_dag(title=title, created_at=created, updated_at=updated)
        await dag_repository.add(dag, version_of(dag))

    result = await dag_repository.find(
        DagQuery(biz_domain_id="default", sort_by=sort_by, order=order)
    )

    assert [dag.title for dag in result.items] == expected


async def test_find_filters_by_keyword_type_trigger_and_status(
    dag_repository: DagRepository,
) -> None:
    invoice = make_dag(title="Invoice sync", type="workflow")
    report = make_dag(
        title="Report",
        description="weekly INVOICE report",
        type="data-flow",
        status=DagStatus.STOPPED,
    )
    cron = make_dag(
        title="Cleanup 100%_done",
        steps=(
            Step(id="1", operator="@trigger/cron", parameters={"hour": 1, "minute": 0}),
            Step(id="2", operator="@internal/time/now"),
        ),
    )
    for dag in (invoice, report, cron):
        await dag_repository.add(dag, version_of(dag))

    async def titles(**filters: object) -> set[str]:
        page = await dag_repository.find(DagQuery(biz_domain_id="default", **filters))  # type: ignore[arg-type]
        return {dag.title for dag in page.items}

    assert await titles(keyword="invoice") == {"Invoice sync", "Report"}
    assert await titles(keyword="%_") == {"Cleanup 100%_done"}
    assert await titles(keyword="(") == set()
    assert await titles(type="data-flow") == {"Report"}
    assert await titles(trigger_type="@trigger/cron") == {"Cleanup 100%_done"}
    assert await titles(status=DagStatus.STOPPED) == {"Report"}
    assert await titles(status=DagStatus.NORMAL, type="workflow") == {
        "Invoice sync",
        "Cleanup 100%_done",
    }


async def test_find_shows_an_audience_only_what_it_may_see(dag_repository: DagRepository) -> None:
    own = make_dag(title="own", userid="me")
    shared = make_dag(title="shared", userid="x", accessors=(user_accessor("me"),))
    by_dept = make_dag(
        title="dept",
        userid="x",
        accessors=(Accessor(id="d1", name="D", type=AccessorType.DEPARTMENT),),
    )
    by_group = make_dag(
        title="group", userid="x", accessors=(Accessor(id="g1", name="G", type=AccessorType.GROUP),)
    )
    hidden = make_dag(
        title="hidden",
        userid="x",
        accessors=(Accessor(id="me", name="not a user", type=AccessorType.GROUP),),
    )
    for dag in (own, shared, by_dept, by_group, hidden):
        await dag_repository.add(dag, version_of(dag))

    me = Audience(user_id="me", departments=frozenset({"d1"}), groups=frozenset({"g1"}))
    visible = await dag_repository.find(DagQuery(biz_domain_id="default", audience=me))
    loner = await dag_repository.find(
        DagQuery(biz_domain_id="default", audience=Audience(user_id="me"))
    )
    everything = await dag_repository.find(DagQuery(biz_domain_id="default"))

    assert {d.title for d in visible.items} == {"own", "shared", "dept", "group"}
    assert visible.total == 4
    assert {d.title for d in loner.items} == {"own", "shared"}
    assert everything.total == 5


async def test_concurrent_updates_of_one_revision_let_exactly_one_win(
    dag_repository: DagRepository,
) -> None:
    dag = make_dag()
    await dag_repository.add(dag, version_of(dag))
    rivals = [dataclasses.replace(dag, description=f"writer {n}", revision=2) for n in range(4)]

    results = await asyncio.gather(
        *(dag_repository.update(rival, None) for rival in rivals), return_exceptions=True
    )

    assert sum(result is None for result in results) == 1
    assert all(isinstance(r, DagRevisionConflictError) for r in results if r is not None)
    stored = await dag_repository.get("default", dag.id)
    assert stored is not None
    assert stored in rivals


async def test_dags_by_trigger_prefix_span_domains_and_skip_stopped_and_deleted(
    dag_repository: DagRepository,
) -> None:
    def with_trigger(operator: str, **overrides: object) -> Dag:
        steps = (
            Step(id="1", operator=operator, parameters={}),
            Step(id="2", operator="@internal/time/now"),
        )
        return make_dag(steps=steps, **overrides)

    daily = with_trigger("@trigger/cron")
    weekly = with_trigger("@trigger/cron/week", biz_domain_id="other")
    stopped = with_trigger("@trigger/cron", status=DagStatus.STOPPED)
    deleted = with_trigger("@trigger/cron/expr")
    manual = with_trigger("@trigger/manual")
    for dag in (daily, weekly, stopped, deleted, manual):
        await dag_repository.add(dag, version_of(dag))
    await dag_repository.mark_deleted(deleted.biz_domain_id, [deleted.id], 1_800_000_000)
    found = await dag_repository.with_trigger_prefix("@trigger/cron")
    assert {dag.id for dag in found} == {daily.id, weekly.id}
