"""What the use cases report about runs and steps: metrics, spans and one log line each."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flowauto.domain.run import Run, TaskInstance, TaskStatus
from flowauto.ports.telemetry import Metrics, Tracer

log = logging.getLogger("flowauto.runs")

FINISHED_TASK = frozenset({TaskStatus.SUCCESS, TaskStatus.FAILED, TaskStatus.SKIPPED,
                           TaskStatus.CANCELED})  # fmt: skip


@dataclass(frozen=True, slots=True)
class Telemetry:
    """`pure_step_spans`: pure steps get spans of their own too (else events on the run's
    span, since a span costs more than such a step)."""

    metrics: Metrics
    tracer: Tracer
    pure_step_spans: bool = False

    def run_started(self, run: Run) -> None:
        self.metrics.run_started(run.trigger.value)
        if log.isEnabledFor(logging.INFO):
            log.info("run started", extra={"run_id": run.id, "dag_id": run.dag_id,
                 "trigger": run.trigger.value})  # fmt: skip

    async def run_ended(self, run: Run) -> None:
        """A RunEndListener: told once per run that ends (by its worker, or by a cancel)."""
        self.metrics.run_finished(run.status.value, run.trigger.value, run.duration_ms)
        if log.isEnabledFor(logging.INFO):
            log.info("run finished", extra={"run_id": run.id, "dag_id": run.dag_id,
                 "status": run.status.value, "duration_ms": run.duration_ms,
                 "reason": run.reason})  # fmt: skip

    def task_recorded(self, task: TaskInstance) -> None:
        if task.status not in FINISHED_TASK:
            return
        self.metrics.step_finished(task.operator, task.status.value, task.duration_ms)
        if log.isEnabledFor(logging.INFO):
            log.info("step finished", extra={"task_id": task.id, "step_id": task.step_id,
                 "operator": task.operator, "status": task.status.value,
                 "attempt": task.attempt, "duration_ms": task.duration_ms})  # fmt: skip
