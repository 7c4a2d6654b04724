"""Who is calling: the identity every use case receives, and the visibility rules it implies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from flowauto.domain.dag import Accessor, AccessorType

ADMIN_ROLE = "admin"
DEFAULT_BIZ_DOMAIN = "default"


@dataclass(frozen=True, slots=True, kw_only=True)
class Identity:
    user_id: str
    name: str = ""
    roles: frozenset[str] = frozenset()
    departments: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()
    biz_domain: str = DEFAULT_BIZ_DOMAIN
    is_app: bool = False

    @property
    def is_admin(self) -> bool:
        return ADMIN_ROLE in self.roles


@dataclass(frozen=True, slots=True, kw_only=True)
class Audience:
    """The principals a caller acts as when DAG visibility is decided (admins have none)."""

    user_id: str
    departments: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()


def audience_of(identity: Identity) -> Audience | None:
    """None means the caller sees everything in its business domain."""
    if identity.is_admin:
        return None
    return Audience(
        user_id=identity.user_id, departments=identity.departments, groups=identity.groups
    )


def can_read(identity: Identity, dag: Shared) -> bool:
    """Owner, admins and accessors (user, department, group) may read and run a DAG."""
    audience = audience_of(identity)
    return audience is None or is_visible(dag, audience)


def can_change(identity: Identity, dag: Shared) -> bool:
    """Only the owner and admins may change or delete a DAG."""
    return identity.is_admin or dag.userid == identity.user_id


class Shared(Protocol):
    """Anything with an owner and accessors (DAGs, executors)."""

    @property
    def userid(self) -> str: ...

    @property
    def accessors(self) -> tuple[Accessor, ...]: ...


def is_visible(dag: Shared, audience: Audience) -> bool:
    if dag.userid == audience.user_id:
        return True
    for accessor in dag.accessors:
        if accessor.type is AccessorType.USER and accessor.id == audience.user_id:
            return True
        if accessor.type is AccessorType.DEPARTMENT and accessor.id in audience.departments:
            return True
        if accessor.type is AccessorType.GROUP and accessor.id in audience.groups:
            return True
    return False
