"""Typed names of what handlers receive by dependency injection."""

from __future__ import annotations

from typing import Annotated, TypeAlias

from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from flowauto.application.services import Services as _Services
from flowauto.domain.identity import Identity
from flowauto.domain.paging import MAX_LIMIT

Caller: TypeAlias = NamedDependency[Identity]
"""The authenticated identity of the request (set by the app's identity guard)."""

Services: TypeAlias = NamedDependency[_Services]
"""The application's use cases."""

PathStr: TypeAlias = FromPath[str]

PageParam: TypeAlias = Annotated[
    int, QueryParameter(ge=0, le=1_000_000, description="0-based page")
]
LimitParam: TypeAlias = Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)]
"""The paging parameters every list route takes."""
