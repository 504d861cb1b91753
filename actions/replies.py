"""Answers to thanks and to what the assistant does not handle. A resident whose ticket waits
for its rating often judges it in those words (挺好的 谢谢王姐): then the ticket is rated."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import guarded
from actions.tickets import rate_aside


class _UnlessRating(Action, ABC):
    """Says ``response``, unless the message rates a ticket that waits for it (then it is rated).
    Abstract, so that rasa_sdk does not register it as an action of its own."""

    response: Text = ""

    @abstractmethod
    def name(self) -> Text: ...

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        if not rate_aside(dispatcher, tracker):
            dispatcher.utter_message(response=self.response)
        return []


class ActionThank(_UnlessRating):
    response = "utter_you_are_welcome"

    def name(self) -> Text:
        return "action_thank"


class ActionOutOfScope(_UnlessRating):
    response = "utter_out_of_scope"

    def name(self) -> Text:
        return "action_out_of_scope"
