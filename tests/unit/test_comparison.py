"""Unit tests of the built-in comparison operators and of condition groups."""

from __future__ import annotations

import pytest

from flowauto.domain.comparison import COMPARISON_OPERATORS, compare, holds, parse_rfc3339
from flowauto.domain.step_failure import StepFailure

CMP = "@internal/cmp/"


@pytest.mark.parametrize(
    ("name", "a", "b", "expected"),
    [
        ("string-eq", "abc", "abc", True),
        ("string-eq", "abc", "ABC", False),
        ("string-neq", "abc", "abd", True),
        ("string-neq", "abc", "abc", False),
        ("string-contains", "hello world", "lo w", True),
        ("string-contains", "hello", "xyz", False),
        ("string-not-contains", "hello", "xyz", True),
        ("string-not-contains", "hello", "ell", False),
        ("string-start-with", "invoice-42", "invoice", True),
        ("string-start-with", "invoice-42", "42", False),
        ("string-end-with", "invoice-42", "-42", True),
        ("string-end-with", "invoice-42", "invoice", False),
    ],
)
def test_string_comparisons_compare_texts(name: str, a: str, b: str, expected: bool) -> None:
    assert compare(CMP + name, a, b) is expected


@pytest.mark.parametrize(
    ("a", "b"),
    [(12, "12"), (12.5, "12.5"), (True, "True"), (None, ""), ("", None)],
)
def test_string_eq_reads_numbers_bools_and_none_as_text(a: object, b: object) -> None:
    assert compare(CMP + "string-eq", a, b) is True


@pytest.mark.parametrize(("a", "expected"), [("", True), (None, True), (" ", False), (0, False)])
def test_string_empty_looks_only_at_a(a: object, expected: bool) -> None:
    # b is deliberately something no text comparison could read.
    assert compare(CMP + "string-empty", a, ["ignored"]) is expected
    assert compare(CMP + "string-not-empty", a, {"ignored": 1}) is not expected


def test_string_comparison_fails_with_a_reason_for_a_list() -> None:
    with pytest.raises(StepFailure, match=r"string-contains: b is \[1, 2\], not a text"):
        compare(CMP + "string-contains", "abc", [1, 2])


@pytest.mark.parametrize(
    ("name", "a", "b", "expected"),
    [
        ("number-eq", 3, 3.0, True),
        ("number-eq", "12.5", 12.5, True),
        ("number-eq", 0.1, "0.1", True),
        ("number-neq", 3, 4, True),
        ("number-neq", "3", 3, False),
        ("number-gt", 10, "9", True),
        ("number-gt", 9, 9, False),
        ("number-gte", 9, 9, True),
        ("number-gte", "-1.5", -1, False),
        ("number-lt", "-3", 2, True),
        ("number-lt", 2, 2, False),
        ("number-lte", 2, " 2 ", True),
        ("number-lte", "1e3", 999, False),
    ],
)
def test_number_comparisons_accept_numbers_and_numeric_text(
    name: str, a: object, b: object, expected: bool
) -> None:
    assert compare(CMP + name, a, b) is expected


def test_number_eq_compares_large_integers_exactly() -> None:
    assert compare(CMP + "number-neq", "9007199254740993", 9007199254740992) is True


def test_number_gt_fails_with_a_reason_for_text() -> None:
    with pytest.raises(StepFailure, match=r"^number-gt: a is 'abc', not a number$"):
        compare(CMP + "number-gt", "abc", 1)


@pytest.mark.parametrize(
    "bad", [None, True, [1], {"n": 1}, "", "nan", "inf", "1_000", "12abc", float("nan")]
)
def test_number_comparison_fails_for_values_that_are_not_numbers(bad: object) -> None:
    with pytest.raises(StepFailure, match=r"^number-lte: b is .*, not a number$"):
        compare(CMP + "number-lte", 1, bad)


def test_a_long_operand_is_cut_short_in_the_reason() -> None:
    with pytest.raises(StepFailure) as failure:
        compare(CMP + "number-eq", "x" * 500, 1)

    assert len(failure.value.reason) < 120
    assert "..." in failure.value.reason


@pytest.mark.parametrize(
    ("name", "a", "b", "expected"),
    [
        ("date-eq", "2026-11-25T10:00:00Z", "2026-11-25T18:00:00+08:00", True),
        ("date-eq", "2026-11-25T10:00:00", "2026-11-25T10:00:00Z", True),
        ("date-eq", "2026-11-25t10:00:00z", "2026-11-25T10:00:00.000Z", True),
        ("date-eq", "2026-11-25", "2026-11-25T00:00:00Z", True),
        ("date-eq", 0, "1970-01-01T00:00:00Z", True),
        ("date-eq", 1.5, "1970-01-01T00:00:01.5Z", True),
        ("date-neq", "2026-11-25T10:00:00Z", "2026-11-25T10:00:01Z", True),
        ("date-neq", "2026-11-25T10:00:00Z", "2026-11-25T11:00:00+01:00", False),
        ("date-earlier-than", "2026-11-25T10:00:00+08:00", "2026-11-25T10:00:00Z", True),
        ("date-earlier-than", "2026-11-25T10:00:00Z", "2026-11-25T10:00:00Z", False),
        ("date-later-than", 1_800_000_000, "2026-01-01T00:00:00Z", True),
        ("date-later-than", "2020-01-01", 1_800_000_000, False),
    ],
)
def test_date_comparisons_compare_instants(name: str, a: object, b: object, expected: bool) -> None:
    assert compare(CMP + name, a, b) is expected


@pytest.mark.parametrize("bad", ["yesterday", "", None, True, [2026], "2026-13-01", 1e20])
def test_date_comparison_fails_with_a_reason_naming_the_operand(bad: object) -> None:
    with pytest.raises(StepFailure, match=r"^date-earlier-than: a is .*, not an RFC 3339 time"):
        compare(CMP + "date-earlier-than", bad, "2026-11-25T10:00:00Z")


def test_parse_rfc3339_takes_a_naive_time_as_utc() -> None:
    assert parse_rfc3339("2026-11-25T10:00:00").isoformat() == "2026-11-25T10:00:00+00:00"


@pytest.mark.parametrize(
    ("name", "a", "b", "expected"),
    [
        ("approval-eq", "pass", "pass", True),
        ("approval-eq", "reject", "pass", False),
        ("approval-eq", None, "pass", False),
        ("approval-neq", "revoke", "pass", True),
        ("approval-neq", "reject", "reject", False),
    ],
)
def test_approval_comparisons_compare_results(
    name: str, a: object, b: object, expected: bool
) -> None:
    assert compare("@workflow/cmp/" + name, a, b) is expected


def test_approval_comparison_fails_when_b_is_not_an_approval_result() -> None:
    with pytest.raises(StepFailure, match=r"approval-eq: b is 'maybe', not one of pass"):
        compare("@workflow/cmp/approval-eq", "pass", "maybe")


def test_unknown_comparison_fails() -> None:
    with pytest.raises(StepFailure, match=r"^unknown comparison '@internal/cmp/string-like'$"):
        compare(CMP + "string-like", "a", "b")


def test_every_documented_operator_is_known() -> None:
    strings = ["eq", "neq", "contains", "not-contains", "empty", "not-empty"]
    strings += ["start-with", "end-with"]
    expected = {CMP + "string-" + name for name in strings}
    expected |= {CMP + "number-" + name for name in ("eq", "neq", "gt", "gte", "lt", "lte")}
    expected |= {CMP + "date-" + name for name in ("eq", "neq", "earlier-than", "later-than")}
    expected |= {"@workflow/cmp/approval-eq", "@workflow/cmp/approval-neq"}

    assert expected == COMPARISON_OPERATORS


YES = (CMP + "number-eq", 1, 1)
NO = (CMP + "number-eq", 1, 2)
BROKEN = (CMP + "number-eq", "abc", 1)


@pytest.mark.parametrize(
    ("groups", "expected"),
    [
        ([], True),
        ([[]], True),
        ([[YES, YES]], True),
        ([[YES, NO]], False),
        ([[NO], [YES]], True),
        ([[NO], [NO, YES]], False),
        ([[NO], []], True),
    ],
)
def test_holds_is_an_or_of_and_groups(
    groups: list[list[tuple[str, object, object]]], expected: bool
) -> None:
    assert holds(groups) is expected


def test_holds_stops_at_the_first_group_that_holds() -> None:
    assert holds([[YES], [BROKEN]]) is True
    assert holds([[NO, BROKEN]]) is False


def test_holds_fails_when_an_evaluated_comparison_cannot_read_its_operand() -> None:
    with pytest.raises(StepFailure, match="number-eq: a is 'abc'"):
        holds([[NO], [YES, BROKEN]])
