"""Where custom executors and their actions are kept (the SQL store)."""

from __future__ import annotations

from typing import Protocol

from flowauto.domain.executor import Executor


class ExecutorRepository(Protocol):
    """Executors are scoped by business domain; keys are unique within one."""

    async def add(self, executor: Executor) -> None:
        """Stores a new executor with its actions; raises ExecutorKeyTakenError on a key clash."""
        ...

    async def get(self, biz_domain_id: str, executor_id: str) -> Executor | None:
        """Returns the executor, or None when absent or in another domain."""
        ...

    async def get_by_key(self, biz_domain_id: str, key: str) -> Executor | None:
        """Returns the executor with this key, or None."""
        ...

    async def list(self, biz_domain_id: str) -> list[Executor]:
        """Returns every executor of the domain, by key."""
        ...

    async def update(self, executor: Executor) -> None:
        """Replaces the executor and its actions; compare-and-sets on `revision - 1`, raising
        ConflictError when stale and ExecutorKeyTakenError on a key clash."""
        ...

    async def delete(self, biz_domain_id: str, executor_id: str) -> bool:
        """Removes the executor; False when it was absent."""
        ...
