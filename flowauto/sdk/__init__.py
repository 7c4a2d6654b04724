"""flowauto.sdk: write a flowauto executor, an HTTP service whose actions workflows call.

    executor = Executor("tools", "Tools", auth="bearer", secret="...")

    @executor.action(key="upper", name="Upper-case")
    async def upper(inputs: Text) -> Text:  # Text: a pydantic model
        return Text(text=inputs.text.upper())

    app = executor.asgi()  # any ASGI server; the server imports GET /flowauto-executor.json

The call protocol: the engine POSTs `{"run_id", "task_id", "inputs", "callback_url",
"callback_token"}` to the action's path (`/actions/<key>` unless given). The executor checks its
auth (`Authorization: Bearer <secret>`, or `X-Flowauto-Timestamp` plus `X-Flowauto-Signature:
sha256=<hex HMAC-SHA256(secret, "<timestamp>." + body)>` within 300 s), then validates `inputs`.
Sync actions answer 200 with the outputs; async ones answer 202 `{"accepted": true}` and later
PUT `{"status": "success", "outputs"}` or `{"status": "failed", "reason"}` to `callback_url`
with `Authorization: Bearer <callback_token>`. Errors answer `{"code", "message", "detail"}`:
401 unauthenticated, 400 invalid (detail.field names the input), 500 failed (the exception).

Depends on litestar, pydantic and httpx only, never on the rest of flowauto.
"""

from __future__ import annotations

from flowauto.sdk.executor import Action, CallError, Executor, action, sign

__all__ = ["Action", "CallError", "Executor", "action", "sign"]
