"""What a cron trigger step means as a schedule: six cron fields (seconds first), a time
zone and a catch-up policy."""

from __future__ import annotations

from dataclasses import dataclass

from flowauto.domain.dag import Step

CRON_PREFIX = "@trigger/cron"


@dataclass(frozen=True, slots=True, kw_only=True)
class CronSpec:
    """`fields`: second, minute, hour, day of month, month, day of week (0 or 7 is Sunday)."""

    fields: tuple[str, str, str, str, str, str]
    timezone: str = "UTC"
    catchup: bool = True
    """Ticks missed while no scheduler ran: one run for them (True, the default) or none."""


def is_cron_trigger(operator: str) -> bool:
    return operator == CRON_PREFIX or operator.startswith(CRON_PREFIX + "/")


def cron_spec_of(trigger: Step) -> CronSpec | None:
    """The schedule of a cron trigger step (already validated), or None for other triggers."""
    parameters = trigger.parameters
    minute, hour = str(parameters.get("minute", 0)), str(parameters.get("hour", 0))
    shapes = {
        "@trigger/cron": ("0", minute, hour, "*", "*", "*"),
        "@trigger/cron/week": ("0", minute, hour, "*", "*", str(parameters.get("weekday", 0))),
        "@trigger/cron/month": ("0", minute, hour, str(parameters.get("day", 1)), "*", "*"),
    }
    fields = shapes.get(trigger.operator)
    if trigger.operator == "@trigger/cron/expr":
        fields = _expression_fields(str(parameters.get("expression", "")))
    if fields is None:
        return None
    return CronSpec(
        fields=fields,
        timezone=str(parameters.get("timezone") or "UTC"),
        catchup=parameters.get("catchup") is not False,
    )


def _expression_fields(expression: str) -> tuple[str, str, str, str, str, str] | None:
    parts = expression.split()
    if len(parts) == 5:
        parts = ["0", *parts]
    if len(parts) != 6:
        return None
    return (parts[0], parts[1], parts[2], parts[3], parts[4], parts[5])
