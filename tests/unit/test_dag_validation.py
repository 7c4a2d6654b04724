"""The semantic rules of SPEC section 1 (Validation), one rule per test."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flowauto.domain.dag_document import parse_steps
from flowauto.domain.dag_validation import MAX_DEPTH, validate_steps
from flowauto.domain.errors import DagInvalidError
from flowauto.domain.operator_catalog import OperatorCatalog

CATALOG = OperatorCatalog.built_in()
MANUAL = {"id": "1", "operator": "@trigger/manual"}


def step(step_id: str, operator: str = "@internal/time/now", **more: Any) -> dict[str, Any]:
    return {"id": step_id, "operator": operator, **more}


def join(step_id: str, *texts: Any) -> dict[str, Any]:
    return step(step_id, "@internal/text/join", parameters={"texts": list(texts)})


def branch(branch_id: str, *steps: dict[str, Any], conditions: Any = ()) -> dict[str, Any]:
    return {"id": branch_id, "conditions": list(conditions), "steps": list(steps)}


def number_gt(cmp_id: str, a: Any, b: Any) -> dict[str, Any]:
    return {"id": cmp_id, "operator": "@internal/cmp/number-gt", "parameters": {"a": a, "b": b}}


def validate(*steps: dict[str, Any], variables: frozenset[str] = frozenset()) -> None:
    validate_steps(parse_steps(list(steps)), CATALOG, declared_vars=variables)


def refused(*steps: dict[str, Any], variables: frozenset[str] = frozenset()) -> DagInvalidError:
    with pytest.raises(DagInvalidError) as caught:
        validate(*steps, variables=variables)
    return caught.value


def test_a_trigger_and_one_step_are_valid() -> None:
    validate(MANUAL, step("2"))


def test_a_dag_needs_at_least_two_steps() -> None:
    assert refused(MANUAL).field == "steps"


def test_the_first_step_must_be_a_trigger() -> None:
    error = refused(step("1"), step("2"))
    assert (error.step_id, error.field) == ("1", "operator")


def test_no_other_step_may_be_a_trigger_even_nested() -> None:
    loop = step(
        "2", "@control/flow/loop", parameters={"items": [1]}, steps=[step("3", "@trigger/manual")]
    )
    error = refused(MANUAL, loop)
    assert (error.step_id, error.field) == ("3", "operator")


def test_ids_are_unique_across_nested_steps_branches_and_comparisons() -> None:
    branches = step(
        "2",
        "@control/flow/branches",
        branches=[
            branch("b1", step("3"), conditions=[[number_gt("3", 1, 2)]]),
            branch("b2", step("4")),
        ],
    )
    error = refused(MANUAL, branches)
    assert (error.step_id, error.field) == ("3", "id")


def test_an_unknown_operator_is_named() -> None:
    error = refused(MANUAL, step("2", "@custom/nobody/nothing"))
    assert (error.step_id, error.field) == ("2", "operator")
    assert "@custom/nobody/nothing" in error.message


def test_parameters_must_match_the_operator_schema() -> None:
    missing = refused(MANUAL, step("2", "@internal/text/join", parameters={}))
    wrong_type = refused(MANUAL, step("2", "@internal/text/join", parameters={"texts": "a"}))
    unknown = refused(MANUAL, step("2", "@internal/time/now", parameters={"zone": "x"}))
    assert (missing.step_id, missing.field) == ("2", "parameters.texts")
    assert wrong_type.field == "parameters.texts"
    assert unknown.field == "parameters.zone"


def test_an_exact_reference_fits_any_parameter_type() -> None:
    validate(MANUAL, step("2", "@internal/wait", parameters={"duration_ms": "{{__1.data.ms}}"}))


def test_references_must_point_to_earlier_steps() -> None:
    later = refused(MANUAL, join("2", "{{__3.curtime}}"), step("3"))
    itself = refused(MANUAL, join("2", "x {{__2.text}}"))
    unknown = refused(MANUAL, join("2", "{{__9.x}}"))
    assert (later.step_id, later.field) == ("2", "parameters")
    assert "does not run before" in later.message
    assert itself.step_id == "2"
    assert "does not exist" in unknown.message
    validate(MANUAL, step("2"), join("3", "{{__2.curtime}}", "at {{__1.id}}"))


def test_a_branch_does_not_see_its_sibling_branch() -> None:
    branches = step(
        "2",
        "@control/flow/parallel",
        branches=[
            branch("b1", step("3")),
            branch("b2", join("4", "{{__3.curtime}}")),
        ],
    )
    assert refused(MANUAL, branches).step_id == "4"


def test_steps_after_branches_see_the_steps_inside_them() -> None:
    branches = step(
        "2",
        "@control/flow/branches",
        branches=[
            branch("b1", step("3"), conditions=[[number_gt("c1", "{{__1.n}}", 1)]]),
            branch("b2", step("4")),
        ],
    )
    validate(MANUAL, branches, join("5", "{{__3.curtime}}", "{{__4.curtime}}"))


def test_a_loop_body_sees_earlier_steps_but_is_hidden_after_the_loop() -> None:
    loop = step(
        "2",
        "@control/flow/loop",
        parameters={"items": "{{__1.list}}"},
        steps=[step("3"), join("4", "{{__3.curtime}}", "{{__1.x}}", "{{__loop.item}}")],
    )
    validate(MANUAL, loop, join("5", "{{__2.results}}"))
    error = refused(MANUAL, loop, join("5", "{{__3.curtime}}"))
    assert error.step_id == "5"


def test_loop_references_only_inside_a_loop_or_a_data_source_run() -> None:
    assert refused(MANUAL, join("2", "{{__loop.item}}")).step_id == "2"
    source = {"id": "ds", "operator": "@internal/text/split", "parameters": {"text": "a,b"}}
    validate({**MANUAL, "dataSource": source}, join("2", "{{__loop.item}}"))


def test_variables_must_be_declared_or_assigned() -> None:
    assign = step("2", "@internal/assign", parameters={"name": "total", "value": 1})
    assert refused(MANUAL, join("2", "{{__vars.region}}")).field == "parameters"
    validate(MANUAL, join("2", "{{__vars.region}}"), variables=frozenset({"region"}))
    validate(MANUAL, assign, join("3", "{{__vars.total}}"))


def test_malformed_references_are_refused() -> None:
    assert "__run" in refused(MANUAL, join("2", "{{__run.secret}}")).message
    assert refused(MANUAL, join("2", "{{__secrets.only_connection}}")).step_id == "2"


def test_branches_need_two_branches() -> None:
    one = step("2", "@control/flow/branches", branches=[branch("b1", step("3"))])
    error = refused(MANUAL, one)
    assert (error.step_id, error.field) == ("2", "branches")


def test_conditions_hold_only_comparisons() -> None:
    bad = {"id": "c1", "operator": "@internal/text/join", "parameters": {"texts": []}}
    branches = step(
        "2",
        "@control/flow/branches",
        branches=[
            branch("b1", step("3"), conditions=[[bad]]),
            branch("b2", step("4")),
        ],
    )
    error = refused(MANUAL, branches)
    assert (error.step_id, error.field) == ("c1", "operator")


def test_comparisons_are_not_steps() -> None:
    error = refused(MANUAL, number_gt("2", 1, 2))
    assert (error.step_id, error.field) == ("2", "operator")


def test_parallel_branches_take_no_conditions() -> None:
    parallel = step(
        "2",
        "@control/flow/parallel",
        branches=[
            branch("b1", step("3"), conditions=[[number_gt("c", 1, 2)]]),
            branch("b2", step("4")),
        ],
    )
    assert refused(MANUAL, parallel).field == "conditions"


def test_steps_and_branches_only_where_the_operator_takes_them() -> None:
    assert refused(MANUAL, step("2", steps=[step("3")])).field == "steps"
    assert refused(MANUAL, step("2", branches=[branch("b", step("3"))])).field == "branches"
    empty_loop = step("2", "@control/flow/loop", parameters={"items": []}, steps=[])
    assert refused(MANUAL, empty_loop).field == "steps"


def test_a_data_source_only_on_manual_and_cron_triggers() -> None:
    source = {"id": "ds", "operator": "@internal/text/split", "parameters": {"text": "a"}}
    form = {
        "id": "1",
        "operator": "@trigger/form",
        "parameters": {"fields": []},
        "dataSource": source,
    }
    assert refused(form, step("2")).field == "dataSource"
    trigger_source = {**source, "operator": "@trigger/manual", "parameters": {}}
    error = refused({**MANUAL, "dataSource": trigger_source}, step("2"))
    assert (error.step_id, error.field) == ("ds", "operator")


def nested_loops(depth: int) -> dict[str, Any]:
    inner: dict[str, Any] = step(f"s{depth}")
    for level in range(depth, 0, -1):
        inner = step(f"l{level}", "@control/flow/loop", parameters={"items": []}, steps=[inner])
    return inner


def test_nesting_is_limited_to_16_levels() -> None:
    validate(MANUAL, nested_loops(MAX_DEPTH - 1))
    assert refused(MANUAL, nested_loops(MAX_DEPTH)).field == "steps"


json_leaf = st.none() | st.booleans() | st.integers() | st.text(max_size=12)
json_value = st.recursive(
    json_leaf,
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=6), c, max_size=3),
    max_leaves=8,
)
operators = st.sampled_from([spec.name for spec in CATALOG.entries()] + ["@nope"])
ids = st.sampled_from(["1", "2", "3", "4", "b", "c"])
trees = st.recursive(
    st.fixed_dictionaries(
        {
            "id": ids,
            "operator": operators,
            "parameters": st.dictionaries(
                st.sampled_from(["texts", "items", "a", "b", "name", "fields", "x"]),
                json_value
                | st.sampled_from(["{{__1.x}}", "{{__vars.v}}", "{{__loop.item}}", "{{__9}}"]),
                max_size=3,
            ),
        }
    ),
    lambda children: st.fixed_dictionaries(
        {"id": ids, "operator": operators},
        optional={
            "steps": st.lists(children, max_size=3),
            "branches": st.lists(
                st.fixed_dictionaries({"id": ids, "steps": st.lists(children, max_size=2)}),
                max_size=3,
            ),
        },
    ),
    max_leaves=10,
)


@settings(max_examples=300, deadline=None)
@given(steps=st.lists(trees, min_size=1, max_size=4))
def test_random_step_trees_raise_nothing_but_dag_invalid(steps: list[dict[str, Any]]) -> None:
    with contextlib.suppress(DagInvalidError):
        validate(*steps)
