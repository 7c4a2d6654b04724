"""Custom executors and their actions: CRUD, import, who may use them, their catalog."""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Sequence
from typing import Protocol
from urllib.parse import urlsplit

from flowauto.application.executor_commands import ActionDraft, ExecutorDraft
from flowauto.domain.errors import (
    ConflictError,
    ExecutorNotFoundError,
    FieldInvalidError,
    ForbiddenError,
)
from flowauto.domain.executor import Action, Executor, action_spec, check_key
from flowauto.domain.identity import Identity, can_change, can_read
from flowauto.domain.ids import IdGenerator
from flowauto.domain.operator_catalog import OperatorSpec
from flowauto.ports.clock import Clock
from flowauto.ports.executor_repository import ExecutorRepository

METHODS = ("POST", "PUT")


class Encrypter(Protocol):
    def encrypt(self, plain: str) -> bytes: ...

    def decrypt(self, token: bytes) -> str: ...


class ExecutorService:
    def __init__(
        self, *, repository: ExecutorRepository, box: Encrypter, ids: IdGenerator, clock: Clock
    ) -> None:
        self._repository = repository
        self._box = box
        self._ids = ids
        self._clock = clock

    async def create(self, caller: Identity, draft: ExecutorDraft) -> Executor:
        now = self._clock.now()
        executor = Executor(
            id=self._ids.next_id(), biz_domain_id=caller.biz_domain,
            key=check_key(draft.key, "key"), name=draft.name, description=draft.description,
            base_url=_base_url(draft.base_url),
            auth_type=draft.auth_type, auth_secret=self._sealed(draft.auth_secret or ""),
            accessors=draft.accessors, status=draft.status, userid=caller.user_id,
            actions=self._actions(draft.actions or ()), created_at=now, updated_at=now,
        )  # fmt: skip
        await self._repository.add(executor)
        return executor

    async def import_document(
        self, caller: Identity, draft: ExecutorDraft
    ) -> tuple[Executor, bool]:
        """Creates the executor, or updates the one with the same key: (executor, created)."""
        known = await self._repository.get_by_key(caller.biz_domain, draft.key)
        if known is None:
            return await self.create(caller, draft), True
        return await self.update(caller, known.id, draft), False

    async def update(self, caller: Identity, executor_id: str, draft: ExecutorDraft) -> Executor:
        current = await self._changeable(caller, executor_id)
        changed = dataclasses.replace(
            current, key=check_key(draft.key, "key"), name=draft.name,
            description=draft.description, base_url=_base_url(draft.base_url),
            auth_type=draft.auth_type, accessors=draft.accessors, status=draft.status,
            auth_secret=current.auth_secret if draft.auth_secret is None
            else self._sealed(draft.auth_secret),
            actions=current.actions if draft.actions is None else self._actions(draft.actions),
            updated_at=self._clock.now(), revision=current.revision + 1,
        )  # fmt: skip
        await self._repository.update(changed)
        return changed

    async def delete(self, caller: Identity, executor_id: str) -> None:
        await self._changeable(caller, executor_id)
        await self._repository.delete(caller.biz_domain, executor_id)

    async def add_action(self, caller: Identity, executor_id: str, draft: ActionDraft) -> Action:
        current = await self._changeable(caller, executor_id)
        if current.action(draft.key) is not None:
            raise ConflictError(f"action {draft.key!r} exists", detail={"key": draft.key})
        action = self._action(draft)
        await self._save_actions(current, (*current.actions, action))
        return action

    async def change_action(
        self, caller: Identity, executor_id: str, action_id: str, draft: ActionDraft | None
    ) -> None:
        """Replaces the action (or removes it when `draft` is None)."""
        current = await self._changeable(caller, executor_id)
        if all(action.id != action_id for action in current.actions):
            raise ExecutorNotFoundError(f"{executor_id}/actions/{action_id}")
        actions = [
            (dataclasses.replace(self._action(draft), id=action_id) if draft else None)
            if action.id == action_id else action
            for action in current.actions
        ]  # fmt: skip
        await self._save_actions(current, tuple(a for a in actions if a is not None))

    async def get(self, caller: Identity, executor_id: str) -> Executor:
        executor = await self._repository.get(caller.biz_domain, executor_id)
        if executor is None or not can_read(caller, executor):
            raise ExecutorNotFoundError(executor_id)
        return executor

    async def usable(self, caller: Identity) -> list[Executor]:
        """The executors the caller may see and use (owner, accessors, admins)."""
        executors = await self._repository.list(caller.biz_domain)
        return [executor for executor in executors if can_read(caller, executor)]

    async def operator_specs(self, caller: Identity) -> list[OperatorSpec]:
        """Catalog entries of the actions the caller may use, for validation and `/actions`."""
        return [
            action_spec(executor, action)
            for executor in await self.usable(caller)
            for action in executor.actions
        ]

    def secret_of(self, executor: Executor) -> str:
        """The executor's auth secret in clear, for the call that needs it."""
        if not executor.auth_secret:
            return ""
        return self._box.decrypt(base64.b64decode(executor.auth_secret))

    async def _changeable(self, caller: Identity, executor_id: str) -> Executor:
        executor = await self.get(caller, executor_id)
        if not can_change(caller, executor):
            raise ForbiddenError(f"only the owner or an admin may change executor {executor_id}")
        return executor

    async def _save_actions(self, current: Executor, actions: Sequence[Action]) -> None:
        changed = dataclasses.replace(
            current, actions=tuple(actions), updated_at=self._clock.now(),
            revision=current.revision + 1,
        )  # fmt: skip
        await self._repository.update(changed)

    def _sealed(self, secret: str) -> str:
        return base64.b64encode(self._box.encrypt(secret)).decode() if secret else ""

    def _actions(self, drafts: Sequence[ActionDraft]) -> tuple[Action, ...]:
        keys = [draft.key for draft in drafts]
        if len(keys) != len(set(keys)):
            raise FieldInvalidError("actions", "action keys must be unique")
        return tuple(self._action(draft) for draft in drafts)

    def _action(self, draft: ActionDraft) -> Action:
        if draft.method.upper() not in METHODS:
            raise FieldInvalidError("method", f"must be one of {', '.join(METHODS)}")
        if not draft.path.startswith("/"):
            raise FieldInvalidError("path", "must start with /")
        return Action(
            id=self._ids.next_id(), key=check_key(draft.key, "actions.key"), name=draft.name,
            description=draft.description, path=draft.path, method=draft.method.upper(),
            input_schema=draft.input_schema, output_schema=draft.output_schema,
            mode=draft.mode, timeout_ms=draft.timeout_ms,
        )  # fmt: skip


def _base_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FieldInvalidError("base_url", "must be an absolute http or https URL")
    return url.rstrip("/")
