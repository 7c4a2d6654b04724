"""Request bodies of the alarm rule routes and the JSON shapes they answer."""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from flowauto.application.alarm_service import AlarmRuleDraft, AlarmRulePatch
from flowauto.domain.alarm import AlarmRule, Channel, ChannelType
from flowauto.domain.paging import Page

Event = Literal["failed", "canceled", "timeout"]
Kind = Literal["webhook", "email"]


class ChannelBody(msgspec.Struct, forbid_unknown_fields=True):
    type: Kind
    target: str
    """An http(s) URL for a webhook, an address for an email."""

    def to_channel(self) -> Channel:
        return Channel(type=ChannelType(self.type), target=self.target)


class AlarmRuleCreateBody(msgspec.Struct, forbid_unknown_fields=True):
    dag_ids: list[str]
    on: list[Event]
    channels: list[ChannelBody]
    name: str = ""

    def to_draft(self) -> AlarmRuleDraft:
        return AlarmRuleDraft(
            name=self.name,
            dag_ids=self.dag_ids,
            on=self.on,
            channels=[channel.to_channel() for channel in self.channels],
        )


class AlarmRuleUpdateBody(msgspec.Struct, forbid_unknown_fields=True):
    """Absent fields are kept; a given list replaces the stored one whole."""

    name: str | None = None
    dag_ids: list[str] | None = None
    on: list[Event] | None = None
    channels: list[ChannelBody] | None = None

    def to_patch(self) -> AlarmRulePatch:
        channels = None if self.channels is None else [c.to_channel() for c in self.channels]
        return AlarmRulePatch(name=self.name, dag_ids=self.dag_ids, on=self.on, channels=channels)


def render_alarm_rule(rule: AlarmRule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule.name,
        "dag_ids": list(rule.dag_ids),
        "on": [event.value for event in rule.on],
        "channels": [{"type": c.type.value, "target": c.target} for c in rule.channels],
        "userid": rule.userid,
        "biz_domain_id": rule.biz_domain_id,
        "created_at": rule.created_at,
        "updated_at": rule.updated_at,
    }


def render_page(found: Page[AlarmRule]) -> dict[str, Any]:
    """The paged-list shape: `{total, page, limit, alarm_rules}`."""
    return {
        "total": found.total,
        "page": found.page,
        "limit": found.limit,
        "alarm_rules": [render_alarm_rule(rule) for rule in found.items],
    }
