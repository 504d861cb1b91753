"""action_session_start: a request still being collected waits a day past Rasa's 60-minute session,
then is dropped with a word to the resident; other sessions start as Rasa's own (slots carried).
The whole of it, through Rasa's processor and its conversation store, is tested over REST in
tests/e2e/test_tickets_rest.py (a summary answered hours later, a request left for days)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.session import WAITS, ActionSessionStart
from actions.tickets import ActionStartTicket
from tests.actions.conftest import render


def _tracker(clock, hours_ago: float, form: bool, slots: Dict[str, Any]) -> Tracker:
    said = (clock.now - timedelta(hours=hours_ago)).timestamp()
    events = [{"event": "session_started", "timestamp": said - 60},
              {"event": "user", "text": "我家水龙头坏了", "timestamp": said - 30},
              {"event": "user", "text": "3栋2单元502", "timestamp": said}]
    return Tracker("wx-later", slots, {"text": "3栋2单元502"}, events, False, None,
                   {"name": "ticket_form"} if form else {}, "action_listen")


async def _start(domain, tracker: Tracker):
    dispatcher = CollectingDispatcher()
    events = await ActionSessionStart().run(dispatcher, tracker, domain)
    texts = [render(domain, message, tracker.slots) for message in dispatcher.messages]
    return events, texts, [message.get("buttons") for message in dispatcher.messages]


def _slots(events: List[Dict[str, Any]]) -> Dict[str, Optional[Any]]:
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


UNDER_WAY = {"request_type": "repair", "address": "ok", "building": "3", "unit": "2", "room": "502",
             "description": "我家水龙头坏了", "requested_slot": "visit_time", "phone": "13912345678"}


async def test_a_request_under_way_goes_on_in_the_same_session_within_a_day(services, clock, domain):
    events, texts, _ = await _start(domain, _tracker(clock, hours_ago=23, form=True, slots=UNDER_WAY))
    assert texts == []
    assert [e["event"] for e in events] == ["action"]  # no session_started: the form stays active
    assert events[0]["name"] == "action_listen"


async def test_a_request_left_over_a_day_is_dropped_and_the_resident_told_what_it_was(services, clock,
                                                                                     domain):
    events, texts, buttons = await _start(domain, _tracker(clock, hours_ago=30, form=True, slots=UNDER_WAY))
    assert texts == ["您昨天说的报修（我家水龙头坏了）一直没有提交，已经放下了。还需要的话，点“报修”重新登记就行😊"]
    assert buttons == [[{"title": "报修", "payload": "/repair"}]]
    assert events[0]["event"] == "session_started" and events[-1] == {**events[-1], "name": "action_listen"}
    slots = _slots(events)
    assert {slots[name] for name in ("request_type", "description", "requested_slot", "address")} == {None}
    assert slots["phone"] == "13912345678"  # what is not the request's is carried over, as Rasa does
    assert slots["pending_text"] == "我家水龙头坏了"  # the button's words


async def test_the_button_of_a_dropped_request_starts_it_again_from_the_residents_words(services, resident):
    li = resident("wx-later")
    li.set("pending_text", "我家水龙头坏了")

    tapped = await li.send(ActionStartTicket(), "/repair", "repair")

    assert (tapped.slots["request_type"], tapped.slots["description"]) == ("repair", "我家水龙头坏了")


async def test_a_dropped_request_without_a_description_and_a_date_further_back(services, clock, domain):
    slots = {**UNDER_WAY, "description": None, "requested_slot": "description"}
    events, texts, _ = await _start(domain, _tracker(clock, hours_ago=24 * 4, form=True, slots=slots))
    assert texts == ["您11月17日说的报修一直没有提交，已经放下了。还需要的话，点“报修”重新登记就行😊"]
    assert _slots(events)["pending_text"] is None


async def test_with_no_request_under_way_the_session_starts_as_rasas_with_the_slots_carried(
        services, clock, domain):
    slots = {**UNDER_WAY, "requested_slot": None, "request_type": None, "pending_text": "楼道里堆了好多东西"}
    events, texts, _ = await _start(domain, _tracker(clock, hours_ago=2, form=False, slots=slots))
    assert texts == []
    assert events[0]["event"] == "session_started" and events[-1]["name"] == "action_listen"
    assert _slots(events) == {name: value for name, value in slots.items() if value is not None}


def test_the_residents_are_told_how_long_a_request_waits(domain):
    hours = int(WAITS.total_seconds() // 3600)
    for name in ("utter_request_waits", "utter_request_waits_question"):
        assert f"{hours}小时内" in domain["responses"][name][0]["text"]
