"""Reference resolution at run time: types kept for exact references, text otherwise."""

from __future__ import annotations

import pytest

from flowauto.domain.resolution import Scope, resolve
from flowauto.domain.step_failure import StepFailure

SCOPE = Scope(
    outputs={
        "1": {"fields": {"amount": 12, "tags": ["a", "b"]}},
        "3": {"body": {"items": [{"id": 7}]}},
    },
    vars={"region": "eu"},
    run_id="r1",
    dag_id="d1",
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("{{__1.fields.amount}}", 12),
        ("{{ __1.fields.tags }}", ["a", "b"]),
        ("{{__3.body.items.0.id}}", 7),
        ("{{__3.body.items.5.id}}", None),
        ("{{__vars.region}}", "eu"),
        ("{{__run.id}}/{{__run.dag_id}}", "r1/d1"),
        ("total {{__1.fields.amount}} in {{__vars.region}}", "total 12 in eu"),
        ("tags {{__1.fields.tags}}", 'tags ["a","b"]'),
        ({"nested": ["{{__1.fields.amount}}"]}, {"nested": [12]}),
        ("no reference", "no reference"),
    ],
)
def test_references_resolve_with_their_types_kept(value: object, expected: object) -> None:
    assert resolve(value, SCOPE) == expected


def test_a_step_without_outputs_fails_the_step() -> None:
    with pytest.raises(StepFailure, match="step 9 has no outputs"):
        resolve("{{__9.x}}", SCOPE)


def test_loop_fields_resolve_inside_a_loop() -> None:
    inner = SCOPE.in_loop({"n": 5}, 2, SCOPE.outputs)
    assert resolve(["{{__loop.item.n}}", "{{__loop.index}}"], inner) == [5, 2]


def test_secrets_come_from_the_lookup_and_unknown_ones_fail() -> None:
    with pytest.raises(StepFailure, match="no secret"):
        resolve("{{__secrets.crm.token}}", SCOPE)
