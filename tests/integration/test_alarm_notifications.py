"""Alarms end to end through real servers on loopback: an SMTP server (aiosmtpd) collects the
mails, an HTTP server collects the webhooks; the AlarmService runs with the in-memory rule
repository and the real HttpSmtpAlarmNotifier. Also the rule use cases: CRUD, validation and
who may change what."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from flowauto.application.alarm_service import (
    AlarmRuleDraft,
    AlarmRulePatch,
    AlarmService,
    dag_emails_of,
)
from flowauto.domain.alarm import AlarmRuleQuery, Channel, ChannelType
from flowauto.domain.dag import Dag
from flowauto.domain.errors import AlarmRuleNotFoundError, FieldInvalidError, ForbiddenError
from flowauto.domain.identity import ADMIN_ROLE, Identity
from flowauto.domain.ids import IdGenerator
from flowauto.domain.run import Run, RunStatus, RunTrigger
from flowauto.driven_adapters.http.address_guard import AddressGuard
from flowauto.driven_adapters.in_memory.alarm_rule_repository import (
    InMemoryAlarmRuleRepository,
)
from flowauto.driven_adapters.in_memory.dag_repository import InMemoryDagRepository
from flowauto.driven_adapters.notify.alarm_notifier import HttpSmtpAlarmNotifier
from flowauto.driven_adapters.system_clock import SystemClock
from tests.builders import make_dag, next_id, version_of
from tests.services import free_port

SENDER = "flowauto@example.com"
OWNER = Identity(user_id="u1")
COLLEAGUE = Identity(user_id="u2")
ADMIN = Identity(user_id="boss", roles=frozenset({ADMIN_ROLE}))
STRANGER = Identity(user_id="u1", biz_domain="elsewhere")


# --- the servers ------------------------------------------------------------------------------


class Mailbox:
    """An aiosmtpd handler keeping every mail it accepts."""

    def __init__(self) -> None:
        self.mails: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        content = envelope.original_content or b""
        parsed = message_from_bytes(content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.mails.append((list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


@dataclass
class Receiver:
    url: str
    status: int = 204
    hooks: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _receiver_handler(state: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # quiet
            return

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with state.lock:
                state.hooks.append((self.path, json.loads(body)))
            self.send_response(state.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

    return Handler


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    handler = Mailbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    state = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}")
    server.RequestHandlerClass = _receiver_handler(state)
    server.daemon_threads = True
    # A short poll keeps `shutdown` (which waits for the next poll) fast.
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class World:
    alarms: AlarmService
    rules: InMemoryAlarmRuleRepository
    dags: InMemoryDagRepository
    http: httpx.AsyncClient
    mailbox: Mailbox
    receiver: Receiver

    def alarms_mailing_through(self, smtp_port: int) -> AlarmService:
        """A service over the same rules and DAGs whose mails go to another SMTP port."""
        return make_alarm_service(self.http, smtp_port, self.rules, self.dags)


def make_alarm_service(
    http: httpx.AsyncClient,
    smtp_port: int,
    rules: InMemoryAlarmRuleRepository,
    dags: InMemoryDagRepository,
) -> AlarmService:
    # Only the receiver's loopback address is allowed; other private ones stay refused.
    notifier = HttpSmtpAlarmNotifier(
        http, AddressGuard(["127.0.0.1"]), "127.0.0.1", smtp_port, SENDER
    )
    clock = SystemClock()
    return AlarmService(
        repository=rules,
        notifier=notifier,
        dag_emails=dag_emails_of(dags),
        ids=IdGenerator(1, clock.now_ms),
        clock=clock,
    )


@pytest.fixture
async def world(mailbox: tuple[Mailbox, int], receiver: Receiver) -> AsyncIterator[World]:
    handler, smtp_port = mailbox
    rules, dags = InMemoryAlarmRuleRepository(), InMemoryDagRepository()
    async with httpx.AsyncClient() as http:
        alarms = make_alarm_service(http, smtp_port, rules, dags)
        yield World(
            alarms=alarms, rules=rules, dags=dags, http=http, mailbox=handler, receiver=receiver
        )


# --- builders ---------------------------------------------------------------------------------


def make_run(**overrides: Any) -> Run:
    fields: dict[str, Any] = {
        "id": next_id(),
        "dag_id": "1001",
        "version_id": "v1",
        "version": "v1.0.0",
        "name": "Nightly sync",
        "trigger": RunTrigger.MANUAL,
        "status": RunStatus.FAILED,
        "reason": "step 2: HTTP 500 from billing",
        "userid": "u1",
        "biz_domain_id": "default",
        "created_at": 1_700_000_000,
        "started_at": 1_700_000_001,
        "ended_at": 1_700_000_061,
    }
    fields.update(overrides)
    return Run(**fields)


def webhook(target: str) -> Channel:
    return Channel(type=ChannelType.WEBHOOK, target=target)


def email(target: str) -> Channel:
    return Channel(type=ChannelType.EMAIL, target=target)


def draft(**overrides: Any) -> AlarmRuleDraft:
    fields: dict[str, Any] = {
        "name": "billing alarms",
        "dag_ids": ["1001"],
        "on": ["failed"],
        "channels": [email("ops@example.com")],
    }
    fields.update(overrides)
    return AlarmRuleDraft(**fields)


# --- notifications ----------------------------------------------------------------------------


async def test_a_failed_run_of_a_watched_dag_sends_one_webhook_and_one_mail(world: World) -> None:
    hook = f"{world.receiver.url}/hooks/billing"
    channels = [webhook(hook), email("ops@example.com")]
    rule = await world.alarms.create(OWNER, draft(channels=channels))
    run = make_run()

    await world.alarms.run_ended(run)

    assert world.receiver.hooks == [
        (
            "/hooks/billing",
            {
                "rule_id": rule.id,
                "rule_name": "billing alarms",
                "event": "failed",
                "run": {
                    "id": run.id,
                    "dagId": "1001",
                    "status": "failed",
                    "reason": "step 2: HTTP 500 from billing",
                    "started_at": 1_700_000_001,
                    "ended_at": 1_700_000_061,
                },
            },
        )
    ]
    [(recipients, mail)] = world.mailbox.mails
    assert recipients == ["ops@example.com"]
    assert mail["Subject"] == f"flowauto: run {run.id} of DAG 1001 failed"
    assert mail["From"] == SENDER
    assert mail["To"] == "ops@example.com"
    text = mail.get_content()
    assert "step 2: HTTP 500 from billing" in text
    assert "billing alarms" in text


async def test_a_successful_run_sends_nothing(world: World) -> None:
    channels = [webhook(f"{world.receiver.url}/h"), email("ops@example.com")]
    await world.alarms.create(OWNER, draft(channels=channels, on=["failed", "canceled"]))
    await _add_dag(world, emails=("team@example.com",))

    await world.alarms.run_ended(make_run(status=RunStatus.SUCCESS, reason=""))

    assert world.receiver.hooks == []
    assert world.mailbox.mails == []


async def test_rules_of_other_dags_domains_or_events_do_not_fire(world: World) -> None:
    hook = f"{world.receiver.url}/h"
    await world.alarms.create(OWNER, draft(dag_ids=["2002"], channels=[webhook(hook)]))
    await world.alarms.create(STRANGER, draft(channels=[webhook(hook)]))
    await world.alarms.create(OWNER, draft(on=["canceled"], channels=[webhook(hook)]))

    await world.alarms.run_ended(make_run())

    assert world.receiver.hooks == []
    assert world.mailbox.mails == []


async def test_a_canceled_run_fires_the_rules_on_canceled(world: World) -> None:
    await world.alarms.create(OWNER, draft(on=["canceled"], channels=[email("a@example.com")]))
    await world.alarms.create(OWNER, draft(on=["failed"], channels=[email("b@example.com")]))
    run = make_run(status=RunStatus.CANCELED, reason="canceled by u1")

    await world.alarms.run_ended(run)

    [(recipients, mail)] = world.mailbox.mails
    assert recipients == ["a@example.com"]
    assert mail["Subject"] == f"flowauto: run {run.id} of DAG 1001 canceled"


async def test_a_timed_out_run_fires_timeout_rules_once_and_failed_rules(world: World) -> None:
    hook = f"{world.receiver.url}/h"
    on_timeout = await world.alarms.create(OWNER, draft(on=["timeout"], channels=[webhook(hook)]))
    on_both = await world.alarms.create(
        OWNER, draft(on=["failed", "timeout"], channels=[webhook(hook)])
    )
    on_failed = await world.alarms.create(OWNER, draft(on=["failed"], channels=[webhook(hook)]))

    await world.alarms.run_ended(make_run(reason="step 3: timed out after 5000 ms"))
    await world.alarms.run_ended(make_run(reason="step 3: HTTP 502"))

    events = sorted((body["rule_id"], body["event"]) for _, body in world.receiver.hooks)
    assert events == sorted(
        [
            (on_timeout.id, "timeout"),
            (on_both.id, "timeout"),
            (on_failed.id, "failed"),
            (on_both.id, "failed"),
            (on_failed.id, "failed"),
        ]
    )


async def test_the_dag_emails_are_mailed_on_failure_only(world: World) -> None:
    dag = await _add_dag(world, emails=("team@example.com", "lead@example.com"))

    await world.alarms.run_ended(make_run(dag_id=dag.id, status=RunStatus.CANCELED, reason="x"))
    assert world.mailbox.mails == []

    run = make_run(dag_id=dag.id)
    await world.alarms.run_ended(run)

    [(recipients, mail)] = world.mailbox.mails
    assert recipients == ["team@example.com", "lead@example.com"]
    assert mail["Subject"] == f"flowauto: run {run.id} of DAG {dag.id} failed"
    assert "HTTP 500 from billing" in mail.get_content()


async def test_an_address_a_rule_mails_gets_no_second_mail_from_the_dag_emails(
    world: World,
) -> None:
    dag = await _add_dag(world, emails=("ops@example.com", "lead@example.com"))
    await world.alarms.create(OWNER, draft(dag_ids=[dag.id], channels=[email("OPS@example.com")]))

    await world.alarms.run_ended(make_run(dag_id=dag.id))

    assert sorted(recipients for recipients, _ in world.mailbox.mails) == [
        ["OPS@example.com"],
        ["lead@example.com"],
    ]


async def test_a_webhook_to_a_private_address_is_refused_and_only_logged(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    channels = [webhook("http://10.20.30.40/hook"), email("ops@example.com")]
    rule = await world.alarms.create(OWNER, draft(channels=channels))

    with caplog.at_level(logging.WARNING, logger="flowauto.application.alarm_service"):
        await world.alarms.run_ended(make_run())

    assert len(world.mailbox.mails) == 1  # the other channel still hears it
    [record] = caplog.records
    assert f"webhook of alarm rule {rule.id}" in record.getMessage()
    assert "10.20.30.40" in record.getMessage()
    assert "private address" in record.getMessage()


async def test_a_failing_receiver_or_mail_server_is_only_logged(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    world.receiver.status = 500
    channels = [webhook(f"{world.receiver.url}/h"), email("ops@example.com")]
    await world.alarms.create(OWNER, draft(channels=channels))
    alarms = world.alarms_mailing_through(free_port())  # nobody listens there

    with caplog.at_level(logging.WARNING, logger="flowauto.application.alarm_service"):
        await alarms.run_ended(make_run())

    assert len(world.receiver.hooks) == 1
    messages = sorted(record.getMessage() for record in caplog.records)
    assert len(messages) == 2
    assert "not delivered" in messages[0]
    assert "ConnectionRefusedError" in messages[0]
    assert "answered 500" in messages[1]


# --- rule use cases ---------------------------------------------------------------------------


async def test_rules_are_created_read_listed_changed_and_deleted(world: World) -> None:
    alarms = world.alarms
    first = await alarms.create(OWNER, draft(name="first", dag_ids=["1", "2", "1"]))
    second = await alarms.create(COLLEAGUE, draft(name="second", on=["timeout", "canceled"]))

    assert first.dag_ids == ("1", "2")  # duplicates dropped
    assert await alarms.get(COLLEAGUE, first.id) == first
    page = await alarms.find(COLLEAGUE, AlarmRuleQuery(biz_domain_id="ignored", limit=1))
    assert (page.total, page.items) == (2, (first,))

    changed = await alarms.update(OWNER, first.id, AlarmRulePatch(on=["canceled"]))
    assert (changed.name, changed.on, changed.dag_ids) == ("first", ("canceled",), ("1", "2"))
    assert await alarms.get(OWNER, first.id) == changed

    await alarms.delete(OWNER, first.id)
    with pytest.raises(AlarmRuleNotFoundError):
        await alarms.get(OWNER, first.id)
    assert (await alarms.find(OWNER, AlarmRuleQuery(biz_domain_id="default"))).items == (second,)


async def test_rules_of_another_domain_are_not_found(world: World) -> None:
    rule = await world.alarms.create(OWNER, draft())

    with pytest.raises(AlarmRuleNotFoundError):
        await world.alarms.get(STRANGER, rule.id)
    with pytest.raises(AlarmRuleNotFoundError):
        await world.alarms.delete(STRANGER, rule.id)
    assert (await world.alarms.find(STRANGER, AlarmRuleQuery(biz_domain_id="default"))).total == 0


async def test_only_the_creator_and_admins_change_or_delete_a_rule(world: World) -> None:
    rule = await world.alarms.create(OWNER, draft())

    with pytest.raises(ForbiddenError):
        await world.alarms.update(COLLEAGUE, rule.id, AlarmRulePatch(name="mine"))
    with pytest.raises(ForbiddenError):
        await world.alarms.delete(COLLEAGUE, rule.id)
    assert await world.alarms.get(COLLEAGUE, rule.id) == rule

    renamed = await world.alarms.update(ADMIN, rule.id, AlarmRulePatch(name="by admin"))
    assert renamed.name == "by admin"
    assert renamed.userid == "u1"
    await world.alarms.delete(ADMIN, rule.id)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"on": ["failed", "exploded"]}, "on[1]"),
        ({"on": []}, "on"),
        ({"dag_ids": []}, "dag_ids"),
        ({"dag_ids": ["1001", " "]}, "dag_ids[1]"),
        ({"channels": []}, "channels"),
        ({"channels": [Channel(type="sms", target="+4912345")]}, "channels[0].type"),  # type: ignore[arg-type]
        ({"channels": [email("ops@example.com"), email("not-an-address")]}, "channels[1].target"),
        ({"channels": [webhook("ftp://example.com/x")]}, "channels[0].target"),
        ({"channels": [webhook("example.com/hook")]}, "channels[0].target"),
        ({"name": "two\nlines"}, "name"),
    ],
)
async def test_bad_input_is_refused_naming_the_field(
    world: World, overrides: dict[str, Any], field: str
) -> None:
    with pytest.raises(FieldInvalidError) as raised:
        await world.alarms.create(OWNER, draft(**overrides))
    assert raised.value.field == field

    rule = await world.alarms.create(OWNER, draft())
    patch = AlarmRulePatch(**overrides)
    with pytest.raises(FieldInvalidError) as raised:
        await world.alarms.update(OWNER, rule.id, patch)
    assert raised.value.field == field


async def _add_dag(world: World, **overrides: Any) -> Dag:
    dag = make_dag(**overrides)
    await world.dags.add(dag, version_of(dag))
    return dag
