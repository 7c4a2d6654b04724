"""The step tree a run executes: its pinned DAG version, cached since versions never change."""

from __future__ import annotations

from collections import OrderedDict

from flowauto.domain.dag import Step
from flowauto.domain.errors import DagVersionNotFoundError
from flowauto.domain.run import Run
from flowauto.ports.dag_repository import DagRepository


class RunSteps:
    def __init__(self, dags: DagRepository, cache_size: int = 256) -> None:
        self._dags = dags
        self._cache: OrderedDict[str, tuple[Step, ...]] = OrderedDict()
        self._cache_size = cache_size

    def remember(self, version_id: str, steps: tuple[Step, ...]) -> None:
        self._cache[version_id] = steps
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    async def of(self, run: Run) -> tuple[Step, ...]:
        if run.debug_steps:
            return run.debug_steps
        cached = self._cache.get(run.version_id)
        if cached is not None:
            self._cache.move_to_end(run.version_id)
            return cached
        version = await self._dags.get_version(run.biz_domain_id, run.dag_id, run.version_id)
        if version is None:
            raise DagVersionNotFoundError(run.dag_id, run.version_id)
        self.remember(run.version_id, version.steps)
        return version.steps
