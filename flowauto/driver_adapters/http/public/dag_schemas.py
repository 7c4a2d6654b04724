"""Request bodies of the DAG routes and the JSON shapes they answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

import msgspec

from flowauto.application.dag_commands import DagDraft, DagPatch
from flowauto.domain.dag import Accessor, AccessorType, Dag, DagStatus, DagVersion
from flowauto.domain.dag_document import parse_steps, parse_vars, render_steps, render_vars
from flowauto.domain.paging import Page

Status = Literal["normal", "stopped"]
AccessorKind = Literal["user", "department", "group", "contactor"]
IdList = Annotated[list[str], msgspec.Meta(min_length=1, max_length=1000)]


class AccessorBody(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    type: AccessorKind
    name: str = ""


class DagCreateBody(msgspec.Struct, forbid_unknown_fields=True):
    title: str
    steps: list[Any]
    description: str = ""
    status: Status = "normal"
    type: str = ""
    vars: dict[str, Any] | None = None
    accessors: list[AccessorBody] = msgspec.field(default_factory=list)
    emails: list[str] = msgspec.field(default_factory=list)
    published: bool = False
    version: str | None = None
    change_log: str = ""

    def to_draft(self) -> DagDraft:
        return DagDraft(
            title=self.title,
            steps=parse_steps(self.steps),
            description=self.description,
            status=DagStatus(self.status),
            type=self.type,
            vars=parse_vars(self.vars),
            accessors=accessors_of(self.accessors),
            emails=tuple(self.emails),
            published=self.published,
            version=self.version,
            change_log=self.change_log,
        )


class DagUpdateBody(msgspec.Struct, forbid_unknown_fields=True):
    title: str | None = None
    steps: list[Any] | None = None
    description: str | None = None
    status: Status | None = None
    type: str | None = None
    vars: dict[str, Any] | None = None
    accessors: list[AccessorBody] | None = None
    emails: list[str] | None = None
    published: bool | None = None
    version: str | None = None
    change_log: str | None = None

    def to_patch(self) -> DagPatch:
        return DagPatch(
            title=self.title,
            steps=None if self.steps is None else parse_steps(self.steps),
            description=self.description,
            status=None if self.status is None else DagStatus(self.status),
            type=self.type,
            vars=None if self.vars is None else parse_vars(self.vars),
            accessors=None if self.accessors is None else accessors_of(self.accessors),
            emails=None if self.emails is None else tuple(self.emails),
            published=self.published,
            version=self.version,
            change_log=self.change_log,
        )


class IdsBody(msgspec.Struct, forbid_unknown_fields=True):
    ids: IdList


class BatchGetBody(msgspec.Struct, forbid_unknown_fields=True):
    ids: IdList
    fields: list[str] | None = None


class CreatedId(msgspec.Struct):
    id: str


class SuggestedName(msgspec.Struct):
    name: str


class NextVersion(msgspec.Struct):
    version: str


def accessors_of(bodies: list[AccessorBody]) -> tuple[Accessor, ...]:
    return tuple(Accessor(id=b.id, name=b.name, type=AccessorType(b.type)) for b in bodies)


def render_summary(dag: Dag) -> dict[str, Any]:
    """The list-view shape: everything but the step tree and vars."""
    return {
        "id": dag.id,
        "title": dag.title,
        "description": dag.description,
        "status": dag.status.value,
        "type": dag.type,
        "userid": dag.userid,
        "biz_domain_id": dag.biz_domain_id,
        "created_at": dag.created_at,
        "updated_at": dag.updated_at,
        "modify_by": dag.modify_by,
        "versionId": dag.version_id,
        "version": dag.version,
        "published": dag.published,
        "trigger": dag.trigger,
        "actions": list(dag.actions),
        "accessors": [{"id": a.id, "name": a.name, "type": a.type.value} for a in dag.accessors],
        "emails": list(dag.emails),
    }


def render_document(dag: Dag, version: DagVersion | None = None) -> dict[str, Any]:
    """The full document, at `version` when given (steps, version and change log of it)."""
    rendered = render_summary(dag)
    steps = dag.steps if version is None else version.steps
    rendered["steps"] = render_steps(steps)
    rendered["vars"] = render_vars(dag.vars)
    if version is not None:
        rendered["versionId"] = version.version_id
        rendered["version"] = version.version
        rendered["change_log"] = version.change_log
    return rendered


def render_history(dag: Dag) -> dict[str, Any]:
    return {**render_summary(dag), "deleted_at": dag.deleted_at}


def render_version(version: DagVersion) -> dict[str, Any]:
    return {
        "versionId": version.version_id,
        "version": version.version,
        "change_log": version.change_log,
        "userid": version.userid,
        "created_at": version.created_at,
    }


def render_page(found: Page[Dag], render: Callable[[Dag], dict[str, Any]]) -> dict[str, Any]:
    """The paged-list shape: `{total, page, limit, dags}`."""
    return {
        "total": found.total,
        "page": found.page,
        "limit": found.limit,
        "dags": [render(dag) for dag in found.items],
    }
