"""The scheduler role on fakes: ticks start runs, once each, and follow DAG changes."""

from __future__ import annotations

import asyncio
import datetime
import time

from flowauto.application.dag_commands import DagPatch
from flowauto.bootstrap import build_in_memory
from flowauto.domain.cron_schedule import CronSpec, cron_spec_of
from flowauto.domain.dag import DagStatus, Step
from flowauto.domain.paging import RunQuery
from flowauto.domain.run import RunTrigger
from flowauto.driven_adapters.schedule.apscheduler_calendar import ApschedulerCronCalendar
from tests.engine import ADMIN, create_dag, step

EVERY_SECOND = {
    "id": "1",
    "operator": "@trigger/cron/expr",
    "parameters": {"expression": "* * * * * *"},
}


def utc_ms(*fields: int) -> int:
    return int(datetime.datetime(*fields, tzinfo=datetime.UTC).timestamp() * 1000)


def test_trigger_steps_become_six_field_schedules() -> None:
    weekly = Step(
        id="1", operator="@trigger/cron/week", parameters={"weekday": 0, "hour": 9, "minute": 30}
    )
    five = Step(
        id="1",
        operator="@trigger/cron/expr",
        parameters={"expression": "*/5 * * * *", "timezone": "Asia/Tokyo"},
    )
    assert cron_spec_of(weekly) == CronSpec(fields=("0", "30", "9", "*", "*", "0"))
    assert cron_spec_of(five) == CronSpec(
        fields=("0", "*/5", "*", "*", "*", "*"), timezone="Asia/Tokyo"
    )
    assert cron_spec_of(Step(id="1", operator="@trigger/manual")) is None


def test_fire_times_follow_cron_weekdays_and_time_zones() -> None:
    calendar = ApschedulerCronCalendar()
    wednesday_10h = utc_ms(2026, 11, 25, 10, 0, 0)
    sunday = CronSpec(fields=("0", "30", "9", "*", "*", "0"))
    assert calendar.next_after(sunday, wednesday_10h) == utc_ms(2026, 11, 29, 9, 30, 0)
    weekdays_berlin = CronSpec(fields=("0", "0", "9", "*", "*", "1-5"), timezone="Europe/Berlin")
    assert calendar.next_after(weekdays_berlin, wednesday_10h) == utc_ms(2026, 11, 26, 8, 0, 0)
    every_5s = CronSpec(fields=("*/5", "*", "*", "*", "*", "*"))
    assert calendar.next_after(every_5s, wednesday_10h) == wednesday_10h + 5000


async def test_each_tick_starts_one_run_and_a_stopped_dag_stops_ticking() -> None:
    services = build_in_memory()
    scheduler = services.scheduler
    assert scheduler is not None
    dag = await create_dag(services, EVERY_SECOND, step("2", "@internal/time/now"))
    await scheduler.start()
    try:
        await asyncio.sleep(2.6)
        await services.dags.update(ADMIN, dag.id, DagPatch(status=DagStatus.STOPPED))
        await asyncio.sleep(2.5)  # a refresh (2 s) sees the stop
        runs = (
            await services.runs.find(
                ADMIN, RunQuery(biz_domain_id="default", dag_id=dag.id, limit=100)
            )
        ).items
    finally:
        await scheduler.stop()
    ticks = [run.inputs["scheduled_ms"] for run in runs]
    assert all(run.trigger is RunTrigger.CRON for run in runs)
    assert len(ticks) == len(set(ticks))
    assert all(tick % 1000 == 0 for tick in ticks)
    assert 2 <= len(ticks) <= 5


async def test_ticks_missed_while_down_get_one_run_and_can_be_skipped() -> None:
    for catchup, expected in ((True, 1), (False, 0)):
        services = build_in_memory()
        scheduler = services.scheduler
        assert scheduler is not None
        trigger = {**EVERY_SECOND, "parameters": {"expression": "* * * * * *", "catchup": catchup}}
        dag = await create_dag(services, trigger, step("2", "@internal/time/now"))
        await scheduler.start()
        await asyncio.sleep(1.2)
        await scheduler.stop()
        stopped_ms = int(time.time() * 1000)
        await asyncio.sleep(2.5)  # down: two or three ticks pass unfired
        restarted_ms = int(time.time() * 1000)
        await scheduler.start()
        await asyncio.sleep(0.3)
        await scheduler.stop()
        query = RunQuery(biz_domain_id="default", dag_id=dag.id, limit=100)
        runs = (await services.runs.find(ADMIN, query)).items
        caught_up = [r for r in runs if stopped_ms < r.inputs["scheduled_ms"] < restarted_ms]
        assert len(caught_up) == expected, (catchup, stopped_ms, restarted_ms)
