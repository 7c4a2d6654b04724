"""Cron fire times computed by APScheduler 3's CronTrigger (time zones and DST included).

APScheduler numbers weekdays from Monday (0) and cron from Sunday (0 or 7), so weekday
numbers are rewritten as names before they reach it. Like APScheduler, and unlike classic
cron, a day of month and a day of week that are both restricted must both match.
"""

from __future__ import annotations

import datetime
import re
from functools import lru_cache
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from flowauto.domain.cron_schedule import CronSpec
from flowauto.ports.cron_calendar import CronCalendar

_DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RANGE = re.compile(r"^(\d)-(\d)(/\d+)?$")


class ApschedulerCronCalendar(CronCalendar):
    def next_after(self, spec: CronSpec, after_ms: int) -> int | None:
        trigger = _trigger(spec)
        after = datetime.datetime.fromtimestamp(after_ms / 1000, datetime.UTC)
        # APScheduler answers "at or after now"; a microsecond later makes it strictly after.
        now = after + datetime.timedelta(microseconds=1)
        fire = trigger.get_next_fire_time(None, now.astimezone(trigger.timezone))
        return None if fire is None else int(fire.timestamp() * 1000)


@lru_cache(maxsize=1024)
def _trigger(spec: CronSpec) -> CronTrigger:
    second, minute, hour, day, month, weekday = spec.fields
    return CronTrigger(
        second=second, minute=minute, hour=hour, day=day, month=month,
        day_of_week=_weekday_names(weekday), timezone=ZoneInfo(spec.timezone),
    )  # fmt: skip


def _weekday_names(field: str) -> str:
    return ",".join(_weekday_part(part) for part in field.split(","))


def _weekday_part(part: str) -> str:
    ranged = _RANGE.match(part)
    if ranged:
        start, end, step = int(ranged[1]), int(ranged[2]), ranged[3] or ""
        if start == 0 and end >= 1 and not step:
            # Sunday-first ranges wrap in APScheduler's Monday-first week: split them.
            return f"sun,mon-{_DAY_NAMES[end]}" if end < 7 else "*"
        return f"{_DAY_NAMES[start]}-{_DAY_NAMES[end]}{step}"
    if part.isdigit():
        return _DAY_NAMES[int(part)]
    return part
