"""Per-step retry delays and form value checks."""

from __future__ import annotations

import pytest

from flowauto.domain.dag import RetryPolicy
from flowauto.domain.errors import FieldInvalidError
from flowauto.domain.form import check_form
from flowauto.domain.retry_policy import retry_delay_ms

POLICY = RetryPolicy(max_attempts=4, backoff_ms=100, max_backoff_ms=300)


@pytest.mark.parametrize(("attempt", "low", "high"), [(1, 50, 100), (2, 100, 200), (3, 150, 300)])
def test_delays_grow_exponentially_with_jitter_up_to_the_cap(
    attempt: int, low: int, high: int
) -> None:
    assert retry_delay_ms(POLICY, attempt, lambda: 0.0) == low
    assert retry_delay_ms(POLICY, attempt, lambda: 0.999) in range(low, high + 1)


def test_no_delay_once_attempts_are_used_up() -> None:
    assert retry_delay_ms(POLICY, 4, lambda: 0.5) is None
    assert retry_delay_ms(RetryPolicy(), 1, lambda: 0.5) is None


FIELDS = [
    {"key": "amount", "type": "number", "required": True},
    {"key": "when", "type": "datetime"},
    {"key": "size", "type": "radio", "data": [{"value": "s"}, {"value": "m"}]},
    {"key": "extras", "type": "checkbox", "data": ["x", "y"]},
    {"key": "note", "type": "long_string"},
]


def test_valid_form_values_pass_and_unknown_keys_are_dropped() -> None:
    data = {"amount": 3.5, "when": "2026-01-02T03:04:05Z", "size": "m", "extras": ["y"], "zz": 1}
    assert check_form(FIELDS, data) == {k: v for k, v in data.items() if k != "zz"}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "data.amount"),
        ({"amount": "12"}, "data.amount"),
        ({"amount": True}, "data.amount"),
        ({"amount": 1, "when": "yesterday"}, "data.when"),
        ({"amount": 1, "size": "xl"}, "data.size"),
        ({"amount": 1, "extras": ["z"]}, "data.extras"),
        ({"amount": 1, "note": 5}, "data.note"),
    ],
)
def test_invalid_form_values_name_the_field(data: dict[str, object], field: str) -> None:
    with pytest.raises(FieldInvalidError) as caught:
        check_form(FIELDS, data)
    assert caught.value.detail["field"] == field
