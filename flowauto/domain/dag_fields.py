"""Rules for the top-level fields of a DAG document (SPEC section 1); each raises
FieldInvalidError naming the field."""

from __future__ import annotations

import re
from collections.abc import Sequence

from flowauto.domain.dag import Accessor
from flowauto.domain.errors import FieldInvalidError

TITLE_MAX = 128
TEXT_MAX = 300
_TITLE_FORBIDDEN = frozenset('/:*?"<>|')
_TYPE = re.compile(r"^[A-Za-z0-9_-]*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def check_title(title: str) -> None:
    if not title.strip():
        raise FieldInvalidError("title", "is required and may not be blank")
    if len(title) > TITLE_MAX:
        raise FieldInvalidError("title", f"is {len(title)} characters, over {TITLE_MAX}")
    forbidden = sorted(_TITLE_FORBIDDEN.intersection(title))
    if forbidden:
        raise FieldInvalidError("title", f"may not contain {' '.join(forbidden)}")
    if any(char in title for char in "\r\n\t"):
        raise FieldInvalidError("title", "may not contain line breaks or tabs")


def check_description(description: str) -> None:
    _check_text("description", description)


def check_change_log(change_log: str) -> None:
    # Unlike the description, a change log may span lines.
    if len(change_log) > TEXT_MAX:
        raise FieldInvalidError("change_log", f"is {len(change_log)} characters, over {TEXT_MAX}")


def check_type(type_: str) -> None:
    if len(type_) > 64 or not _TYPE.match(type_):
        raise FieldInvalidError("type", "may hold only letters, digits, '_' and '-' (64 at most)")


def check_emails(emails: Sequence[str]) -> None:
    for index, email in enumerate(emails):
        if len(email) > 254 or not _EMAIL.match(email):
            raise FieldInvalidError(f"emails[{index}]", f"{email!r} is not an email address")


def check_accessors(accessors: Sequence[Accessor]) -> None:
    for index, accessor in enumerate(accessors):
        if not accessor.id.strip():
            raise FieldInvalidError(f"accessors[{index}].id", "may not be blank")


def _check_text(field: str, text: str) -> None:
    """A one-line text of at most TEXT_MAX characters."""
    if len(text) > TEXT_MAX:
        raise FieldInvalidError(field, f"is {len(text)} characters, over {TEXT_MAX}")
    if "\n" in text or "\r" in text:
        raise FieldInvalidError(field, "may not contain a newline")
