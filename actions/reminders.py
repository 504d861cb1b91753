"""退订提醒 / 订阅提醒: a resident stops or restarts the reception-day reminders."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import common
from actions.common import guarded


class ActionUnsubscribeReminders(Action):
    def name(self) -> Text:
        return "action_unsubscribe_reminders"

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        changed = common.services().residents.set_reminders(common.sender(tracker), False)
        dispatcher.utter_message(response="utter_reminders_stopped" if changed else "utter_reminders_already_stopped")
        return []


class ActionSubscribeReminders(Action):
    def name(self) -> Text:
        return "action_subscribe_reminders"

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        changed = common.services().residents.set_reminders(common.sender(tracker), True)
        dispatcher.utter_message(response="utter_reminders_started" if changed else "utter_reminders_already_started")
        return []
