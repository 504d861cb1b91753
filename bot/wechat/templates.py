"""What a notification shows in a WeChat template message.

Since 2023-05-04 template messages have no colours and no first/remark lines, and each field
holds at most 20 characters: every value is clipped here. Which field shows what is configured
(``WeChatConfig.*_template_fields``); the values come from the notification and its ticket.
"""

from __future__ import annotations

from typing import Dict, Optional
from zoneinfo import ZoneInfo

from bot import texts
from bot.db.models import Notification, Ticket
from bot.services.common import location
from bot.wechat.config import TemplateFields

FIELD_LIMIT = 20


def clip(value: str, limit: int = FIELD_LIMIT) -> str:
    """At most ``limit`` characters, an ellipsis marking a cut; never empty."""
    value = " ".join(value.split()) or texts.label("fallbacks", "template_value_missing")
    return value if len(value) <= limit else value[: limit - 1] + "…"


def field_values(notification: Notification, ticket: Optional[Ticket], timezone: ZoneInfo) -> Dict[str, str]:
    """Every source a template field can show (bot.wechat.config.FIELD_SOURCES), unclipped."""
    titles = texts.labels("notification_titles")
    values = {
        "title": titles.get(notification.kind, titles["default"]),
        "text": notification.text,
        "time": f"{notification.created_at.astimezone(timezone):%Y-%m-%d %H:%M}",
        "number": "", "status": "", "type": "", "location": "",
    }
    if ticket is not None:
        values.update(
            number=ticket.number,
            status=texts.label("statuses", ticket.status),  # the ticket's status when sent
            type=texts.label("request_types", ticket.request_type),
            location=location(ticket.building, ticket.unit, ticket.room),
        )
    return values


def template_data(fields: TemplateFields, values: Dict[str, str]) -> Dict[str, Dict[str, str]]:
    """The ``data`` of message/template/send: {"thing2": {"value": "..."}}, each ≤ 20 characters."""
    return {key: {"value": clip(values[source])} for key, source in fields}


def link(console_url: str, number: str, ticket_id: Optional[int]) -> Optional[str]:
    """The staff console's page for the ticket, if a console URL is configured."""
    if not console_url or ticket_id is None:
        return None
    return console_url.format(number=number, ticket_id=ticket_id)
