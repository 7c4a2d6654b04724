"""Semantic versions of DAGs: `v<major>.<minor>.<patch>`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flowauto.domain.errors import DagVersionNotGreaterError, FieldInvalidError

_VERSION = re.compile(r"^v(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})$")


@dataclass(frozen=True, slots=True, order=True)
class SemVer:
    major: int
    minor: int
    patch: int

    def __str__(self) -> str:
        return f"v{self.major}.{self.minor}.{self.patch}"

    def next_patch(self) -> SemVer:
        return SemVer(self.major, self.minor, self.patch + 1)


FIRST_VERSION = SemVer(1, 0, 0)


def parse_version(text: str) -> SemVer:
    """Parses "v1.2.3"; raises FieldInvalidError on `version` otherwise."""
    match = _VERSION.match(text)
    if match is None:
        raise FieldInvalidError("version", f"{text!r} is not a version like v1.2.3")
    major, minor, patch = (int(part) for part in match.groups())
    return SemVer(major, minor, patch)


def ensure_greater(given: SemVer, latest: SemVer) -> None:
    if given <= latest:
        raise DagVersionNotGreaterError(str(given), str(latest))
