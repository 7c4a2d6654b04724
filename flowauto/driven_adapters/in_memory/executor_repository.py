"""Dict-backed executors for unit tests and `build_in_memory()`."""

from __future__ import annotations

from flowauto.domain.errors import ConflictError, ExecutorKeyTakenError
from flowauto.domain.executor import Executor
from flowauto.ports.executor_repository import ExecutorRepository


class InMemoryExecutorRepository(ExecutorRepository):
    def __init__(self) -> None:
        self._executors: dict[str, Executor] = {}

    async def add(self, executor: Executor) -> None:
        self._check_key_free(executor)
        self._executors[executor.id] = executor

    async def get(self, biz_domain_id: str, executor_id: str) -> Executor | None:
        found = self._executors.get(executor_id)
        return found if found is not None and found.biz_domain_id == biz_domain_id else None

    async def get_by_key(self, biz_domain_id: str, key: str) -> Executor | None:
        return next(
            (
                e
                for e in self._executors.values()
                if e.biz_domain_id == biz_domain_id and e.key == key
            ),
            None,
        )

    async def list(self, biz_domain_id: str) -> list[Executor]:
        found = [e for e in self._executors.values() if e.biz_domain_id == biz_domain_id]
        return sorted(found, key=lambda executor: executor.key)

    async def update(self, executor: Executor) -> None:
        stored = await self.get(executor.biz_domain_id, executor.id)
        if stored is None or stored.revision != executor.revision - 1:
            raise ConflictError(f"executor {executor.id} changed meanwhile; read it again")
        self._check_key_free(executor)
        self._executors[executor.id] = executor

    async def delete(self, biz_domain_id: str, executor_id: str) -> bool:
        if await self.get(biz_domain_id, executor_id) is None:
            return False
        del self._executors[executor_id]
        return True

    def _check_key_free(self, executor: Executor) -> None:
        for other in self._executors.values():
            same_domain = other.biz_domain_id == executor.biz_domain_id
            if same_domain and other.key == executor.key and other.id != executor.id:
                raise ExecutorKeyTakenError(executor.key)
