"""DAG management use cases: create, read, change, version, delete."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

from flowauto.application.dag_commands import DagDraft, DagPatch
from flowauto.domain import dag_fields
from flowauto.domain.dag import Dag, DagStatus, DagVersion, Step, VarDef
from flowauto.domain.dag_validation import validate_steps
from flowauto.domain.errors import (
    DagInvalidError,
    DagNotFoundError,
    DagVersionNotFoundError,
    ForbiddenError,
)
from flowauto.domain.identity import Identity, audience_of, can_change, can_read
from flowauto.domain.ids import IdGenerator
from flowauto.domain.operator_catalog import OperatorCatalog, OperatorSpec, check_parameters
from flowauto.domain.paging import DagQuery, Page
from flowauto.domain.version import FIRST_VERSION, SemVer, ensure_greater, parse_version
from flowauto.domain.webhook import WebhookSecrets
from flowauto.ports.clock import Clock
from flowauto.ports.dag_repository import DagRepository

WEBHOOK = "@trigger/webhook"
ExtraOperators = Callable[[Identity], Awaitable[list[OperatorSpec]]]
"""The operators beyond the built-ins a caller may use (custom actions)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DagDetail:
    """A DAG as read at one version (the latest unless asked otherwise)."""

    dag: Dag
    version: DagVersion
    webhook_secret: str | None = None
    """The webhook secret, for the owner (and admins) of a webhook-triggered DAG."""


class DagService:
    def __init__(
        self,
        *,
        repository: DagRepository,
        catalog: OperatorCatalog,
        ids: IdGenerator,
        clock: Clock,
        webhooks: WebhookSecrets | None = None,
        extra_operators: ExtraOperators | None = None,
    ) -> None:
        self._repository = repository
        self._catalog = catalog
        self._ids = ids
        self._clock = clock
        self._webhooks = webhooks
        self._extra_operators = extra_operators
        self._webhooks = webhooks

    @property
    def catalog(self) -> OperatorCatalog:
        return self._catalog

    async def create(self, caller: Identity, draft: DagDraft) -> Dag:
        _check_fields(draft)
        variables = dict(draft.vars or {})
        await self._check_steps(caller, draft.steps, variables)
        version = parse_version(draft.version) if draft.version else FIRST_VERSION
        now = self._clock.now()
        dag = Dag(
            id=self._ids.next_id(),
            biz_domain_id=caller.biz_domain,
            userid=caller.user_id,
            title=draft.title,
            description=draft.description,
            status=draft.status,
            type=draft.type,
            steps=draft.steps,
            vars=variables,
            accessors=draft.accessors,
            emails=draft.emails,
            published=draft.published,
            version_id=self._ids.next_id(),
            version=str(version),
            change_log=draft.change_log,
            created_at=now,
            updated_at=now,
            modify_by=caller.user_id,
        )
        await self._repository.add(dag, _version_of(dag))
        return dag

    async def catalog_check(self, caller: Identity, step: Step) -> None:
        """Checks one action step's operator and parameters (single-debug); raises
        DagInvalidError naming the step and field."""
        spec = (await self.catalog_for(caller)).get(step.operator)
        if spec is None:
            raise DagInvalidError(
                f"unknown operator {step.operator!r}", field="operator", step_id=step.id
            )
        check_parameters(spec, step.parameters, step.id)

    async def check(self, caller: Identity, draft: DagDraft) -> None:
        """Validates a DAG document without storing it (full-debug); raises as `create`."""
        _check_fields(draft)
        await self._check_steps(caller, draft.steps, dict(draft.vars or {}))

    async def catalog_for(self, caller: Identity) -> OperatorCatalog:
        """The built-ins plus the custom actions the caller may use."""
        if self._extra_operators is None:
            return self._catalog
        return self._catalog.with_extra(await self._extra_operators(caller))

    async def get(self, caller: Identity, dag_id: str, version_id: str | None = None) -> DagDetail:
        dag = await self._readable(caller, dag_id)
        secret = None
        if self._webhooks is not None and dag.trigger == WEBHOOK and can_change(caller, dag):
            secret = self._webhooks.secret_for(dag.id)
        if version_id is None or version_id == dag.version_id:
            # The DAG carries its latest version: no second read.
            return DagDetail(dag=dag, version=_version_of(dag), webhook_secret=secret)
        version = await self._repository.get_version(caller.biz_domain, dag_id, version_id)
        if version is None:
            raise DagVersionNotFoundError(dag_id, version_id)
        return DagDetail(dag=dag, version=version, webhook_secret=secret)

    async def find(self, caller: Identity, query: DagQuery) -> Page[Dag]:
        """Lists DAGs of the caller's domain that it may see; the query's scope is overridden."""
        scoped = dataclasses.replace(
            query, biz_domain_id=caller.biz_domain, audience=audience_of(caller), deleted=False
        )
        return await self._repository.find(scoped)

    async def get_many(self, caller: Identity, dag_ids: Sequence[str]) -> list[Dag]:
        dags = await self._repository.get_many(caller.biz_domain, dag_ids)
        return [dag for dag in dags if can_read(caller, dag)]

    async def update(self, caller: Identity, dag_id: str, patch: DagPatch) -> Dag:
        dag = await self._changeable(caller, dag_id)
        _check_fields(patch)
        steps = dag.steps if patch.steps is None else patch.steps
        variables = dict(dag.vars if patch.vars is None else patch.vars)
        if patch.steps is not None or patch.vars is not None:
            await self._check_steps(caller, steps, variables)
        changed = _apply(dag, patch, steps=steps, variables=variables)
        new_version: DagVersion | None = None
        if steps != dag.steps or patch.version is not None:
            changed = dataclasses.replace(
                changed,
                version_id=self._ids.next_id(),
                version=str(_next_version(dag.version, patch.version)),
                change_log=patch.change_log or "",
            )
        changed = dataclasses.replace(
            changed,
            revision=dag.revision + 1,
            updated_at=self._clock.now(),
            modify_by=caller.user_id,
        )
        if changed.version_id != dag.version_id:
            new_version = _version_of(changed)
        await self._repository.update(changed, new_version)
        return changed

    async def delete(self, caller: Identity, dag_ids: Sequence[str]) -> int:
        """Soft-deletes the DAGs the caller may change; ids it cannot see are ignored, so a
        repeated delete succeeds; one it may see but not change refuses the whole call."""
        dags = await self.get_many(caller, dag_ids)
        refused = [dag.id for dag in dags if not can_change(caller, dag)]
        if refused:
            raise ForbiddenError(f"you may not delete DAG {refused[0]}", detail={"ids": refused})
        return await self._repository.mark_deleted(
            caller.biz_domain, [dag.id for dag in dags], self._clock.now()
        )

    async def delete_one(self, caller: Identity, dag_id: str) -> None:
        await self._changeable(caller, dag_id)
        await self._repository.mark_deleted(caller.biz_domain, [dag_id], self._clock.now())

    async def suggest_name(self, caller: Identity, name: str) -> str:
        """Returns `name`, or the first free `name(1)`, `name(2)`, ... among live DAGs."""
        taken = await self._repository.titles_starting_with(caller.biz_domain, name)
        candidate, number = name, 0
        while candidate in taken:
            number += 1
            candidate = f"{name}({number})"
        return candidate

    async def list_versions(self, caller: Identity, dag_id: str) -> list[DagVersion]:
        await self._readable(caller, dag_id)
        return await self._repository.list_versions(caller.biz_domain, dag_id)

    async def next_version(self, caller: Identity, dag_id: str) -> str:
        dag = await self._readable(caller, dag_id)
        return str(parse_version(dag.version).next_patch())

    async def revert(self, caller: Identity, dag_id: str, version_id: str) -> DagVersion:
        """Creates a new latest version holding the steps of an older one."""
        detail = await self.get(caller, dag_id, version_id)
        old = detail.version
        patch = DagPatch(
            steps=old.steps,
            # An explicit version makes a new one even when the steps equal the latest's.
            version=str(parse_version(detail.dag.version).next_patch()),
            change_log=f"revert to {old.version}",
        )
        reverted = await self.update(caller, dag_id, patch)
        return _version_of(reverted)

    async def _readable(self, caller: Identity, dag_id: str) -> Dag:
        dag = await self._repository.get(caller.biz_domain, dag_id)
        if dag is None or not can_read(caller, dag):
            # Invisible and absent look the same, so ids do not leak.
            raise DagNotFoundError(dag_id)
        return dag

    async def _changeable(self, caller: Identity, dag_id: str) -> Dag:
        dag = await self._readable(caller, dag_id)
        if not can_change(caller, dag):
            raise ForbiddenError(
                f"only the owner or an admin may change DAG {dag_id}", detail={"id": dag_id}
            )
        return dag

    async def _check_steps(
        self, caller: Identity, steps: tuple[Step, ...], variables: Mapping[str, VarDef]
    ) -> None:
        catalog = await self.catalog_for(caller)
        validate_steps(steps, catalog, declared_vars=frozenset(variables))


class DagAdminService:
    """Service-to-service DAG operations of the private API (no per-user permissions)."""

    def __init__(self, *, repository: DagRepository, clock: Clock) -> None:
        self._repository = repository
        self._clock = clock

    async def set_status(self, biz_domain: str, dag_ids: Sequence[str], status: DagStatus) -> int:
        return await self._repository.set_status(biz_domain, dag_ids, status, self._clock.now())

    async def delete(self, biz_domain: str, dag_ids: Sequence[str]) -> int:
        return await self._repository.mark_deleted(biz_domain, dag_ids, self._clock.now())

    async def history(self, query: DagQuery) -> Page[Dag]:
        return await self._repository.find(dataclasses.replace(query, deleted=True))


def _check_fields(fields: DagDraft | DagPatch) -> None:
    if fields.title is not None:
        dag_fields.check_title(fields.title)
    if fields.description is not None:
        dag_fields.check_description(fields.description)
    if fields.type is not None:
        dag_fields.check_type(fields.type)
    if fields.change_log is not None:
        dag_fields.check_change_log(fields.change_log)
    if fields.emails is not None:
        dag_fields.check_emails(fields.emails)
    if fields.accessors is not None:
        dag_fields.check_accessors(fields.accessors)
    if fields.version is not None:
        parse_version(fields.version)


def _apply(
    dag: Dag, patch: DagPatch, *, steps: tuple[Step, ...], variables: dict[str, VarDef]
) -> Dag:
    return dataclasses.replace(
        dag,
        title=dag.title if patch.title is None else patch.title,
        description=dag.description if patch.description is None else patch.description,
        status=dag.status if patch.status is None else patch.status,
        type=dag.type if patch.type is None else patch.type,
        steps=steps,
        vars=variables,
        accessors=dag.accessors if patch.accessors is None else patch.accessors,
        emails=dag.emails if patch.emails is None else patch.emails,
        published=dag.published if patch.published is None else patch.published,
    )


def _next_version(latest: str, given: str | None) -> SemVer:
    latest_version = parse_version(latest)
    if given is None:
        return latest_version.next_patch()
    wanted = parse_version(given)
    ensure_greater(wanted, latest_version)
    return wanted


def _version_of(dag: Dag) -> DagVersion:
    """The version a DAG is at, as the DAG itself knows it."""
    return DagVersion(
        version_id=dag.version_id,
        dag_id=dag.id,
        version=dag.version,
        steps=dag.steps,
        change_log=dag.change_log,
        userid=dag.modify_by,
        created_at=dag.updated_at,
    )
