"""The built-in operators of SPEC section 2 with their parameters and outputs."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Mapping
from typing import Any

from flowauto.domain.cron_expression import cron_problem
from flowauto.domain.operator_catalog import (
    OperatorKind,
    OperatorSpec,
    ParameterRule,
    ParamSpec,
    ParamType,
)
from flowauto.domain.reference import is_exact_reference

STR, NUM, INT, BOOL, OBJ, ARR, ANY = (
    ParamType.STRING, ParamType.NUMBER, ParamType.INTEGER, ParamType.BOOLEAN,
    ParamType.OBJECT, ParamType.ARRAY, ParamType.ANY,
)  # fmt: skip
# Full-width comma and semicolon are separators of Chinese text.
SEPARATORS = ("", ",", ";", "\uff0c", "\uff1b", "custom")
FORM_FIELD_TYPES = (
    "string", "long_string", "number", "datetime", "radio", "checkbox", "asFile", "asFolder",
    "asPerm",
)  # fmt: skip
MATCH_TYPES = (
    "NUMBER", "CN_ID_CARD", "CN_PHONE_NUMBER", "CN_BANK_CARD_NUMBER", "EMAIL", "URL", "REGEX",
)  # fmt: skip
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


def p(name: str, type_: ParamType, required: bool = False, **more: Any) -> ParamSpec:
    return ParamSpec(name=name, type=type_, required=required, **more)


def _given(parameters: Mapping[str, Any], name: str) -> Any:
    """A parameter's literal value, or None when absent or only known at run time."""
    value = parameters.get(name)
    return None if is_exact_reference(value) else value


def timezone_rule(parameters: Mapping[str, Any]) -> tuple[str, str] | None:
    zone = _given(parameters, "timezone")
    if zone is None:
        return None
    try:
        zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return "timezone", f"{zone!r} is not an IANA time zone"
    return None


def custom_separator_rule(parameters: Mapping[str, Any]) -> tuple[str, str] | None:
    if parameters.get("separator") == "custom" and not parameters.get("custom"):
        return "custom", "is required when separator is 'custom'"
    return None


def regex_rule(parameters: Mapping[str, Any]) -> tuple[str, str] | None:
    if parameters.get("matchtype") != "REGEX":
        return None
    if "pattern" not in parameters:
        return "pattern", "is required when matchtype is REGEX"
    pattern = _given(parameters, "pattern")
    try:
        if pattern is not None:
            re.compile(pattern)
    except re.error as error:
        return "pattern", f"is not a valid regular expression: {error}"
    return None


def cron_rule(parameters: Mapping[str, Any]) -> tuple[str, str] | None:
    expression = _given(parameters, "expression")
    problem = cron_problem(expression) if isinstance(expression, str) else None
    return ("expression", problem) if problem else None


def wait_rule(parameters: Mapping[str, Any]) -> tuple[str, str] | None:
    given = [name for name in ("duration_ms", "until") if name in parameters]
    if len(given) != 1:
        return "duration_ms", "give exactly one of duration_ms and until"
    return None


def form_fields_rule(parameters: Mapping[str, Any]) -> tuple[str, str] | None:
    fields = _given(parameters, "fields")
    if not isinstance(fields, list):
        return None
    keys: set[str] = set()
    for index, item in enumerate(fields):
        where = f"fields[{index}]"
        if not isinstance(item, Mapping) or not isinstance(item.get("key"), str) or not item["key"]:
            return where, "needs a non-empty string key"
        if item.get("type", "string") not in FORM_FIELD_TYPES:
            return f"{where}.type", f"must be one of {', '.join(FORM_FIELD_TYPES)}"
        if not isinstance(item.get("required", False), bool):
            return f"{where}.required", "must be true or false"
        if item["key"] in keys:
            return f"{where}.key", f"{item['key']!r} is used twice"
        keys.add(item["key"])
    return None


def trigger(
    name: str,
    title: str,
    *params: ParamSpec,
    outputs: tuple[str, ...] = (),
    rules: tuple[ParameterRule, ...] = (),
    data_source: bool = False,
) -> OperatorSpec:
    return OperatorSpec(
        name=name,
        kind=OperatorKind.TRIGGER,
        title=title,
        params=params,
        outputs=outputs,
        rules=rules,
        allows_data_source=data_source,
    )


def action(
    name: str,
    title: str,
    *params: ParamSpec,
    outputs: tuple[str, ...] = (),
    rules: tuple[ParameterRule, ...] = (),
) -> OperatorSpec:
    return OperatorSpec(
        name=name,
        kind=OperatorKind.ACTION,
        title=title,
        params=params,
        outputs=outputs,
        rules=rules,
    )


def comparison(
    name: str, title: str, *, unary: bool = False, b_enum: tuple[str, ...] = ()
) -> OperatorSpec:
    params = (p("a", ANY, True),) if unary else (p("a", ANY, True), p("b", ANY, True, enum=b_enum))
    return OperatorSpec(
        name=name, kind=OperatorKind.COMPARISON, title=title, params=params, outputs=("result",)
    )


TZ = p("timezone", STR, description="IANA time zone, default UTC")
CATCHUP = p("catchup", BOOL, description="ticks missed while down: one run (true, default) or none")
HOUR, MINUTE = (
    p("hour", INT, True, minimum=0, maximum=23),
    p("minute", INT, True, minimum=0, maximum=59),
)
CRON = (timezone_rule,)

TRIGGERS = (
    trigger("@trigger/manual", "Start by hand", data_source=True),
    trigger("@trigger/form", "Start from a form", p("fields", ARR, True),
            outputs=("fields", "accessor"),
            rules=(form_fields_rule,)),
    trigger("@trigger/cron", "Every day", HOUR, MINUTE, TZ, CATCHUP, rules=CRON,
            data_source=True),
    trigger("@trigger/cron/week", "Every week", p("weekday", INT, True, minimum=0, maximum=6),
            HOUR, MINUTE, TZ, CATCHUP, rules=CRON, data_source=True),
    trigger("@trigger/cron/month", "Every month", p("day", INT, True, minimum=1, maximum=31),
            HOUR, MINUTE, TZ, CATCHUP, rules=CRON, data_source=True),
    trigger("@trigger/cron/expr", "Cron expression", p("expression", STR, True), TZ, CATCHUP,
            rules=(cron_rule, timezone_rule), data_source=True),
    trigger("@trigger/event", "On an event", p("topic", STR, True), p("filter", OBJ),
            outputs=("event",)),
    trigger("@trigger/webhook", "On a webhook call", p("secret_ref", STR),
            outputs=("body", "headers")),
)  # fmt: skip

CONTROL = (
    OperatorSpec(name="@control/flow/branches", kind=OperatorKind.CONTROL, title="Branches",
                 takes_branches=True, branches_have_conditions=True),
    OperatorSpec(name="@control/flow/loop", kind=OperatorKind.CONTROL, title="Loop",
                 params=(p("items", ANY, True), p("max_parallel", INT, minimum=1, maximum=1000)),
                 outputs=("results", "index"), takes_steps=True),
    OperatorSpec(name="@control/flow/parallel", kind=OperatorKind.CONTROL, title="Parallel",
                 takes_branches=True),
    OperatorSpec(name="@control/flow/subdag", kind=OperatorKind.CONTROL, title="Sub-DAG",
                 params=(p("dag_id", STR, True), p("version", STR), p("inputs", OBJ)),
                 outputs=("outputs",)),
)  # fmt: skip

APPROVAL_RESULTS = ("pass", "reject", "revoke")
_STRING_CMP = ("eq", "neq", "contains", "not-contains", "start-with", "end-with")
COMPARISONS = (
    *(comparison(f"@internal/cmp/string-{c}", f"Text {c}") for c in _STRING_CMP),
    comparison("@internal/cmp/string-empty", "Text is empty", unary=True),
    comparison("@internal/cmp/string-not-empty", "Text is not empty", unary=True),
    *(comparison(f"@internal/cmp/number-{c}", f"Number {c}")
      for c in ("eq", "neq", "gt", "gte", "lt", "lte")),
    *(comparison(f"@internal/cmp/date-{c}", f"Date {c}")
      for c in ("eq", "neq", "earlier-than", "later-than")),
    *(comparison(f"@workflow/cmp/approval-{c}", f"Approval {c}", b_enum=APPROVAL_RESULTS)
      for c in ("eq", "neq")),
)  # fmt: skip

SEPARATOR = p("separator", STR, enum=SEPARATORS)
ACTIONS = (
    action("@internal/text/join", "Join texts", p("texts", ARR, True), SEPARATOR, p("custom", STR),
           outputs=("text",), rules=(custom_separator_rule,)),
    action("@internal/text/split", "Split a text", p("text", STR, True), SEPARATOR,
           p("custom", STR),
           outputs=("slices",), rules=(custom_separator_rule,)),
    action("@internal/text/match", "Find matches", p("text", STR, True),
           p("matchtype", STR, True, enum=MATCH_TYPES), p("pattern", STR), outputs=("matched",),
           rules=(regex_rule,)),
    action("@internal/time/now", "Current time", outputs=("curtime",)),
    action("@internal/time/relative", "Shift a time", p("old_time", STR, True),
           p("relative_type", STR, True, enum=("add", "sub")),
           p("relative_value", INT, True, minimum=0),
           p("relative_unit", STR, True, enum=("day", "hour", "minute")), outputs=("new_time",)),
    action("@internal/json/get", "Read from JSON", p("value", ANY, True), p("path", STR, True),
           outputs=("value",)),
    action("@internal/json/set", "Write into JSON", p("value", ANY, True), p("path", STR, True),
           p("new", ANY, True), outputs=("value",)),
    action("@internal/json/parse", "Parse JSON", p("text", STR, True), outputs=("value",)),
    action("@internal/json/stringify", "Write JSON", p("value", ANY, True), outputs=("text",)),
    action("@internal/assign", "Set a run variable", p("name", STR, True), p("value", ANY, True)),
    action("@internal/http/request", "HTTP request", p("method", STR, True, enum=HTTP_METHODS),
           p("url", STR, True), p("headers", OBJ), p("query", OBJ), p("body", ANY),
           p("timeout_ms", INT, minimum=1, maximum=3_600_000), p("connection_id", STR),
           p("allow_error_status", BOOL, description="4xx/5xx answers succeed instead of failing"),
           outputs=("status", "headers", "body")),
    action("@internal/wait", "Wait", p("duration_ms", INT, minimum=1), p("until", STR),
           rules=(wait_rule,)),
    action("@workflow/approval", "Approval", p("title", STR, True), p("contents", ARR, True),
           p("approvers", ARR), outputs=("result", "data", "approver")),
    action("@internal/kafka/publish", "Publish an event", p("topic", STR, True), p("key", ANY),
           p("value", ANY, True)),
    action("@internal/tool/py3", "Python 3 code", p("code", STR, True), p("input_params", ANY),
           p("output_params", ANY), outputs=("outputs",)),
)  # fmt: skip

BUILTIN_OPERATORS: tuple[OperatorSpec, ...] = (*TRIGGERS, *CONTROL, *COMPARISONS, *ACTIONS)
