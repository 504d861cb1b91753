"""A resident gives an address outside a request: bind it, or change the one on file."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions import common
from actions.common import guarded
from actions.tickets import (ActionStartTicket, emergency_first, offer_detail, offer_still_open, only_unit,
                             phone_given, rate_aside, say_address_problem, say_missing, say_only_unit)
from bot import conversation
from bot.nlu.address import ENTITIES as ADDRESS_ENTITIES
from bot.services.common import location
from bot.tickets import REQUEST_TYPES

# How likely the model must find a request in a message it read as an address that says more
# (1栋1单元502阳台下水道堵了: inform 0.63, repair 0.35) for that request to be the one made.
REQUEST_BESIDE_LIKELIHOOD = 0.2


class ActionUpdateHousehold(Action):
    def name(self) -> Text:
        return "action_update_household"

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        emergency = emergency_first(dispatcher, tracker)  # 我家煤气泄漏了 在3栋1单元301
        if emergency is not None:
            return emergency
        if answer_who_is_butler(dispatcher, tracker):  # 3栋的楼长是谁啊, read as an address
            return []
        building, unit, room = (common.entity(tracker, key) for key in ("building", "unit", "room"))
        phone = common.entity(tracker, "phone")
        request = request_beside(tracker) if (building or room or phone) else None
        if request:  # 1栋1单元502阳台下水道堵了, read as an address: the repair, at that address
            started = ActionStartTicket().start(dispatcher, tracker, request, common.text(tracker), chosen=False)
            return started + [FollowupAction("ticket_form")]
        if not (building or unit or room or phone):
            if rate_aside(dispatcher, tracker):
                return []  # "5", read as an address, to 请回复1–5给这次服务打分
            if conversation.meaningful_length(common.text(tracker)) < 2:
                dispatcher.utter_message(response="utter_default")  # "5" with nothing to rate: not an address
                return []
        services = common.services()
        openid = common.sender(tracker)
        about_them = neighbour_after_dispute(dispatcher, tracker)  # 他们家是501, after a dispute
        if about_them is not None:
            return about_them
        if not (building and room):
            # "8栋2单元" after 电梯困人: a lift needs no room, and this is where it is
            placed = services.tickets.complete_location(openid, building=building, unit=unit, room=None) \
                if building and unit else []
            for number in placed:
                dispatcher.utter_message(response="utter_emergency_location_added", number=number,
                                         location=location(building, unit, None))  # the lift's place
            if phone:  # "我电话13812345678": nothing else to ask; the assignees of open tickets told
                phone_given(dispatcher, tracker, phone)
                offer_still_open(dispatcher, tracker)
                return []
            if placed:
                return []
            say_missing(dispatcher, [part for part, given in (("building", building), ("room", room)) if not given])
            return []
        units = services.residents.units_of(building) or 0
        if not unit and units > 1:
            say_missing(dispatcher, ["unit"])
            return []
        unit, named_unit = only_unit(units, unit)  # 我家是17栋2单元1203: 1单元, said so once bound
        if conversation.someone_elses_home(common.text(tracker)):  # 我妈住5栋1单元301: not the resident's
            dispatcher.utter_message(response="utter_address_someone_elses",
                                     location=location(building, unit, room))
            return []
        before = services.residents.profile(openid)
        binding = services.residents.bind(openid, building=building, unit=unit, room=room, phone=phone)
        if binding.problem:
            say_address_problem(dispatcher, binding.problem, building, unit, room)
            return []
        say_only_unit(dispatcher, building, named_unit, room)
        now = binding.profile
        where = location(now.building, now.unit, now.room)
        for number in services.tickets.complete_location(openid, building=now.building, unit=now.unit,
                                                         room=now.room):
            dispatcher.utter_message(response="utter_emergency_location_added", number=number, location=where)
        if binding.changed_from:
            dispatcher.utter_message(response="utter_household_changed", old=binding.changed_from, location=where)
        elif before.bound:
            dispatcher.utter_message(response="utter_household_same", location=where)
        else:
            dispatcher.utter_message(response="utter_household_remembered", location=where)
        if common.last_response(tracker) == "utter_human_handoff":  # the address we asked for: whom to call
            name_butler(dispatcher, services, openid)
        offer_still_open(dispatcher, tracker)  # the address, sent to 您是想：报修 / 快递问题: asked again
        return []


def neighbour_after_dispute(dispatcher: CollectingDispatcher,
                            tracker: Tracker) -> Optional[List[Dict[Text, Any]]]:
    """他们家是501, 对方住501 (read as an address) right after a dispute was reported: the other
    side's flat, not the resident's, offered as more about the dispute (offer_detail). None otherwise."""
    if tracker.active_loop_name or not conversation.names_the_other_side(common.text(tracker)):
        return None
    return offer_detail(dispatcher, tracker, of_kind="noise_dispute")


def request_beside(tracker: Tracker) -> Optional[str]:
    """The request a message the model read as an address also makes: more than the address is
    said (我妈家的马桶堵了 她住5栋1单元301), and it names a request (conversation.request_named) or
    the model finds one likely. None for an address alone, or with words about it (我搬家了 新地址是…)."""
    message = common.text(tracker)
    entities = (tracker.latest_message or {}).get("entities") or []
    spans = [(entity["start"], entity["end"]) for entity in entities  # the pipeline's offsets: no second pass
             if entity.get("entity") in ADDRESS_ENTITIES]
    rest = "".join(ch for at, ch in enumerate(message) if not any(start <= at < end for start, end in spans))
    if conversation.meaningful_length(rest) < 3:
        return None
    named = conversation.request_named(message)
    if named:
        return named
    likeliest = max(REQUEST_TYPES, key=lambda kind: common.ranked(tracker, kind))
    return likeliest if common.ranked(tracker, likeliest) >= REQUEST_BESIDE_LIKELIHOOD else None


def answer_who_is_butler(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """我们楼的楼栋长是谁 (out of scope 1.0), 3栋的楼长是谁啊 (an address, 0.95): the butler of the
    building named, else of the resident's; without either, the property phone and the address
    asked for, as 转人工 does. False when the words do not ask it."""
    if tracker.active_loop_name or not conversation.asks_for_butler(common.text(tracker)):
        return False
    services = common.services()
    if not name_butler(dispatcher, services, common.sender(tracker), common.entity(tracker, "building")):
        dispatcher.utter_message(response="utter_human_handoff",
                                 property_phone=services.compound_info().property_phone)
    return True


def name_butler(dispatcher: CollectingDispatcher, services, openid: str,
                building: Optional[str] = None) -> bool:
    """转人工: the household's butler (or ``building``'s) and phone; False (nothing said) when there
    is none to name."""
    butler = services.residents.butler(openid, building)
    if butler:
        response = "utter_butler_of_building" if building else "utter_human_handoff_butler"
        dispatcher.utter_message(response=response, name=butler.name, phone=butler.phone,
                                 building=butler.building)
    return butler is not None
