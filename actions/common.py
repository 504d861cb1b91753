"""What every action shares: the services, the message being answered, and a guard that turns
a failure into a clear apology instead of a crash (the service has already rolled back)."""

from __future__ import annotations

import functools
import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot import conversation
from bot import services as services_module

logger = logging.getLogger(__name__)
# How sure the model must be of a short social message (a yes, a greeting) to take it as one: real
# yeses (要的, 行吧, 帮我报一下) read 0.85-0.99; details it misread as them (上次也是这样, 我下午都在家) 0.58-0.68.
SURE = 0.8


def services() -> services_module.Services:
    return services_module.current()


def sender(tracker: Tracker) -> str:
    return tracker.sender_id


def text(tracker: Tracker) -> str:
    return (tracker.latest_message or {}).get("text") or ""


def intent(tracker: Tracker) -> Optional[str]:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def confidence(tracker: Tracker) -> Optional[float]:
    return ((tracker.latest_message or {}).get("intent") or {}).get("confidence")


def ranked(tracker: Tracker, name: str) -> float:
    """How likely the model found ``name`` for the latest message (its ranking; 0 when absent)."""
    ranking = (tracker.latest_message or {}).get("intent_ranking") or []
    return next((float(item.get("confidence") or 0) for item in ranking if item.get("name") == name), 0.0)


def sure(tracker: Tracker) -> bool:
    """The model is sure of the intent it read (see SURE)."""
    return (confidence(tracker) or 0) >= SURE


def agrees(tracker: Tracker) -> bool:
    """是的, 好的, 登记吧: a yes by its words, or an affirm the model is sure of. 上次也是这样, read as
    affirm at 0.58, is not a yes to withdraw a ticket or to take a request offered."""
    return conversation.is_yes(text(tracker)) or (intent(tracker) == "affirm" and sure(tracker))


def model_id(tracker: Tracker) -> Optional[str]:
    """The id of the model that understood the latest message (Rasa adds it to the event)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return (event.get("metadata") or {}).get("model_id")
    return None


def _answered_turn(tracker: Tracker) -> List[Dict[Text, Any]]:
    """The assistant's messages (bot events) between the resident's previous message and the one
    being answered, oldest first: what the resident replies to."""
    said: List[Dict[Text, Any]] = []
    answering = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if answering:
                break
            answering = True
        elif answering and event.get("event") == "bot":
            said.insert(0, event)
    return said


def last_said(tracker: Tracker) -> Optional[Dict[Text, Any]]:
    """The assistant's last message before the one being answered: the bot event, with the
    response's name in metadata.utter_action and its buttons in data. None when it said nothing
    since the resident's previous message."""
    said = _answered_turn(tracker)
    return said[-1] if said else None


def last_response(tracker: Tracker) -> Optional[str]:
    """The name of the response last_said was (utter_offer_detail …), None when it said nothing."""
    return ((last_said(tracker) or {}).get("metadata") or {}).get("utter_action")


def said_this_turn(tracker: Tracker) -> List[Text]:
    """The responses said since the resident's latest message (a form's validation speaks before
    the form asks its question), oldest first."""
    said: List[Text] = []
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            break
        if event.get("event") == "bot":
            said.insert(0, ((event.get("metadata") or {}).get("utter_action")) or "")
    return said


def said_before(tracker: Tracker) -> List[Text]:
    """The responses the assistant gave between the resident's previous message and the one being
    answered (the answer they reply to: 先按18栋1单元1101给您记下了 and 师傅什么时间上门方便), oldest first."""
    return [((event.get("metadata") or {}).get("utter_action")) or "" for event in _answered_turn(tracker)]


def entity(tracker: Tracker, name: str, role: Optional[str] = None) -> Optional[str]:
    """The first value of an entity in the latest message, with that role (None: no role)."""
    for found in (tracker.latest_message or {}).get("entities") or []:
        if found.get("entity") == name and found.get("role") == role:
            return str(found.get("value"))
    return None


def entity_in(tracker: Tracker, words: str, name: str) -> Optional[str]:
    """The value of an entity the model found in ``words`` when the resident said them, in an
    earlier message: a request we offered back (pending_text) keeps its facility."""
    for event in reversed(tracker.events):
        text = event.get("text") or "" if event.get("event") == "user" else ""
        at = text.find(words) if words and not text.startswith("/") else -1
        if at < 0:
            continue
        for found in (event.get("parse_data") or {}).get("entities") or []:
            start = found.get("start", at)  # within those words, not another clause of the message
            if found.get("entity") == name and found.get("role") is None and at <= start < at + len(words):
                return str(found.get("value"))
        return None
    return None


def guarded(run):
    """Any failure: log it, apologise in Chinese, leave the conversation usable."""

    @functools.wraps(run)
    async def wrapper(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                      domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        try:
            return await run(self, dispatcher, tracker, domain)
        except Exception:  # noqa: BLE001 - the resident must get an answer whatever happened
            logger.exception("%s failed for %s", self.name(), tracker.sender_id)
            dispatcher.utter_message(response="utter_service_unavailable")
            return []

    return wrapper
