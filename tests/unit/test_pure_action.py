"""Unit tests of the built-in pure actions: text, time, JSON and assign."""

from __future__ import annotations

import copy
import datetime
from typing import Any

import pytest

from flowauto.domain.pure_action import PURE_ACTIONS, run_pure_action
from flowauto.domain.step_failure import StepFailure

NOW = datetime.datetime(2026, 11, 25, 10, 0, 0, 123456, tzinfo=datetime.UTC)


def run(operator: str, **parameters: Any) -> dict[str, Any]:
    return run_pure_action("@internal/" + operator, parameters, NOW)


def fails(operator: str, reason: str, **parameters: Any) -> None:
    with pytest.raises(StepFailure, match=reason):
        run(operator, **parameters)


def test_pure_actions_lists_every_action() -> None:
    names = ["text/join", "text/split", "text/match", "time/now", "time/relative"]
    names += ["json/get", "json/set", "json/parse", "json/stringify", "assign"]

    assert {"@internal/" + name for name in names} == PURE_ACTIONS


def test_unknown_action_fails() -> None:
    with pytest.raises(StepFailure, match=r"unknown pure action '@internal/text/upper'"):
        run_pure_action("@internal/text/upper", {}, NOW)


# --- text/join and text/split ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("separator", "custom", "expected"),
    [
        (None, None, "a1True"),
        ("", None, "a1True"),
        (",", None, "a,1,True"),
        (";", None, "a;1;True"),
        ("\uff0c", None, "a\uff0c1\uff0cTrue"),
        ("\uff1b", None, "a\uff1b1\uff1bTrue"),
        ("custom", " | ", "a | 1 | True"),
    ],
)
def test_join_puts_the_separator_between_texts(
    separator: str | None, custom: str | None, expected: str
) -> None:
    result = run("text/join", texts=["a", 1, True], separator=separator, custom=custom)

    assert result == {"text": expected}


def test_join_of_no_texts_is_empty() -> None:
    assert run("text/join", texts=[], separator=",") == {"text": ""}


def test_join_fails_when_texts_is_not_a_list() -> None:
    fails("text/join", r"^text/join: texts is 'abc', not a list$", texts="abc")


def test_join_fails_when_texts_is_missing() -> None:
    fails("text/join", r"^text/join: texts is required$")


def test_join_fails_for_a_separator_outside_the_list() -> None:
    fails("text/join", r"separator is '\|', not one of", texts=["a"], separator="|")


@pytest.mark.parametrize("custom", [None, "", 5])
def test_custom_separator_needs_a_non_empty_custom_text(custom: object) -> None:
    fails("text/split", r"custom is .*separator 'custom' needs", text="a", separator="custom",
          custom=custom)  # fmt: skip


@pytest.mark.parametrize(
    ("text", "separator", "custom", "expected"),
    [
        ("a,b,,c", ",", None, ["a", "b", "", "c"]),
        ("a;b", ";", None, ["a", "b"]),
        ("\u7532\uff0c\u4e59", "\uff0c", None, ["\u7532", "\u4e59"]),
        ("a--b--c", "custom", "--", ["a", "b", "c"]),
        ("abc", "", None, ["a", "b", "c"]),
        ("abc", None, None, ["a", "b", "c"]),
        ("abc", ",", None, ["abc"]),
    ],
)
def test_split_cuts_text_at_the_separator(
    text: str, separator: str | None, custom: str | None, expected: list[str]
) -> None:
    result = run("text/split", text=text, separator=separator, custom=custom)

    assert result == {"slices": expected}


def test_split_fails_when_text_is_not_a_text() -> None:
    fails("text/split", r"^text/split: text is 12, not a text$", text=12, separator=",")


# --- text/match -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("matchtype", "text", "expected"),
    [
        ("NUMBER", "paid 12, owes -3.5 and 0.25", ["12", "-3.5", "0.25"]),
        ("CN_ID_CARD", "id 11010519491231002X, 110105194912310021.", [
            "11010519491231002X", "110105194912310021",
        ]),
        ("CN_ID_CARD", "not 1101051949123100211 nor 110105194913310021", []),
        ("CN_PHONE_NUMBER", "call 13812345678 or 12812345678", ["13812345678"]),
        ("CN_PHONE_NUMBER", "138123456789 is too long", []),
        ("CN_BANK_CARD_NUMBER", "card 6222021234567890123; 622202123456789", [
            "6222021234567890123",
        ]),
        ("EMAIL", "mail a.b+c@example.co.uk, or x@y", ["a.b+c@example.co.uk"]),
        ("URL", "see https://example.com/a?b=1. (or http://x.org/p_1)", [
            "https://example.com/a?b=1", "http://x.org/p_1",
        ]),
        ("URL", "\u8bbf\u95ee https://example.com\uff0c\u8c22\u8c22", ["https://example.com"]),
    ],
)  # fmt: skip
def test_match_finds_the_built_in_kinds(matchtype: str, text: str, expected: list[str]) -> None:
    assert run("text/match", text=text, matchtype=matchtype) == {"matched": expected}


def test_match_regex_returns_whole_matches_even_with_groups() -> None:
    result = run("text/match", text="a1 b22 c", matchtype="REGEX", pattern=r"([a-z])(\d+)")

    assert result == {"matched": ["a1", "b22"]}


def test_match_fails_for_a_bad_regex_naming_the_pattern() -> None:
    fails("text/match", r"^text/match: pattern '\(a' is not a valid regex", text="a",
          matchtype="REGEX", pattern="(a")  # fmt: skip


def test_match_regex_needs_a_pattern() -> None:
    fails("text/match", r"pattern is required", text="a", matchtype="REGEX")


def test_match_fails_for_an_unknown_matchtype() -> None:
    fails("text/match", r"matchtype is 'IBAN', not one of", text="a", matchtype="IBAN")


# --- time/now and time/relative ---------------------------------------------------------------


def test_now_is_rfc3339_in_seconds_with_z_for_utc() -> None:
    assert run("time/now") == {"curtime": "2026-11-25T10:00:00Z"}


def test_now_keeps_the_offset_of_the_clock() -> None:
    now = NOW.astimezone(datetime.timezone(datetime.timedelta(hours=8)))

    result = run_pure_action("@internal/time/now", {}, now)

    assert result == {"curtime": "2026-11-25T18:00:00+08:00"}


@pytest.mark.parametrize(
    ("old_time", "kind", "value", "unit", "expected"),
    [
        ("2026-11-25T10:00:00Z", "add", 1, "day", "2026-11-26T10:00:00Z"),
        ("2026-11-25T10:00:00Z", "sub", 3, "hour", "2026-11-25T07:00:00Z"),
        ("2026-11-25T10:00:00Z", "add", "90", "minute", "2026-11-25T11:30:00Z"),
        ("2026-11-25T10:00:00+08:00", "add", 14, "hour", "2026-11-26T00:00:00+08:00"),
        ("2026-03-01T00:00:00-05:00", "sub", 1, "day", "2026-02-28T00:00:00-05:00"),
        ("2026-11-25T10:00:00", "add", 0, "day", "2026-11-25T10:00:00Z"),
        ("2026-11-25T10:00:00.5Z", "add", 1, "minute", "2026-11-25T10:01:00.500000Z"),
    ],
)
def test_relative_shifts_a_time_keeping_its_offset(
    old_time: str, kind: str, value: object, unit: str, expected: str
) -> None:
    result = run("time/relative", old_time=old_time, relative_type=kind, relative_value=value,
                 relative_unit=unit)  # fmt: skip

    assert result == {"new_time": expected}


GOOD_SHIFT = {
    "old_time": "2026-11-25T10:00:00Z",
    "relative_type": "add",
    "relative_value": 1,
    "relative_unit": "day",
}


@pytest.mark.parametrize(
    ("name", "bad", "reason"),
    [
        ("old_time", "soon", r"old_time is 'soon', not an RFC 3339 time"),
        ("old_time", 1700000000, r"old_time is 1700000000, not a text"),
        ("relative_type", "mul", r"relative_type is 'mul', not one of 'add', 'sub'"),
        ("relative_value", "1.5", r"relative_value is '1.5', not a whole number"),
        ("relative_value", True, r"relative_value is True, not a whole number"),
        ("relative_value", None, r"relative_value is required"),
        ("relative_unit", "week", r"relative_unit is 'week', not one of"),
        ("relative_value", 10**9, r"new_time is out of range"),
    ],
)
def test_relative_fails_with_a_reason_naming_the_parameter(
    name: str, bad: object, reason: str
) -> None:
    fails("time/relative", "^time/relative: " + reason, **{**GOOD_SHIFT, name: bad})


# --- json/get and json/set --------------------------------------------------------------------

DOC = {"items": [{"id": 7, "tags": ["a", "b"]}], "owner": {"name": "li"}, "0": "zero"}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("items.0.id", 7),
        ("items.0.tags.1", "b"),
        ("owner", {"name": "li"}),
        ("0", "zero"),
        ("", DOC),
        ("owner.age", None),
        ("items.5.id", None),
        ("items.x", None),
        ("owner.name.first", None),
    ],
)
def test_get_reads_a_dotted_path(path: str, expected: object) -> None:
    assert run("json/get", value=DOC, path=path) == {"value": expected}


def test_get_parses_a_value_that_is_json_text() -> None:
    result = run("json/get", value='{"a": [1, {"b": "x"}]}', path="a.1.b")

    assert result == {"value": "x"}


def test_get_keeps_a_text_that_is_not_a_json_object_or_array() -> None:
    assert run("json/get", value="123", path="") == {"value": "123"}
    assert run("json/get", value="hello", path="") == {"value": "hello"}


def test_get_fails_when_path_is_not_a_text() -> None:
    fails("json/get", r"^json/get: path is 3, not a text$", value=DOC, path=3)


@pytest.mark.parametrize(
    ("path", "new", "expected"),
    [
        ("owner.name", "wang", {**DOC, "owner": {"name": "wang"}}),
        ("items.0.tags.0", "z", {**DOC, "items": [{"id": 7, "tags": ["z", "b"]}]}),
        ("extra.deep.key", 1, {**DOC, "extra": {"deep": {"key": 1}}}),
        ("", [1], [1]),
    ],
)
def test_set_returns_a_copy_with_the_path_set(path: str, new: object, expected: object) -> None:
    before = copy.deepcopy(DOC)

    result = run("json/set", value=DOC, path=path, new=new)

    assert result == {"value": expected}
    assert before == DOC


def test_set_output_shares_nothing_with_the_input() -> None:
    value: dict[str, Any] = {"a": {"b": [1]}, "c": [2]}

    result = run("json/set", value=value, path="a.x", new=0)
    result["value"]["c"].append(3)
    result["value"]["a"]["b"].append(4)

    assert value == {"a": {"b": [1]}, "c": [2]}


def test_set_parses_a_value_that_is_json_text() -> None:
    assert run("json/set", value='{"a": 1}', path="b", new=2) == {"value": {"a": 1, "b": 2}}


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("items.3", r"path 'items.3': index 3 is out of range \(1 items\)"),
        ("items.first", r"path 'items.first': 'first' is not an index of a list"),
        ("owner.name.first", r"path 'owner.name' is 'li', not an object or a list"),
    ],
)
def test_set_fails_for_a_path_that_cannot_be_written(path: str, reason: str) -> None:
    fails("json/set", "^json/set: " + reason, value=DOC, path=path, new=1)


def test_set_fails_when_value_is_not_a_container() -> None:
    fails("json/set", r"^json/set: value is 5, not an object or a list$", value=5, path="a", new=1)


# --- json/parse and json/stringify ------------------------------------------------------------


def test_parse_reads_json_text() -> None:
    assert run("json/parse", text='{"a": [1, 2.5, null, "\u4e2d"]}') == {
        "value": {"a": [1, 2.5, None, "\u4e2d"]}
    }


def test_parse_fails_naming_text_and_the_position() -> None:
    fails("json/parse", r"^json/parse: text is not valid JSON: .* at line 1 column 7 \(char 6\)$",
          text='{"a": }')  # fmt: skip


def test_parse_fails_when_text_is_not_a_text() -> None:
    fails("json/parse", r"text is \{\}, not a text", text={})


def test_stringify_writes_compact_json_keeping_non_ascii() -> None:
    result = run("json/stringify", value={"name": "\u674e", "n": [1, None, True]})

    assert result == {"text": '{"name":"\u674e","n":[1,null,true]}'}


@pytest.mark.parametrize("bad", [{1, 2}, float("nan")])
def test_stringify_fails_for_values_json_cannot_hold(bad: object) -> None:
    fails("json/stringify", r"^json/stringify: value cannot be written as JSON", value=bad)


# --- assign -----------------------------------------------------------------------------------


def test_assign_returns_the_name_and_the_value() -> None:
    result = run("assign", name="region", value={"code": "cn"})

    assert result == {"name": "region", "value": {"code": "cn"}}


@pytest.mark.parametrize(("bad", "reason"), [("", "name is required"), (7, "name is 7, not a")])
def test_assign_fails_without_a_text_name(bad: object, reason: str) -> None:
    fails("assign", "^assign: " + reason, name=bad, value=1)
