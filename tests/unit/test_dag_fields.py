from __future__ import annotations

import pytest

from flowauto.domain import dag_fields
from flowauto.domain.dag import Accessor, AccessorType
from flowauto.domain.errors import FieldInvalidError


@pytest.mark.parametrize(
    "title", ["", "  ", "a/b", "a:b", "a*b", "a?b", 'a"b', "a<b", "a|b", "x" * 129, "two\nlines"]
)
def test_bad_titles(title: str) -> None:
    with pytest.raises(FieldInvalidError) as caught:
        dag_fields.check_title(title)
    assert caught.value.field == "title"


def test_good_texts_pass() -> None:
    dag_fields.check_title("Nightly invoice sync (EU) - 夜间")
    dag_fields.check_description("x" * 300)
    dag_fields.check_change_log("line one\nline two")
    dag_fields.check_type("data-flow_2")
    dag_fields.check_emails(["ops@example.com"])


def test_descriptions_are_one_line_of_300_at_most() -> None:
    for text in ("x" * 301, "a\nb"):
        with pytest.raises(FieldInvalidError):
            dag_fields.check_description(text)


def test_types_emails_and_accessors_are_checked() -> None:
    with pytest.raises(FieldInvalidError):
        dag_fields.check_type("has space")
    with pytest.raises(FieldInvalidError) as email:
        dag_fields.check_emails(["ok@example.com", "not-an-email"])
    assert email.value.field == "emails[1]"
    with pytest.raises(FieldInvalidError) as accessor:
        dag_fields.check_accessors([Accessor(id=" ", name="x", type=AccessorType.USER)])
    assert accessor.value.field == "accessors[0].id"
