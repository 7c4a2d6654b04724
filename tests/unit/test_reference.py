from __future__ import annotations

import pytest

from flowauto.domain.reference import (
    ReferenceKind,
    ReferenceSyntaxError,
    exact_reference,
    find_references,
)


def test_an_exact_reference_keeps_its_path_with_list_indexes() -> None:
    reference = exact_reference("{{__3.body.items.0.id}}")

    assert reference is not None
    assert (reference.kind, reference.name, reference.path) == (
        ReferenceKind.STEP, "3", ("body", "items", 0, "id"),
    )  # fmt: skip


def test_a_reference_inside_a_longer_string_is_not_exact() -> None:
    assert exact_reference("total: {{__1.fields.amount}}") is None
    assert exact_reference(42) is None


def test_references_are_found_in_nested_values() -> None:
    value = {"a": ["x {{__1.fields.amount}} y", {"b": "{{ __vars.region }}"}], "c": 3}

    found = find_references(value)

    assert [(r.kind, r.name, r.path) for r in found] == [
        (ReferenceKind.STEP, "1", ("fields", "amount")),
        (ReferenceKind.VARS, "region", ()),
    ]


@pytest.mark.parametrize(
    ("text", "kind", "name"),
    [
        ("{{__run.id}}", ReferenceKind.RUN, "id"),
        ("{{__run.dag_id}}", ReferenceKind.RUN, "dag_id"),
        ("{{__loop.item}}", ReferenceKind.LOOP, "item"),
        ("{{__loop.index}}", ReferenceKind.LOOP, "index"),
        ("{{__secrets.crm.api_key}}", ReferenceKind.SECRETS, "crm"),
    ],
)
def test_special_references(text: str, kind: ReferenceKind, name: str) -> None:
    reference = exact_reference(text)
    assert reference is not None
    assert (reference.kind, reference.name) == (kind, name)


@pytest.mark.parametrize(
    "text", ["{{__run.user}}", "{{__loop.value}}", "{{__secrets.crm}}", "{{__1..x}}", "{{__}}"]
)
def test_malformed_references_are_errors(text: str) -> None:
    with pytest.raises(ReferenceSyntaxError):
        find_references(text)
