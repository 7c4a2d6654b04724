"""Combo operators: register a DAG as `@combo/<key>`; list them for the catalog."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flowauto.domain.combo import ComboOperator, check_not_recursive, combo_spec
from flowauto.domain.errors import DagNotFoundError
from flowauto.domain.executor import check_key
from flowauto.domain.identity import Identity, can_read
from flowauto.domain.ids import IdGenerator
from flowauto.domain.operator_catalog import OperatorSpec
from flowauto.ports.clock import Clock
from flowauto.ports.combo_repository import ComboRepository
from flowauto.ports.dag_repository import DagRepository


@dataclass(frozen=True, slots=True, kw_only=True)
class ComboDraft:
    dag_id: str
    key: str
    name: str
    inputs: Mapping[str, Any] = field(default_factory=dict)
    outputs: Mapping[str, Any] = field(default_factory=dict)


class ComboService:
    def __init__(
        self, *, repository: ComboRepository, dags: DagRepository, ids: IdGenerator, clock: Clock
    ) -> None:
        self._repository = repository
        self._dags = dags
        self._ids = ids
        self._clock = clock

    async def register(self, caller: Identity, draft: ComboDraft) -> ComboOperator:
        """The caller must be able to read the DAG; it may not use the combo itself."""
        dag = await self._dags.get(caller.biz_domain, draft.dag_id)
        if dag is None or not can_read(caller, dag):
            raise DagNotFoundError(draft.dag_id)
        combo = ComboOperator(
            id=self._ids.next_id(), biz_domain_id=caller.biz_domain,
            key=check_key(draft.key, "key"), name=draft.name or draft.key, dag_id=dag.id,
            inputs=draft.inputs, outputs=draft.outputs, userid=caller.user_id,
            created_at=self._clock.now(),
        )  # fmt: skip
        check_not_recursive(combo.operator, dag.steps)
        await self._repository.add(combo)
        return combo

    async def usable(self, caller: Identity) -> list[ComboOperator]:
        return await self._repository.list(caller.biz_domain)

    async def operator_specs(self, caller: Identity) -> list[OperatorSpec]:
        return [combo_spec(combo) for combo in await self.usable(caller)]

    async def dag_of(self, biz_domain_id: str, key: str) -> str | None:
        """The DAG a combo runs, for the engine."""
        combo = await self._repository.get_by_key(biz_domain_id, key)
        return None if combo is None else combo.dag_id
