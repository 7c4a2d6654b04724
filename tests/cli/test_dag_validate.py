"""`flowauto dag validate`: offline, with the server's rules and the server's words."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from flowauto.cli import main
from tests.documents import dag_document, join_step, manual_trigger, now_step


def write(path: Path, document: Any) -> str:
    path.write_text(json.dumps(document))
    return str(path)


def validate(capsys: pytest.CaptureFixture[str], *files: str) -> tuple[int, str]:
    code = main(["dag", "validate", *files])
    return code, capsys.readouterr().out


def test_a_valid_document_is_reported_valid(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = dag_document(
        steps=[manual_trigger(), now_step("2"), join_step("3", "{{__2.curtime}}")]
    )
    code, out = validate(capsys, write(tmp_path / "ok.json", document))

    assert code == 0
    assert out == f"{tmp_path / 'ok.json'}: valid\n"


def test_an_unknown_operator_names_the_step_where_it_sits_and_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fetch = {"id": "fetch", "title": "fetch", "operator": "@internal/nope", "parameters": {}}
    document = dag_document(steps=[manual_trigger(), now_step("2"), fetch])
    code, out = validate(capsys, write(tmp_path / "bad.json", document))

    assert code == 1
    assert out.strip() == (
        f'{tmp_path / "bad.json"}: steps[2] (id "fetch"): operator: '
        f"unknown operator '@internal/nope'"
    )


def test_a_nested_step_is_located_inside_its_branch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    branches = {
        "id": "2",
        "operator": "@control/flow/branches",
        "branches": [
            {"id": "b1", "conditions": [], "steps": [{**join_step("3"), "parameters": {}}]},
            {"id": "b2", "steps": [now_step("4")]},
        ],
    }
    document = dag_document(steps=[manual_trigger(), branches])
    code, out = validate(capsys, write(tmp_path / "nested.json", document))

    assert code == 1
    assert 'steps[1].branches[0].steps[0] (id "3"): parameters.texts: is required' in out


def test_a_reference_to_a_later_step_is_refused_as_the_server_refuses_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = dag_document(
        steps=[manual_trigger(), join_step("2", "{{__3.curtime}}"), now_step("3")]
    )
    code, out = validate(capsys, write(tmp_path / "order.json", document))

    assert code == 1
    assert 'steps[1] (id "2"): parameters: {{__3.curtime}} refers to step 3' in out


def test_a_body_field_problem_is_worded_as_the_server_words_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong_type = write(tmp_path / "title.json", dag_document(title=3))
    unknown = write(tmp_path / "unknown.json", dag_document(colour="blue"))
    code, out = validate(capsys, wrong_type, unknown)

    assert code == 1
    assert f"{wrong_type}: title: Expected `str`, got `int`" in out
    assert f"{unknown}: colour: Object contains unknown field `colour`" in out


def test_server_set_fields_are_ignored_as_import_drops_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exported = dag_document(id="1", userid="ann", created_at=1, actions=[], trigger="x")
    code, out = validate(capsys, write(tmp_path / "exported.json", exported))

    assert (code, out.split(": ")[-1]) == (0, "valid\n")


def test_custom_and_combo_operators_are_taken_on_trust_and_said_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    custom = {"id": "2", "operator": "@custom/crm/lookup", "parameters": {"q": "x"}}
    combo = {"id": "3", "operator": "@combo/enrich", "parameters": {"who": "{{__2.name}}"}}
    document = dag_document(steps=[manual_trigger(), custom, combo])
    code, out = validate(capsys, write(tmp_path / "custom.json", document))

    assert code == 0
    assert "valid (not checked offline, registered on the server: @combo/enrich, " in out
    assert "@custom/crm/lookup" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{bad", "not valid JSON: Expecting property name enclosed in double quotes at line 1"),
        ("[1, 2]", "must hold one JSON object (a DAG document), not a list"),
        ('{"title": NaN}', "not valid JSON: NaN is not a JSON value"),
    ],
)
def test_a_file_that_is_not_a_json_object_is_refused_with_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    path = tmp_path / "broken.json"
    path.write_text(content)
    code, out = validate(capsys, str(path))

    assert code == 1
    assert out.startswith(f"{path}: {message}")


def test_a_missing_file_fails_its_line_and_the_others_are_still_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write(tmp_path / "ok.json", dag_document())
    code, out = validate(capsys, str(tmp_path / "missing.json"), good)

    assert code == 1
    assert out.splitlines() == [
        f"{tmp_path / 'missing.json'}: cannot read the file (No such file or directory)",
        f"{good}: valid",
    ]
