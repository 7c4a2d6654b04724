from __future__ import annotations

import pytest

from flowauto.domain.errors import DagVersionNotGreaterError, FieldInvalidError
from flowauto.domain.version import SemVer, ensure_greater, parse_version


def test_versions_parse_render_and_order_numerically() -> None:
    assert str(parse_version("v1.10.0")) == "v1.10.0"
    assert parse_version("v1.10.0") > parse_version("v1.9.9")
    assert parse_version("v2.0.0").next_patch() == SemVer(2, 0, 1)


@pytest.mark.parametrize("text", ["1.0.0", "v1.0", "v01.0.0", "v1.0.0-rc1", "", "vX.Y.Z"])
def test_malformed_versions_name_the_field(text: str) -> None:
    with pytest.raises(FieldInvalidError) as caught:
        parse_version(text)
    assert caught.value.field == "version"


def test_a_given_version_must_be_greater() -> None:
    ensure_greater(SemVer(1, 0, 1), SemVer(1, 0, 0))
    with pytest.raises(DagVersionNotGreaterError):
        ensure_greater(SemVer(1, 0, 0), SemVer(1, 0, 0))
