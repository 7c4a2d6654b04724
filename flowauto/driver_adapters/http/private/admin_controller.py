"""`GET /admin/workers`, `POST /admin/recover`, `GET /admin/stats`: the operators' view of
the deployment (private port only). Times are Unix milliseconds."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get, post
from litestar.status_codes import HTTP_200_OK

from flowauto.application.admin_service import QueueStats, Recovery
from flowauto.domain.worker import WorkerBeat
from flowauto.driver_adapters.http.dependencies import Services
from flowauto.driver_adapters.http.private.admin_paths import admin_paths


class AdminController(Controller):
    path = "/"
    tags = ["admin"]

    @get(admin_paths("/workers"))
    async def workers(self, services: Services) -> dict[str, Any]:
        return {"workers": [_render_worker(beat) for beat in await services.admin.workers()]}

    @post(admin_paths("/recover"), status_code=HTTP_200_OK, opt={"audit": "worker.recover"})
    async def recover(self, services: Services) -> dict[str, Any]:
        return _render_recovery(await services.admin.recover())

    @get(admin_paths("/stats"))
    async def stats(self, services: Services) -> dict[str, Any]:
        return _render_stats(await services.admin.stats())


def _render_worker(beat: WorkerBeat) -> dict[str, Any]:
    return {
        "id": beat.id,
        "host": beat.host,
        "roles": list(beat.roles),
        "started_at": beat.started_at_ms,
        "last_heartbeat": beat.last_beat_ms,
        "held_runs": beat.held_runs,
    }


def _render_recovery(recovery: Recovery) -> dict[str, Any]:
    return {
        "claimed": recovery.claimed,
        "worker": recovery.worker,
        "swept": recovery.swept,
        "message": recovery.message,
    }


def _render_stats(stats: QueueStats) -> dict[str, Any]:
    return {
        "runs_by_status": dict(stats.runs.by_status),
        "queue_depth": stats.runs.queue_depth,
        "oldest_pending_age_ms": stats.oldest_pending_age_ms,
    }
