"""Alarm rules (SPEC section 4, Alarms): who hears that a run of a watched DAG ended badly.

A rule belongs to a business domain and its creator. It watches some DAGs (`dag_ids`), fires
on some endings (`on`) and notifies its channels: a webhook (an http(s) URL that receives a
JSON POST) or an email address. The DAG's own `emails` field is a shorthand rule: on failure,
mail those addresses.

What an alarm says (subject, text, webhook payload) is decided here too, so every adapter
sends the same words.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from flowauto.domain.dag_fields import check_emails
from flowauto.domain.errors import FieldInvalidError
from flowauto.domain.identity import Identity
from flowauto.domain.paging import DEFAULT_LIMIT
from flowauto.domain.run import Run, RunStatus

NAME_MAX = 255  # the column's size
DAG_IDS_MAX = 200
CHANNELS_MAX = 20
URL_MAX = 2048
# DAG ids are decimal strings; any printable id up to 64 characters is accepted so that a
# rule may name a DAG created later (or imported with its own id).
_DAG_ID = re.compile(r"[^\s\x00-\x1f\x7f]{1,64}")
TIMED_OUT = "timed out"


class AlarmEvent(enum.StrEnum):
    FAILED = "failed"
    CANCELED = "canceled"
    TIMEOUT = "timeout"
    """A failed run whose reason says it timed out (a step or the run went over its time)."""


class ChannelType(enum.StrEnum):
    WEBHOOK = "webhook"
    EMAIL = "email"


@dataclass(frozen=True, slots=True, kw_only=True)
class Channel:
    """Where an alarm goes: `target` is an http(s) URL (webhook) or an email address."""

    type: ChannelType
    target: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AlarmRule:
    """`dag_ids`, `on` and `channels` are never empty and hold no duplicates."""

    id: str
    biz_domain_id: str
    name: str = ""
    dag_ids: tuple[str, ...]
    on: tuple[AlarmEvent, ...]
    channels: tuple[Channel, ...]
    userid: str
    created_at: int
    updated_at: int


@dataclass(frozen=True, slots=True, kw_only=True)
class AlarmRuleQuery:
    """One page of a domain's rules, oldest first (ties by id, so pages never overlap)."""

    biz_domain_id: str
    page: int = 0
    limit: int = DEFAULT_LIMIT


def check_name(name: str) -> None:
    if len(name) > NAME_MAX:
        raise FieldInvalidError("name", f"is {len(name)} characters, over {NAME_MAX}")
    if any(char in name for char in "\r\n\t"):
        raise FieldInvalidError("name", "may not contain line breaks or tabs")


def checked_dag_ids(dag_ids: Sequence[str]) -> tuple[str, ...]:
    """The ids without duplicates, in the given order; FieldInvalidError names the field."""
    if not dag_ids:
        raise FieldInvalidError("dag_ids", "must name at least one DAG")
    if len(dag_ids) > DAG_IDS_MAX:
        raise FieldInvalidError("dag_ids", f"names {len(dag_ids)} DAGs, over {DAG_IDS_MAX}")
    for index, dag_id in enumerate(dag_ids):
        if not isinstance(dag_id, str) or not _DAG_ID.fullmatch(dag_id):
            raise FieldInvalidError(f"dag_ids[{index}]", "must be a DAG id")
    return tuple(dict.fromkeys(dag_ids))


def checked_events(on: Sequence[str]) -> tuple[AlarmEvent, ...]:
    """The events without duplicates, in the given order."""
    if not on:
        raise FieldInvalidError("on", "must name at least one event")
    events: list[AlarmEvent] = []
    for index, value in enumerate(on):
        try:
            events.append(AlarmEvent(value))
        except ValueError as error:
            choices = ", ".join(AlarmEvent)
            raise FieldInvalidError(f"on[{index}]", f"must be one of {choices}") from error
    return tuple(dict.fromkeys(events))


def checked_channels(channels: Sequence[Channel]) -> tuple[Channel, ...]:
    """The channels without duplicates, each with a target fit for its type."""
    if not channels:
        raise FieldInvalidError("channels", "must hold at least one channel")
    if len(channels) > CHANNELS_MAX:
        raise FieldInvalidError("channels", f"holds {len(channels)}, over {CHANNELS_MAX}")
    checked = [_checked_channel(index, channel) for index, channel in enumerate(channels)]
    return tuple(dict.fromkeys(checked))


def _checked_channel(index: int, channel: Channel) -> Channel:
    # Typed callers pass a ChannelType already; this guards the untyped ones.
    try:
        type_ = ChannelType(channel.type)
    except ValueError as error:
        choices = ", ".join(ChannelType)
        raise FieldInvalidError(f"channels[{index}].type", f"must be one of {choices}") from error
    target = channel.target.strip() if isinstance(channel.target, str) else ""
    problem = _email_problem(target) if type_ is ChannelType.EMAIL else _url_problem(target)
    if problem:
        raise FieldInvalidError(f"channels[{index}].target", problem)
    return Channel(type=type_, target=target)


def _email_problem(target: str) -> str:
    # The same rule as the DAG's `emails` field, so an address valid there is valid here.
    try:
        check_emails((target,))
    except FieldInvalidError:
        return f"{target[:NAME_MAX]!r} is not an email address"
    return ""


def _url_problem(target: str) -> str:
    # Only the form is checked here: where the URL leads is checked when it is called (the
    # SSRF guard), since DNS answers change.
    if len(target) > URL_MAX:
        return f"is {len(target)} characters, over {URL_MAX}"
    parts = urlsplit(target)
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in target:
        return "must be an absolute http or https URL"
    return ""


def may_change(identity: Identity, rule: AlarmRule) -> bool:
    """Only the creator and admins may change or delete a rule; its domain reads it."""
    return identity.is_admin or rule.userid == identity.user_id


def events_of(run: Run) -> set[AlarmEvent]:
    """The alarm events an ended run raises: none for success or a run still going."""
    if run.status is RunStatus.CANCELED:
        return {AlarmEvent.CANCELED}
    if run.status is not RunStatus.FAILED:
        return set()
    if TIMED_OUT in run.reason.lower():
        return {AlarmEvent.FAILED, AlarmEvent.TIMEOUT}
    return {AlarmEvent.FAILED}


def fired_event(rule: AlarmRule, run: Run) -> AlarmEvent | None:
    """The event this rule fires for the run, or None. A timed-out run also failed: a rule on
    both hears it once, as the more telling `timeout`."""
    if rule.biz_domain_id != run.biz_domain_id or run.dag_id not in rule.dag_ids:
        return None
    return most_telling(events_of(run).intersection(rule.on))


def most_telling(events: set[AlarmEvent]) -> AlarmEvent | None:
    for event in (AlarmEvent.TIMEOUT, AlarmEvent.CANCELED, AlarmEvent.FAILED):
        if event in events:
            return event
    return None


def alarm_subject(run: Run, event: AlarmEvent) -> str:
    return f"flowauto: run {run.id} of DAG {run.dag_id} {event.value}"


def alarm_text(run: Run, event: AlarmEvent, rule_name: str) -> str:
    """The body of an alarm mail: short plain text."""
    lines = [
        f"Run {run.id} ({run.name}) of DAG {run.dag_id} ended: {event.value}.",
        f"Status: {run.status.value}",
        f"Reason: {run.reason or '-'}",
        f"Started at: {_time(run.started_at)}",
        f"Ended at: {_time(run.ended_at)}",
    ]
    if rule_name:
        lines.append(f"Alarm rule: {rule_name}")
    return "\n".join(lines) + "\n"


def webhook_payload(rule: AlarmRule, event: AlarmEvent, run: Run) -> Mapping[str, Any]:
    return {
        "rule_id": rule.id,
        "rule_name": rule.name,
        "event": event.value,
        "run": {
            "id": run.id,
            "dagId": run.dag_id,
            "status": run.status.value,
            "reason": run.reason,
            "started_at": run.started_at,
            "ended_at": run.ended_at,
        },
    }


def _time(unix_s: int | None) -> str:
    if unix_s is None:
        return "-"
    return datetime.fromtimestamp(unix_s, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
