"""`POST /webhooks/{dagId}`: starts a webhook-triggered DAG; no user, the call proves itself."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, post
from litestar.status_codes import HTTP_201_CREATED

from flowauto.domain.identity import Identity
from flowauto.domain.webhook import WebhookProof
from flowauto.driver_adapters.http.audit import WEBHOOK_USER
from flowauto.driver_adapters.http.dependencies import PathStr, Services
from flowauto.driver_adapters.http.paths import API_PREFIX
from flowauto.driver_adapters.http.public.dag_schemas import CreatedId


class WebhookController(Controller):
    path = f"{API_PREFIX}/webhooks"
    tags = ["triggers"]

    @post(
        "/{dag_id:str}",
        status_code=HTTP_201_CREATED,
        opt={"audit": "run.webhook", "anonymous": True},
    )
    async def receive(
        self,
        dag_id: PathStr,
        request: Request[Any, Any, Any],
        services: Services,
    ) -> Response[CreatedId]:
        headers = request.headers
        proof = WebhookProof(
            timestamp=headers.get("x-flowauto-timestamp"),
            signature=headers.get("x-flowauto-signature"),
            token=headers.get("x-flowauto-token") or _bearer(headers.get("authorization")),
        )
        run_id, biz_domain = await services.webhooks.receive(
            dag_id, await request.body(), dict(headers), proof,
            delivery_id=headers.get("idempotency-key") or headers.get("x-delivery-id"),
        )  # fmt: skip
        request.state.audit_as = Identity(user_id=WEBHOOK_USER, biz_domain=biz_domain)
        location = f"{API_PREFIX}/instances/{run_id}"
        return Response(CreatedId(id=run_id), status_code=201, headers={"Location": location})


def _bearer(authorization: str | None) -> str | None:
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return None
