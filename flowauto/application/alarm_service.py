"""Alarm rule use cases, and the alarms themselves when a run ends.

Who may do what: everyone in the caller's business domain may list and read its rules (a
team shares who is alarmed about what); only the creator and admins may change or delete
one.

When a run ends failed or canceled, every rule of its domain that watches its DAG and whose
`on` holds the ending notifies its channels, and the DAG's own `emails` (a shorthand rule on
failure) are mailed. Delivery failures are logged and never raised: an alarm must not break
the engine that reports the run's end.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from flowauto.application.run_end import RunEndListener
from flowauto.domain.alarm import (
    AlarmEvent,
    AlarmRule,
    AlarmRuleQuery,
    Channel,
    ChannelType,
    alarm_subject,
    alarm_text,
    check_name,
    checked_channels,
    checked_dag_ids,
    checked_events,
    events_of,
    fired_event,
    may_change,
    most_telling,
    webhook_payload,
)
from flowauto.domain.errors import (
    AlarmNotSentError,
    AlarmRuleNotFoundError,
    FieldInvalidError,
    ForbiddenError,
)
from flowauto.domain.identity import Identity
from flowauto.domain.ids import IdGenerator
from flowauto.domain.paging import MAX_LIMIT, Page
from flowauto.domain.run import Run, RunStatus
from flowauto.ports.alarm_notifier import AlarmNotifier
from flowauto.ports.alarm_rule_repository import AlarmRuleRepository
from flowauto.ports.clock import Clock
from flowauto.ports.dag_repository import DagRepository

log = logging.getLogger(__name__)

DagEmails = Callable[[str, str], Awaitable[tuple[str, ...]]]
"""(biz_domain_id, dag_id) -> the DAG's `emails`; () when the DAG is absent."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AlarmRuleDraft:
    """What `POST /alarm-rules` gives."""

    name: str = ""
    dag_ids: Sequence[str]
    on: Sequence[str]
    channels: Sequence[Channel]


@dataclass(frozen=True, slots=True, kw_only=True)
class AlarmRulePatch:
    """What `PUT /alarm-rules/{id}` gives: None keeps a field, a value replaces it whole."""

    name: str | None = None
    dag_ids: Sequence[str] | None = None
    on: Sequence[str] | None = None
    channels: Sequence[Channel] | None = None


def dag_emails_of(dags: DagRepository) -> DagEmails:
    """The `DagEmails` of the DAGs in `dags` (the live DAG: a deleted one mails nobody)."""

    async def dag_emails(biz_domain_id: str, dag_id: str) -> tuple[str, ...]:
        dag = await dags.get(biz_domain_id, dag_id)
        return () if dag is None else dag.emails

    return dag_emails


class AlarmService(RunEndListener):
    def __init__(
        self,
        *,
        repository: AlarmRuleRepository,
        notifier: AlarmNotifier,
        dag_emails: DagEmails,
        ids: IdGenerator,
        clock: Clock,
    ) -> None:
        self._repository = repository
        self._notifier = notifier
        self._dag_emails = dag_emails
        self._ids = ids
        self._clock = clock

    async def create(self, caller: Identity, draft: AlarmRuleDraft) -> AlarmRule:
        """Raises FieldInvalidError naming the field (400)."""
        check_name(draft.name)
        now = self._clock.now()
        rule = AlarmRule(
            id=self._ids.next_id(),
            biz_domain_id=caller.biz_domain,
            name=draft.name,
            dag_ids=checked_dag_ids(draft.dag_ids),
            on=checked_events(draft.on),
            channels=checked_channels(draft.channels),
            userid=caller.user_id,
            created_at=now,
            updated_at=now,
        )
        await self._repository.add(rule)
        return rule

    async def get(self, caller: Identity, rule_id: str) -> AlarmRule:
        rule = await self._repository.get(caller.biz_domain, rule_id)
        if rule is None:
            raise AlarmRuleNotFoundError(rule_id)
        return rule

    async def find(self, caller: Identity, query: AlarmRuleQuery) -> Page[AlarmRule]:
        """One page of the caller's domain; the query's domain is overridden."""
        if query.page < 0:
            raise FieldInvalidError("page", "may not be negative")
        if not 1 <= query.limit <= MAX_LIMIT:
            raise FieldInvalidError("limit", f"must be within 1..{MAX_LIMIT}")
        return await self._repository.find(
            dataclasses.replace(query, biz_domain_id=caller.biz_domain)
        )

    async def update(self, caller: Identity, rule_id: str, patch: AlarmRulePatch) -> AlarmRule:
        """Raises as `create`, plus ForbiddenError for others than the creator and admins."""
        rule = await self._changeable(caller, rule_id)
        changed = _patched(rule, patch)
        changed = dataclasses.replace(changed, updated_at=self._clock.now())
        if not await self._repository.update(changed):
            # Deleted by someone else meanwhile.
            raise AlarmRuleNotFoundError(rule_id)
        return changed

    async def delete(self, caller: Identity, rule_id: str) -> None:
        await self._changeable(caller, rule_id)
        if not await self._repository.delete(caller.biz_domain, rule_id):
            raise AlarmRuleNotFoundError(rule_id)

    async def run_ended(self, run: Run) -> None:
        """Notifies every channel the run's ending concerns, all at once; never raises."""
        events = events_of(run)
        # Debug runs try out unsaved work: alarming a team about them would be noise.
        if run.debug or not events:
            return
        fired = [
            (rule, event)
            for rule in await self._rules_watching(run)
            if (event := fired_event(rule, run)) is not None
        ]
        mailed = {address for rule, _ in fired for address in _addresses(rule.channels)}
        team = await self._dag_team(run, mailed)
        sends = [
            self._send(rule, channel, event, run)
            for rule, event in fired
            for channel in rule.channels
        ]
        failure = most_telling(events & {AlarmEvent.FAILED, AlarmEvent.TIMEOUT})
        if team and failure is not None:
            subject, text = alarm_subject(run, failure), alarm_text(run, failure, "")
            mail = self._notifier.email(team, subject, text)
            sends.append(_logged(mail, f"mail to DAG {run.dag_id}'s emails about run {run.id}"))
        await asyncio.gather(*sends)

    async def _changeable(self, caller: Identity, rule_id: str) -> AlarmRule:
        rule = await self.get(caller, rule_id)
        if not may_change(caller, rule):
            raise ForbiddenError(
                f"only the creator or an admin may change alarm rule {rule_id}",
                detail={"id": rule_id},
            )
        return rule

    async def _rules_watching(self, run: Run) -> tuple[AlarmRule, ...]:
        try:
            return await self._repository.watching(run.biz_domain_id, run.dag_id)
        except Exception:
            log.exception("alarm rules of run %s could not be read; no rule fires", run.id)
            return ()

    async def _dag_team(self, run: Run, mailed: set[str]) -> list[str]:
        """The DAG's `emails` (the shorthand rule on failure) that no fired rule mails
        already: nobody gets the same alarm twice."""
        if run.status is not RunStatus.FAILED:
            return []
        try:
            addresses = await self._dag_emails(run.biz_domain_id, run.dag_id)
        except Exception:
            log.exception("the emails of DAG %s could not be read; not mailed", run.dag_id)
            return []
        unique = dict.fromkeys(address.strip() for address in addresses)
        return [address for address in unique if address and address.lower() not in mailed]

    def _send(
        self, rule: AlarmRule, channel: Channel, event: AlarmEvent, run: Run
    ) -> Awaitable[None]:
        what = f"{channel.type.value} of alarm rule {rule.id} about run {run.id}"
        if channel.type is ChannelType.WEBHOOK:
            payload = webhook_payload(rule, event, run)
            return _logged(self._notifier.webhook(channel.target, payload), what)
        subject, text = alarm_subject(run, event), alarm_text(run, event, rule.name)
        return _logged(self._notifier.email([channel.target], subject, text), what)


async def _logged(delivery: Awaitable[None], what: str) -> None:
    try:
        await delivery
    except Exception as error:
        # Known failures (AlarmNotSentError) carry a safe message; anything else is a bug worth
        # its traceback. Neither may reach the engine.
        expected = isinstance(error, AlarmNotSentError)
        log.warning("%s not delivered: %s", what, error, exc_info=not expected)


def _addresses(channels: Sequence[Channel]) -> set[str]:
    return {c.target.lower() for c in channels if c.type is ChannelType.EMAIL}


def _patched(rule: AlarmRule, patch: AlarmRulePatch) -> AlarmRule:
    """The rule with the patch's fields, each checked (FieldInvalidError names the field)."""
    if patch.name is not None:
        check_name(patch.name)
    return dataclasses.replace(
        rule,
        name=rule.name if patch.name is None else patch.name,
        dag_ids=rule.dag_ids if patch.dag_ids is None else checked_dag_ids(patch.dag_ids),
        on=rule.on if patch.on is None else checked_events(patch.on),
        channels=rule.channels if patch.channels is None else checked_channels(patch.channels),
    )
