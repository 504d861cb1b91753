"""Answers "when is the reception day" from the compound's calendar (RECEPTION_DAYS when it has none)."""

from datetime import date, datetime
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import common
from actions.common import guarded
from bot import reception, settings


class ActionReceptionDay(Action):
    def name(self) -> Text:
        return "action_reception_day"

    def today(self, config: settings.Settings) -> date:
        """Today in the compound's time zone (tests override this)."""
        return datetime.now(config.timezone).date()

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        config = settings.get()
        today = self.today(config)
        days = common.services().compound_info().reception_days or config.reception_days
        following, after = reception.upcoming(today, days, count=2)
        dispatcher.utter_message(
            response="utter_reception_days",
            days_of_month=reception.describe_days(days),
            next_date=reception.describe_date(following, today),
            after_date=reception.describe_date(after, today),
        )
        return []
