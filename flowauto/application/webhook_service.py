"""`@trigger/webhook`: a run per authenticated POST to the DAG's webhook URL."""

from __future__ import annotations

import json
from collections.abc import Mapping

from flowauto.application.run_service import RunService
from flowauto.domain.dag import DagStatus
from flowauto.domain.errors import ConflictError, DagNotFoundError, FieldInvalidError
from flowauto.domain.run import RunTrigger
from flowauto.domain.webhook import WebhookProof, WebhookSecrets
from flowauto.ports.clock import Clock
from flowauto.ports.dag_repository import DagRepository

WEBHOOK = "@trigger/webhook"
# Headers that prove the call: kept out of the run's inputs.
_SECRET_HEADERS = frozenset({"authorization", "x-flowauto-signature", "x-flowauto-token", "cookie"})


class WebhookService:
    def __init__(
        self, *, dags: DagRepository, runs: RunService, secrets: WebhookSecrets, clock: Clock
    ) -> None:
        self._dags = dags
        self._runs = runs
        self._secrets = secrets
        self._clock = clock

    async def receive(
        self, dag_id: str, body: bytes, headers: Mapping[str, str], proof: WebhookProof,
        delivery_id: str | None = None,
    ) -> tuple[str, str]:  # fmt: skip
        """Starts the DAG's run for this call; the same signed call (or delivery id) again
        gives the same run. Returns the run id and the DAG's business domain."""
        dag = await self._dags.find_live(dag_id)
        if dag is None or dag.trigger != WEBHOOK:
            raise DagNotFoundError(dag_id)
        self._secrets.verify(dag.id, body, proof, self._clock.now())
        if dag.status is DagStatus.STOPPED:
            raise ConflictError(f"DAG {dag_id} is stopped", detail={"id": dag_id})
        inputs = {"body": _json(body), "headers": _visible(headers)}
        cause = proof.signature or delivery_id
        key = f"webhook/{dag.id}/{cause}" if cause else ""
        run_id = await self._runs.start_triggered(dag, RunTrigger.WEBHOOK, inputs, key)
        return run_id, dag.biz_domain_id


def _json(body: bytes) -> object:
    if not body.strip():
        return None
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise FieldInvalidError("body", f"must be JSON: {error}") from None


def _visible(headers: Mapping[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items() if k.lower() not in _SECRET_HEADERS}
