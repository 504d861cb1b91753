"""What each kind of WeChat push asks of the channel (plain Python over wechatpy's parsed
messages, no I/O): a text for the conversation, a phrase to answer at once, a photo to
attach, or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional, Union

from wechatpy import events, messages
from wechatpy.messages import BaseMessage

from bot.wechat import faces

# Rasa reads text starting with "/" as an intent payload (/repair{"building":"3"}), skipping
# NLU. A resident's text never does: its leading "/" becomes the full-width "／" (U+FF0F), which
# reads the same, keeps no invisible characters in tickets, and is no payload for Rasa.
PAYLOAD_PREFIX = "/"
ESCAPED_PREFIX = "\uff0f"


@dataclass(frozen=True)
class AskAgent:
    """Send ``text`` to the conversation. ``typed``: the resident's own words (escaped, and
    "1" may pick an offered button); otherwise a payload the channel built (menu clicks)."""

    text: str
    typed: bool = True


@dataclass(frozen=True)
class Answer:
    """Answer with the replies.yml phrase ``key``, without the conversation."""

    key: str


@dataclass(frozen=True)
class Welcome(Answer):
    """A new follower: record them as a resident of the account's compound (so that reception-day
    reminders reach them), then answer with the welcome."""

    key: str = "welcome"


@dataclass(frozen=True)
class AttachImage:
    media_id: str
    pic_url: str


@dataclass(frozen=True)
class Silent:
    """Nothing to say (unsubscribe, template-send reports, other events)."""


Step = Union[AskAgent, Answer, Welcome, AttachImage, Silent]
IntentForKey = Callable[[str], Optional[str]]


def escape_command(text: str) -> str:
    """The resident's text, never an intent payload (Rasa strips it before looking for "/")."""
    text = text.strip()
    return ESCAPED_PREFIX + text[1:] if text.startswith(PAYLOAD_PREFIX) else text


def dedupe_key(message: BaseMessage) -> str:
    """WeChat's retries carry the same key: MsgId for messages, FromUserName + CreateTime for
    events (wechatpy gives events id 0)."""
    if message.id:
        return f"msg:{message.id}"
    return f"event:{message.source}:{message.time}"


def route(message: BaseMessage, intent_for_key: IntentForKey) -> Step:
    """What to do with one parsed push."""
    if isinstance(message, messages.TextMessage):
        return AskAgent(faces.as_emoji(message.content or ""))  # [捂脸] → 🤦
    if isinstance(message, messages.VoiceMessage):
        recognition = (message.recognition or "").strip()  # WeChat is retiring it: often empty
        return AskAgent(recognition) if recognition else Answer("voice_unrecognised")
    if isinstance(message, messages.ImageMessage):
        return AttachImage(message.media_id or "", message.image or "")
    if isinstance(message, messages.LocationMessage):
        label = (message.label or "").strip()
        return AskAgent(label) if label else Answer("location_without_label")
    if isinstance(message, events.BaseEvent):
        return _event(message, intent_for_key)
    return Answer("unsupported")  # video, short video, link, mini-program page, unknown


def _event(event: events.BaseEvent, intent_for_key: IntentForKey) -> Step:
    if isinstance(event, (events.SubscribeEvent, events.SubscribeScanEvent)):
        return Welcome()
    if isinstance(event, events.ClickEvent):
        intent = intent_for_key(event.key or "")
        return AskAgent(PAYLOAD_PREFIX + intent, typed=False) if intent else Answer("unknown_menu")
    return Silent()  # unsubscribe, VIEW, LOCATION reports, TEMPLATESENDJOBFINISH, scans, …
