"""A new conversation session, with a request still being collected.

Rasa starts a new session when a resident writes after more than an hour (domain.yml's
session_config): its own ``action_session_start`` carries the slots over but not the form, so a
resident who was shown the summary, went to cook, and answered 确认 two hours later was greeted
as a stranger, and the request they thought they had filed was gone without a word.

Here a request under way (ticket_form active) waits for the resident for a day: the session goes
on as if it had not expired, and the next message answers the question the WeChat chat still
shows above it. A request left longer is dropped, and the resident is told so before their
message is answered, with a button that starts it again from their words. Every other session
starts as Rasa's own does.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import common
from actions.tickets import reset_form
from bot import texts

logger = logging.getLogger(__name__)
FORM = "ticket_form"
WAITS = timedelta(hours=24)  # utter_request_waits and utter_request_waits_question say so


def last_message_at(tracker: Tracker) -> Optional[datetime]:
    """When the resident last wrote (their latest user event), None if never."""
    for event in reversed(tracker.events):
        if event.get("event") == "user" and event.get("timestamp"):
            return datetime.fromtimestamp(float(event["timestamp"]), timezone.utc)
    return None


def _day(moment: datetime, today: datetime) -> str:
    days = (today.date() - moment.date()).days
    return {0: "今天", 1: "昨天", 2: "前天"}.get(days, f"{moment.month}月{moment.day}日")


class ActionSessionStart(Action):
    """Rasa's session start (the slots carried over), unless a request is under way (above)."""

    def name(self) -> Text:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        try:
            return self.start(dispatcher, tracker)
        except Exception:  # noqa: BLE001 - the message is still answered; nothing is dropped unsaid
            logger.exception("the session of %s could not start; it goes on", tracker.sender_id)
            return [ActionExecuted("action_listen")]

    @staticmethod
    def start(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[Text, Any]]:
        listen = [ActionExecuted("action_listen")]
        carried = [SlotSet(name, value) for name, value in tracker.slots.items() if value is not None]
        under_way = tracker.active_loop.get("name") == FORM and not tracker.get_slot("emergency_ticket")
        last = last_message_at(tracker) if under_way else None
        if last is None:
            return [SessionStarted(), *carried, *listen]
        services = common.services()
        now = services.now()
        if now - last < WAITS:
            return listen  # the same session goes on: the form asks, and reads the answer, as before
        request_type = tracker.get_slot("request_type")
        described = tracker.get_slot("description")
        zone, label = services.settings.timezone, texts.label("request_types", request_type or "")
        # Its button starts it again with the resident's words (pending_text), as any request offered back.
        dispatcher.utter_message(response="utter_request_dropped", type=label,
                                 day=_day(last.astimezone(zone), now.astimezone(zone)),
                                 request=label + (f"（{described}）" if described else ""),
                                 buttons=[{"title": label, "payload": f"/{request_type}"}])
        return [SessionStarted(), *carried, *reset_form(), SlotSet("pending_text", described), *listen]
