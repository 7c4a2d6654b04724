"""Hydra's introspection answer -> an Identity (SPEC section 7).

`sub` is the user id, or the client id for app accounts (`sub == client_id`); `ext` carries
the consent session's extra claims: `name`, `roles`, `departments`, `groups`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flowauto.domain.errors import UnauthenticatedError
from flowauto.domain.identity import Identity


def identity_from_claims(claims: Mapping[str, Any], biz_domain: str) -> Identity:
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise UnauthenticatedError("the token names no subject")
    ext = claims.get("ext")
    extra: Mapping[str, Any] = ext if isinstance(ext, Mapping) else {}
    name = extra.get("name")
    return Identity(
        user_id=subject,
        name=name if isinstance(name, str) else "",
        roles=_names(extra.get("roles")),
        departments=_names(extra.get("departments")),
        groups=_names(extra.get("groups")),
        biz_domain=biz_domain,
        is_app=claims.get("client_id") == subject,
    )


def _names(value: object) -> frozenset[str]:
    """A claim list of names; anything else (absent, a string, mixed types) grants nothing."""
    if not isinstance(value, list):
        return frozenset()
    return frozenset(item for item in value if isinstance(item, str) and item)
