"""Answers to thanks and to what the assistant does not handle. A resident whose ticket waits
for its rating often judges it in those words (挺好的 谢谢王姐): then the ticket is rated."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import guarded
from actions.tickets import rate_aside


class ActionThank(Action):
    def name(self) -> Text:
        return "action_thank"

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        if not rate_aside(dispatcher, tracker):
            dispatcher.utter_message(response="utter_you_are_welcome")
        return []


class ActionOutOfScope(Action):
    def name(self) -> Text:
        return "action_out_of_scope"

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        if not rate_aside(dispatcher, tracker):
            dispatcher.utter_message(response="utter_out_of_scope")
        return []
