"""The built-in operator catalog and the parameter rules of each operator."""

from __future__ import annotations

from typing import Any

import pytest

from flowauto.domain.errors import DagInvalidError
from flowauto.domain.operator_catalog import OperatorCatalog, OperatorKind, check_parameters

CATALOG = OperatorCatalog.built_in()
SPEC_OPERATORS = {
    "@trigger/manual", "@trigger/form", "@trigger/cron", "@trigger/cron/week",
    "@trigger/cron/month", "@trigger/cron/expr", "@trigger/event", "@trigger/webhook",
    "@control/flow/branches", "@control/flow/loop", "@control/flow/parallel",
    "@control/flow/subdag", "@internal/text/join", "@internal/text/split",
    "@internal/text/match", "@internal/time/now", "@internal/time/relative", "@internal/json/get",
    "@internal/json/set", "@internal/json/parse", "@internal/json/stringify", "@internal/assign",
    "@internal/http/request", "@internal/wait", "@workflow/approval", "@internal/kafka/publish",
    "@internal/tool/py3", "@workflow/cmp/approval-eq", "@workflow/cmp/approval-neq",
    *(f"@internal/cmp/string-{c}" for c in (
        "eq", "neq", "contains", "not-contains", "empty", "not-empty", "start-with", "end-with")),
    *(f"@internal/cmp/number-{c}" for c in ("eq", "neq", "gt", "gte", "lt", "lte")),
    *(f"@internal/cmp/date-{c}" for c in ("eq", "neq", "earlier-than", "later-than")),
}  # fmt: skip


def check(operator: str, **parameters: Any) -> None:
    spec = CATALOG.get(operator)
    assert spec is not None
    check_parameters(spec, parameters, "7")


def problem(operator: str, **parameters: Any) -> str:
    with pytest.raises(DagInvalidError) as caught:
        check(operator, **parameters)
    assert caught.value.step_id == "7"
    return caught.value.field


def test_every_operator_of_the_spec_is_known() -> None:
    assert {spec.name for spec in CATALOG.entries()} == SPEC_OPERATORS


def test_kinds_follow_the_name() -> None:
    kinds = {spec.name: spec.kind for spec in CATALOG.entries()}
    assert kinds["@trigger/cron/expr"] is OperatorKind.TRIGGER
    assert kinds["@control/flow/loop"] is OperatorKind.CONTROL
    assert kinds["@internal/cmp/date-eq"] is OperatorKind.COMPARISON
    assert kinds["@workflow/approval"] is OperatorKind.ACTION


def test_catalog_entries_carry_a_json_schema_and_outputs() -> None:
    spec = CATALOG.get("@internal/http/request")
    assert spec is not None
    entry = spec.to_catalog_entry()
    assert entry["parameters"]["required"] == ["method", "url"]
    assert entry["parameters"]["properties"]["method"]["enum"][0] == "GET"
    assert entry["outputs"] == ["status", "headers", "body"]


def test_join_separator_custom_needs_custom() -> None:
    check("@internal/text/join", texts=["a"], separator="\uff1b")
    assert problem("@internal/text/join", texts=["a"], separator="|") == "parameters.separator"
    assert problem("@internal/text/join", texts=["a"], separator="custom") == "parameters.custom"
    check("@internal/text/join", texts=["a"], separator="custom", custom="|")


def test_match_regex_needs_a_pattern_that_compiles() -> None:
    assert problem("@internal/text/match", text="x", matchtype="REGEX") == "parameters.pattern"
    assert problem("@internal/text/match", text="x", matchtype="REGEX", pattern="(") == (
        "parameters.pattern"
    )
    assert problem("@internal/text/match", text="x", matchtype="PHONE") == "parameters.matchtype"
    check("@internal/text/match", text="x", matchtype="REGEX", pattern=r"\d+")


@pytest.mark.parametrize(
    ("operator", "parameters", "field"),
    [
        ("@trigger/cron", {"hour": 24, "minute": 0}, "parameters.hour"),
        ("@trigger/cron", {"hour": 1, "minute": 60}, "parameters.minute"),
        ("@trigger/cron", {"hour": 1, "minute": 0, "timezone": "Mars/Base"}, "parameters.timezone"),
        ("@trigger/cron/week", {"weekday": 7, "hour": 1, "minute": 0}, "parameters.weekday"),
        ("@trigger/cron/month", {"day": 0, "hour": 1, "minute": 0}, "parameters.day"),
        ("@trigger/cron/expr", {"expression": "* * *"}, "parameters.expression"),
        ("@trigger/cron/expr", {"expression": "61 * * * *"}, "parameters.expression"),
        ("@trigger/cron/expr", {"expression": "*/0 * * * *"}, "parameters.expression"),
        ("@trigger/cron/expr", {"expression": "5-1 * * * *"}, "parameters.expression"),
    ],
)
def test_cron_triggers_refuse_impossible_times(
    operator: str, parameters: dict[str, Any], field: str
) -> None:
    assert problem(operator, **parameters) == field


@pytest.mark.parametrize(
    "expression",
    ["*/5 * * * *", "*/5 * * * * *", "0 9 * * MON-FRI", "0 0 1,15 JAN,JUL *", "30 2 * * 0-6"],
)
def test_cron_expressions_with_five_or_six_fields(expression: str) -> None:
    check("@trigger/cron/expr", expression=expression, timezone="Europe/Paris")


def test_wait_takes_exactly_one_of_duration_and_until() -> None:
    check("@internal/wait", duration_ms=1000)
    check("@internal/wait", until="2030-01-01T00:00:00Z")
    assert problem("@internal/wait") == "parameters.duration_ms"
    assert problem("@internal/wait", duration_ms=1, until="x") == "parameters.duration_ms"
    assert problem("@internal/wait", duration_ms=0) == "parameters.duration_ms"


def test_form_fields_need_unique_keys_and_known_types() -> None:
    good = [{"key": "amount", "name": "Amount", "type": "number", "required": True}]
    check("@trigger/form", fields=good)
    assert problem("@trigger/form", fields=[*good, *good]) == "parameters.fields[1].key"
    assert problem("@trigger/form", fields=[{"key": "a", "type": "color"}]) == (
        "parameters.fields[0].type"
    )
    assert problem("@trigger/form", fields=[{"name": "no key"}]) == "parameters.fields[0]"


def test_numbers_are_not_booleans_and_integers_are_not_floats() -> None:
    assert (
        problem(
            "@internal/time/relative",
            old_time="t",
            relative_type="add",
            relative_value=True,
            relative_unit="day",
        )
        == "parameters.relative_value"
    )
    assert (
        problem(
            "@internal/time/relative",
            old_time="t",
            relative_type="add",
            relative_value=1.5,
            relative_unit="day",
        )
        == "parameters.relative_value"
    )


def test_approval_comparison_knows_the_results() -> None:
    check("@workflow/cmp/approval-eq", a="{{__3.result}}", b="pass")
    assert problem("@workflow/cmp/approval-eq", a="x", b="maybe") == "parameters.b"


def test_with_extra_adds_operators_without_changing_the_original() -> None:
    spec = CATALOG.get("@internal/time/now")
    assert spec is not None
    from dataclasses import replace

    extended = CATALOG.with_extra([replace(spec, name="@custom/x/y")])
    assert extended.get("@custom/x/y") is not None
    assert CATALOG.get("@custom/x/y") is None
