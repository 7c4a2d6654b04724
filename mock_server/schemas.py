"""Bodies of the mock's JSON endpoints, decoded with msgspec so that a bad field answers 400
with a message that names it (msgspec writes paths like `$.ext.roles[0]`)."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

import msgspec

from mock_server.errors import BadRequestError
from mock_server.token_store import DEFAULT_TOKEN_TTL_S

NonEmptyText = Annotated[str, msgspec.Meta(min_length=1)]
Schema = TypeVar("Schema")


class MintTokenRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    sub: NonEmptyText
    ext: dict[str, Any] | None = None
    ttl: int = DEFAULT_TOKEN_TTL_S


class DirectoryClaims(msgspec.Struct, kw_only=True):
    """The `ext` claims flowauto reads; other keys in `ext` pass through untouched."""

    name: str | None = None
    roles: list[str] | None = None
    departments: list[str] | None = None
    groups: list[str] | None = None


class SeedUserRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: NonEmptyText
    departments: list[str] = []
    groups: list[str] = []


def decode_json(body: bytes, schema: type[Schema]) -> Schema:
    try:
        return msgspec.json.decode(body, type=schema)
    except msgspec.ValidationError as error:
        raise BadRequestError(str(error)) from None
    except msgspec.DecodeError as error:
        raise BadRequestError(f"the body must be a JSON object: {error}") from None


def directory_claims(ext: dict[str, Any]) -> DirectoryClaims:
    try:
        return msgspec.convert(ext, type=DirectoryClaims)
    except msgspec.ValidationError as error:
        # msgspec reports paths from the root of what it converted; ext sits under `$.ext`.
        raise BadRequestError(str(error).replace("`$", "`$.ext", 1)) from None
