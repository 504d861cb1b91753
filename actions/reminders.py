"""退订提醒 / 订阅提醒: a resident stops or restarts the reception-day reminders."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import common
from actions.common import guarded


class _SetReminders:
    """Turn the sender's reminders on or off; say so, or that they already were. A mixin, not an
    Action: rasa_sdk registers every Action subclass, and this one has no name."""

    enabled: bool
    changed_response: str
    unchanged_response: str

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        changed = common.services().residents.set_reminders(common.sender(tracker), self.enabled)
        dispatcher.utter_message(response=self.changed_response if changed else self.unchanged_response)
        return []


class ActionUnsubscribeReminders(_SetReminders, Action):
    enabled, changed_response, unchanged_response = False, "utter_reminders_stopped", "utter_reminders_already_stopped"

    def name(self) -> Text:
        return "action_unsubscribe_reminders"


class ActionSubscribeReminders(_SetReminders, Action):
    enabled, changed_response, unchanged_response = True, "utter_reminders_started", "utter_reminders_already_started"

    def name(self) -> Text:
        return "action_subscribe_reminders"
