"""Typed names of what handlers receive by dependency injection."""

from __future__ import annotations

from typing import TypeAlias

from litestar.di import NamedDependency
from litestar.params import FromPath

from flowauto.application.services import Services as _Services
from flowauto.domain.identity import Identity

Caller: TypeAlias = NamedDependency[Identity]
"""The authenticated identity of the request (set by the app's identity guard)."""

Services: TypeAlias = NamedDependency[_Services]
"""The application's use cases."""

PathStr: TypeAlias = FromPath[str]
