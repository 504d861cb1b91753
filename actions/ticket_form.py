"""ticket_form: collects what a request still lacks (where, what, when, who), then the
resident confirms, corrects or cancels. Every answer is checked here."""

from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import common
from actions.common import guarded
from actions.reception import say_reception_days
from actions.tickets import (ADDRESS_PARTS, FAILED, HANDLED, VISITED, answer_complaint, corrected_description,
                             emergency_first, needs_room, only_unit, room_on_floor, say_address_problem,
                             say_only_unit)
from bot import conversation, texts
from bot.nlu import address as address_parser
from bot.services.common import location
from bot.tickets import REQUEST_TYPES

logger = logging.getLogger(__name__)
UNKNOWN_PARTY = ("不清楚", "不知道", "不确定", "不晓得", "没看到")
DETAIL_CONFIDENCE = 0.7  # how sure the model must be that an answer tells more about the request itself
FIRST_DETAIL_LIKELIHOOD = 0.3  # … or, with nothing said yet of what happened, how likely it must find it
SUMMARY_DETAIL_INTENTS = ("inform", "out_of_scope", "nlu_fallback")
LOOSE_DETAIL_LIKELIHOOD = 0.1  # … or, read as one of those, how likely it must find it of the request's kind
NO_ADDRESS = {"address": None, "building": None, "unit": None, "room": None}
_BARE_NUMBER = re.compile(r"^\s*(\d{1,4})\s*(?:室|号|房)?\s*[。.!！~～]*\s*$")
# What joins the parts of one address as residents write it: 5栋2单元301, 三号楼二单元, 3-2-502, 3#502.
ASIDE_CONFIDENCE = 0.9  # how sure the model must be that a question in the middle is out of scope
# A question about the question asked (什么意思, 门牌号咋写, 填什么): not an aside.
_ABOUT_THE_QUESTION = re.compile(r"意思|怎么(写|填|说|回答?)|咋(写|填|说)|填什么|写什么|说什么|是啥|是什么|啥是|什么是|"
                                 r"格式|例子|比如|门牌|几栋|几单元|楼号|地址|房号|单元|时间")
# Short answers to 什么时间上门方便 that still say when, in words the time patterns lack (晚点, 现在, 饭后).
_TIME_ISH = re.compile(r"[点晚早后前空天时周快]|饭|月底|月初|现在|立即|立刻|赶紧")
# What may stand around a phone number given on its own: 我的电话是13912345678, 手机：139…, and
# a number put right (电话写错了 是139…, 手机号改成139…).
_PHONE_WORDS = re.compile(r"我的|我|的|手机号码|手机号|手机|电话号码|电话|号码|联系方式|联系|是|打|这个|[-－—]|"
                          r"刚才|(写|打|输|填)?错了?|不对|应该|改成|改为|换成|新")


def cancelled(value: str, tracker: Tracker) -> Dict[Text, Any]:
    """Ends the form at once; action_submit_ticket then says nothing was recorded, and offers the
    other request the resident turned to (算了先不说这个 我快递丢了: the parcel problem)."""
    other = conversation.other_request(value, tracker.get_slot("request_type"))
    return {"confirmed": "no", **({"also_said": other[1]} if other else {})}


class ValidateTicketForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_ticket_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        try:
            return await super().run(dispatcher, tracker, domain)
        except Exception:  # noqa: BLE001 - say so and end the form rather than crash the conversation
            logger.exception("validate_ticket_form failed for %s", tracker.sender_id)
            dispatcher.utter_message(response="utter_service_unavailable")
            return [SlotSet("confirmed", FAILED)]

    async def get_validation_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> List[Dict[Text, Any]]:
        """An emergency said in the middle of the request is dealt with first (emergency_first);
        the answer it came as fills no slot, so the question is asked again if the form goes on."""
        handled = emergency_first(dispatcher, tracker)
        asked = tracker.get_slot("requested_slot")
        phone = self._only_a_phone(common.text(tracker)) if handled is None and asked else None
        if phone:  # 电话13912345678 answered to 什么时间上门方便: kept, and the question asked again
            dispatcher.utter_message(response="utter_phone_saved", phone=phone)
            return [SlotSet(asked, None), SlotSet("phone", phone)]
        clicked = common.intent(tracker) if common.text(tracker).startswith("/") else None
        if handled is None and asked and clicked in REQUEST_TYPES:  # a menu click or an old button
            if clicked != tracker.get_slot("request_type"):  # another request: this one first
                dispatcher.utter_message(response="utter_finish_this_first",
                                         type=texts.label("request_types", tracker.get_slot("request_type")))
            return [SlotSet(asked, None)]  # no answer: the question again
        if handled is None and asked and self._aside(tracker):  # 对了物业费在哪交: answered, then on
            dispatcher.utter_message(response="utter_aside_out_of_scope",
                                     property_phone=common.services().compound_info().property_phone)
            return [SlotSet(asked, None)]
        if (handled is None and asked and asked != "description" and self._complains(tracker)
                and answer_complaint(dispatcher, tracker)):  # 投诉保安态度太差: forwarded, then on
            return [SlotSet(asked, None)]
        kept: List[Dict[Text, Any]] = []
        if handled is None and asked and asked != "description":
            # 快递丢了 at 什么时间上门方便: kept for later, not taken as the time. (Asked what happened,
            # after a menu click, the resident may have tapped the wrong kind: taken as before.)
            kept, tracker = self._another_request(dispatcher, tracker, asked)
            if kept and tracker is None:
                return [SlotSet(asked, None)] + kept  # nothing else said: the question again
        if handled is None:
            events = await super().get_validation_events(dispatcher, tracker, domain)
            return kept + events + self._party_in_description(events, tracker)
        return ([SlotSet(asked, None)] if asked else []) + handled

    @staticmethod
    def _another_request(dispatcher: CollectingDispatcher, tracker: Tracker, asked: Text
                         ) -> Tuple[List[Dict[Text, Any]], Optional[Tracker]]:
        """Another request said in answer to a question (快递丢了, or 3栋502 另外快递也丢了 at the
        address question): kept in also_said, offered once this one is recorded (as when said in
        the first message), and the resident told so. Returns the events, and the tracker with the
        rest of the message as the answer (None when there is no rest); ([], tracker) otherwise."""
        message = common.text(tracker)
        cancelling = conversation.is_cancel(message) or common.intent(tracker) == "cancel_ticket"
        if message.startswith("/") or cancelling:
            return [], tracker  # 算了 我快递丢了: cancelled, and the parcel offered (cancelled())
        rest, other = conversation.split_other_request(message, tracker.get_slot("request_type"))
        if other is None:
            return [], tracker
        earlier = tracker.get_slot("also_said")
        kept_kind = conversation.other_request(earlier or "", tracker.get_slot("request_type"))
        if not earlier:
            words = other[1]
        elif kept_kind and kept_kind[0] == other[0]:  # the same problem said again: kept once
            words = earlier
        else:
            words = f"{earlier}；{other[1]}"
        if asked != "confirmed":  # the summary, asked again, says it under itself (ActionAskConfirmed)
            dispatcher.utter_message(response="utter_other_request_later", words=other[1])
        kept = [SlotSet("also_said", words)]
        if conversation.meaningful_length(rest) < 1:
            return kept, None
        answering = tracker.copy()  # the rest of the message is the answer to the question
        answering.latest_message["text"] = rest
        for event in reversed(answering.events):  # the slot candidates Rasa put at the end
            if event.get("event") != "slot":
                break
            if event.get("name") == asked:
                event["value"] = rest
        return kept, answering

    @staticmethod
    def _party_in_description(events: List[Dict[Text, Any]], tracker: Tracker) -> List[Dict[Text, Any]]:
        """Who a dispute is with, read from what happened when that was said at a question (after a
        menu click, 楼上天天往我家阳台扔烟头 at the address question), as from a first message: the
        other party is not asked for again."""
        slots = {event["name"]: event["value"] for event in events if event.get("event") == "slot"}
        if (tracker.get_slot("request_type") != "noise_dispute" or not slots.get("description")
                or "other_party" in slots or tracker.get_slot("other_party")):
            return []
        party = conversation.other_party(slots["description"], slots.get("room", tracker.get_slot("room")),
                                         common.entity(tracker, "building", "neighbour"),
                                         common.entity(tracker, "room", "neighbour"))
        return [SlotSet("other_party", party)] if party else []

    @staticmethod
    def _aside(tracker: Tracker) -> bool:
        """A question about something else in the middle of the request (对了物业费在哪交, 停车位怎么租):
        the model sure it is out of scope, and nothing in it about the request or the question asked
        (no kind's words, time, address, person or parcel; not 什么意思)."""
        message = common.text(tracker)
        sure = (common.intent(tracker) == "out_of_scope"
                and (common.confidence(tracker) or 0) >= ASIDE_CONFIDENCE)
        return (sure and conversation.is_question(message) and conversation.meaningful_length(message) >= 4
                and not _ABOUT_THE_QUESTION.search(message) and not conversation.kinds_named(message)
                and not conversation.names_a_time(message) and not address_parser.extract(message)
                and not conversation.describes_a_person(message)
                and not conversation.describes_a_parcel(message))

    @staticmethod
    def _complains(tracker: Tracker) -> bool:
        """A complaint about something else in the middle of the request (投诉保安态度太差 at the
        address question), saying what it is about. (answer_complaint leaves out one that names a
        neighbour or a request's kind: 我要投诉楼上 is the dispute itself.)"""
        message = common.text(tracker)
        return (conversation.is_complaint(message) and conversation.says_what_is_wrong(message)
                and not message.startswith("/"))

    @staticmethod
    def _only_a_phone(message: str) -> Optional[str]:
        """The number in 13912345678 or 我的电话是139-1234-5678: a phone number and nothing else."""
        phones = [m for m in address_parser.extract(message) if m.entity == "phone"]
        if len(phones) != 1 or message.startswith("/"):
            return None
        rest = message[:phones[0].start] + message[phones[0].end:]
        return phones[0].value if conversation.meaningful_length(_PHONE_WORDS.sub("", rest)) == 0 else None

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        if tracker.get_slot("emergency_ticket") or tracker.get_slot("confirmed") in ("no", FAILED, HANDLED):
            return []
        request_type = tracker.get_slot("request_type")
        needed = ["address", "description"]
        if request_type in VISITED and not self._no_visit(tracker):
            needed.append("visit_time")
        if request_type == "noise_dispute":
            needed.append("other_party")
        return needed + ["confirmed"]

    @staticmethod
    def _no_visit(tracker: Tracker) -> bool:
        """A lift repair (placed by its building and unit), or one of a common area (道闸, 路灯):
        nobody's home to visit, so no visit time is asked, also when the resident's flat is known."""
        if tracker.get_slot("request_type") == "repair" and conversation.common_area(
                tracker.get_slot("description") or ""):
            return True
        return (not needs_room(tracker.get_slot("request_type"), tracker.get_slot("facility"))
                and tracker.get_slot("address") == "ok")

    def validate_address(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                         domain: DomainDict) -> Dict[Text, Any]:
        if value == "ok":  # set by action_start_ticket once the place was known
            return {"address": "ok"}
        if conversation.is_cancel(value):
            return cancelled(value, tracker)
        if self._put_off(value or "", dispatcher):  # 我先去吃饭了: the question stands
            return {"address": None}
        if not address_parser.extract(value or "") and not room_on_floor(value or ""):  # 5楼2号: not a date
            if conversation.will_find_out(value or "") and not conversation.describes_a_person(value or ""):
                dispatcher.utter_message(response="utter_take_your_time")  # 等我问问我儿子: no hurry
                return {"address": None}
            if tracker.get_slot("request_type") == "noise_dispute" and self._party_unknown(value or ""):
                dispatcher.utter_message(response="utter_own_address_first")  # 不知道他家几号: not theirs, yours
                return {"address": None}
            kept = self._said_ahead(value or "", dispatcher, tracker)
            if kept:  # 下周二上午吧 or 他不会用手机 answered to 您家住几栋几单元几号: kept, the address asked again
                return {"address": None, **kept}
        placed = self.parse_address(value, dispatcher, tracker) or {"address": None}
        if placed.get("address") == "ok" and conversation.describes_a_person(value):
            # 我爸 82岁 住2栋2单元102: where, and who the request is for (kept with the description)
            placed.update(self.noted_detail(value, dispatcher, tracker))
        return placed

    @staticmethod
    def _put_off(value: str, dispatcher: CollectingDispatcher) -> bool:
        """等会儿再说, 我先去吃饭了, answered to a question: the request waits, unsubmitted (said so);
        the answer is not taken for the one asked."""
        if not conversation.puts_off(value):
            return False
        dispatcher.utter_message(response="utter_request_waits_question")
        return True

    @staticmethod
    def _party_unknown(value: str) -> bool:
        """不知道他家几号, 对方是谁不清楚, answered to 您家住几栋几单元几号 in a dispute: the resident
        took the question to be about the other party."""
        return conversation.unsure_which(value) or (any(word in value for word in UNKNOWN_PARTY)
                                                     and conversation.names_the_other_side(value))

    def _said_ahead(self, value: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> Dict[Text, Any]:
        """What an answer without an address says instead: the visit time, not asked yet, or
        more about the request. Either is kept (and said so); {} when it is neither."""
        if conversation.is_question(value):
            return {}
        if (tracker.get_slot("request_type") in VISITED and not tracker.get_slot("visit_time")
                and conversation.names_a_day_or_hour(value)):
            when = conversation.visit_time(value)
            dispatcher.utter_message(response="utter_visit_time_noted", time=when)
            return {"visit_time": when}
        return self.noted_detail(value, dispatcher, tracker)

    @staticmethod
    def parse_address(value: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[Dict[Text, Any]]:
        """building/unit/room from free text (merged with what is known), checked against the compound."""
        found = {m.entity: m.value for m in address_parser.extract(value or "") if m.role is None}
        known = {key: tracker.get_slot(key) for key in ADDRESS_PARTS}
        bare = _BARE_NUMBER.match(value or "")
        if bare and not found:  # 301 answered to 请问您家是6栋几单元几号: the room; 2: the unit
            number = bare.group(1)
            if len(number) >= 3:
                found["room"] = number
            elif known["building"] and not known["unit"]:
                found["unit"] = number
        on_floor = None if found.get("room") else room_on_floor(value or "")
        if on_floor and (found.get("building") or known["building"]):  # 5楼2号, to 请问您家是6栋2单元几号
            found["room"] = on_floor
        if found.get("building") and known["building"] and found["building"] != known["building"]:
            known = {"building": None, "unit": None, "room": None}
        known.update({key: found[key] for key in ADDRESS_PARTS if found.get(key)})
        services = common.services()
        units = services.residents.units_of(known["building"]) if known["building"] else None
        if known["building"] and units is None:
            say_address_problem(dispatcher, "unknown_building", known["building"], None, None)
            return dict(NO_ADDRESS)
        known["unit"], named_unit = only_unit(units, known["unit"])  # 18栋2单元1101: 1单元 (said so below)
        if units == 1 and not known["unit"]:
            known["unit"] = "1"
        room_needed = needs_room(tracker.get_slot("request_type"), tracker.get_slot("facility"))  # a lift: no
        if any(not known[key] for key in ADDRESS_PARTS if room_needed or key != "room"):
            return {"address": None, **known}  # asked again for what is missing (ActionAskAddress)
        problem = services.residents.check_address(known["building"], known["unit"], known["room"],
                                                   room_needed)
        if problem == "impossible_room" and not room_needed:  # a lift, by 2栋2单元801: the flat is not asked
            known["room"], problem = None, None
        if problem:
            say_address_problem(dispatcher, problem, known["building"], known["unit"], known["room"])
            wrong = "unit" if problem == "unknown_unit" else "room"  # keep the parts that were right
            return {"address": None, **known, wrong: None}
        checked = {"address": "ok", **known}
        where = location(known["building"], known["unit"], known["room"])
        say_only_unit(dispatcher, known["building"], named_unit, known["room"])
        for number in services.tickets.complete_location(common.sender(tracker), **known):
            # an emergency said earlier in this request, before the resident said where they live
            dispatcher.utter_message(response="utter_emergency_location_added", number=number, location=where)
        party = conversation.relative_party(tracker.get_slot("other_party"), known["room"])
        if party:  # 楼上, said before the room was known (or changed): 楼上（402）
            checked["other_party"] = party
        description = ValidateTicketForm._address_corrected(tracker, where, known)
        if description:
            checked["description"] = description
        return checked

    @staticmethod
    def _address_corrected(tracker: Tracker, where: str, known: Dict[Text, Any]) -> Optional[str]:
        """The description with the address in the resident's words replaced by the one now checked
        (tickets.corrected_description)."""
        return corrected_description(tracker.get_slot("description") or "", tracker.get_slot("request_type"),
                                     where, known)

    def validate_description(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> Dict[Text, Any]:
        value = (value or "").strip()
        if conversation.is_cancel(value):
            return cancelled(value, tracker)
        if self._put_off(value, dispatcher):  # 等会儿再说: not what happened
            return {"description": None}
        if len(value) > conversation.MAX_DESCRIPTION:
            dispatcher.utter_message(response="utter_description_too_long")
            return {"description": None}
        if self._address_taken_back(value, tracker):
            return {"description": None, **NO_ADDRESS}
        if (conversation.meaningful_length(value) < 2 or conversation.is_generic_request(value)
                or (conversation.is_no(value) and conversation.meaningful_length(value) <= 4)):  # 不是
            dispatcher.utter_message(response="utter_description_too_short")
            return {"description": None}
        when = conversation.availability(value)
        if (when and not tracker.get_slot("visit_time") and tracker.get_slot("request_type") in VISITED
                and not self._no_visit(tracker)):
            return {"description": value, "visit_time": when}  # 水管漏了 周六在家: not asked again
        return {"description": value}

    @staticmethod
    def _address_taken_back(value: str, tracker: Tracker) -> bool:
        """不是 or 地址不对, said right after the address was taken (先按18栋1单元1101给您记下了, 不对的话…),
        or naming the address: it is asked again. A no with more in it (不是漏水 是渗水) is not this."""
        if not conversation.is_no(value) or conversation.meaningful_length(value) > 6:
            return False
        return (conversation.correction_part(value) == "address"
                or "utter_address_only_unit" in common.said_before(tracker))

    def validate_visit_time(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                            domain: DomainDict) -> Dict[Text, Any]:
        value = (value or "").strip()
        if conversation.is_cancel(value):
            return cancelled(value, tracker)
        if conversation.meaningful_length(value) < 1 or self._put_off(value, dispatcher):  # 回头再说: no time
            return {"visit_time": None}
        has_time = conversation.names_a_time(value)
        if common.intent(tracker) == "ask_reception_day" and ("接待" in value or not has_time):
            # 业主接待日是哪天, asked at this question: answered, and the time asked again. (The slot
            # cannot exclude the intent: the model reads answers like 周六上午 as date questions too.)
            say_reception_days(dispatcher)
            return {"visit_time": None}
        if has_time:
            return {"visit_time": conversation.visit_time(value)}
        if conversation.is_yes(value):  # 确认, 好的: a yes is no time; the question again
            return {"visit_time": None}
        if self._names_an_address(value, tracker):
            # "3-2-402" answered to 什么时间上门方便: an address, not a time. Taken as the address
            # (checked like any other), and the time asked again.
            corrected = self.parse_address(value, dispatcher, tracker) or {}
            if corrected.get("address") == "ok":
                dispatcher.utter_message(response="utter_address_noted", location=location(
                    corrected["building"], corrected["unit"], corrected["room"]))
            return {**corrected, "visit_time": None}
        if conversation.is_question(value):  # 什么意思, 要多久: not a time; asked again
            return {"visit_time": None}
        if self._address_taken_back(value, tracker):
            return {"visit_time": None, **NO_ADDRESS}
        noted = self.noted_detail(value, dispatcher, tracker)
        if noted:  # 他不会用手机: more about the request; the time is asked again
            return {**noted, "visit_time": None}
        if conversation.is_no(value):  # 不对: no time; the question again
            return {"visit_time": None}
        if conversation.meaningful_length(value) <= 2 and not _TIME_ISH.search(value):
            return {"visit_time": None}  # 我家, 嗯嗯: too little to be a time; the question, with its examples
        return {"visit_time": value[:100]}  # 等我儿子回来: a time in the resident's own words

    def validate_other_party(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> Dict[Text, Any]:
        value = (value or "").strip()
        if conversation.is_cancel(value):
            return cancelled(value, tracker)
        if self._put_off(value, dispatcher):
            return {"other_party": None}
        if any(word in value for word in UNKNOWN_PARTY) and conversation.meaningful_length(value) <= 6:
            return {"other_party": UNKNOWN_PARTY[0]}
        if conversation.is_yes(value):  # 确认, 好的: no neighbour named; the question again
            return {"other_party": None}
        found = {m.entity: m.value for m in address_parser.extract(value)}
        party = conversation.other_party(value, tracker.get_slot("room"), found.get("building"), found.get("room"))
        if party is None and conversation.meaningful_length(value) < 1:
            return {"other_party": None}
        return {"other_party": party or value[:100]}

    def validate_confirmed(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                           domain: DomainDict) -> Dict[Text, Any]:
        value = (value or "").strip()
        later = conversation.puts_off(value)  # 等会儿再说吧 (cancel_ticket 0.85): put off, not dropped
        if conversation.is_cancel(value) or (common.intent(tracker) == "cancel_ticket" and not later):
            return cancelled(value, tracker)
        party = self._new_party(value, tracker)
        if party:  # 不是对面 是楼上, 对方是3栋602: the other party put right, and the summary shown again
            return {"confirmed": None, "correcting": False, "other_party": party}
        corrected = self._new_address(value, dispatcher, tracker)
        if corrected:  # "不对，是3栋2单元501": the new address is checked and the summary shown again
            return {"confirmed": None, "correcting": False, **corrected}
        if conversation.is_yes(value):  # 确认 麻烦尽快: a yes with a plea, not a new time
            return {"confirmed": "yes", "correcting": False}
        if later:  # 等会儿再说, 我先去吃饭了: it waits, unsubmitted, and is not added to
            dispatcher.utter_message(response="utter_request_waits")
            return {"confirmed": None, "correcting": False}
        visited = tracker.get_slot("request_type") in VISITED and not self._no_visit(tracker)
        new_time = conversation.time_given(value) if visited else None
        if new_time and new_time != tracker.get_slot("visit_time"):
            # "周六上午" or "不对，改成周日下午" answered to the summary: the new time, and the summary again
            return {"confirmed": None, "correcting": False, "visit_time": new_time}
        if (common.intent(tracker) == "affirm" and not conversation.is_no(value)
                and not conversation.is_question(value)):
            return {"confirmed": "yes", "correcting": False}
        vaguer = conversation.vaguer_party(tracker.get_slot("other_party"), value)
        if vaguer:  # 不知道几楼 反正就是楼下: the flat worked out from 楼下 is withdrawn, the words kept
            return {"confirmed": None, "correcting": False, "other_party": vaguer,
                    **self.noted_detail(value, dispatcher, tracker, at_summary=True)}
        if tracker.get_slot("correcting"):
            return self._correct(value, tracker)
        noted = {} if conversation.is_no(value) else self.noted_detail(value, dispatcher, tracker,
                                                                         at_summary=True)
        if noted:  # 晚上11点以后还在跳: added to the description, and the summary shown again
            return {"confirmed": None, **noted}
        if conversation.is_no(value) or common.intent(tracker) == "deny":
            return {"confirmed": None, "correcting": True}
        return {"confirmed": None}

    @classmethod
    def noted_detail(cls, value: str, dispatcher: CollectingDispatcher, tracker: Tracker,
                     at_summary: bool = False) -> Dict[Text, Any]:
        """{"description": …} with the detail added, and the resident told 这个情况也给您记上了;
        {} when the message is not more about the request (see _detail)."""
        detail = cls._detail(value, tracker, at_summary)
        if detail is None:
            return {}
        dispatcher.utter_message(response="utter_detail_noted")
        return {"description": detail}

    @staticmethod
    def _detail(value: str, tracker: Tracker, at_summary: bool = False) -> Optional[str]:
        """More about the request, said where something else was asked (他不会用手机 at the time
        question; 晚上11点以后还在跳, 中通的 单号后四位1234 at the summary): the description with it
        added; None when the message is not that, or it would not fit. At the time question the
        model must read it as the request's own kind (等我儿子回来 is a time); at the summary, where
        the resident has said what they wanted and is shown it, also as a detail (inform) or as
        nothing it knows (out_of_scope, nlu_fallback). Who the request is for (她叫李桂兰, 老人78岁),
        which parcel (单号后四位3345, 中通的), what is wrong with the thing to repair (就卧室那个不热) and
        words said to add (补充一下 已经漏到楼下了) are details at any question, however the model read it."""
        intent, request_type = common.intent(tracker), tracker.get_slot("request_type")
        own_kind = intent == request_type and (common.confidence(tracker) or 0) >= DETAIL_CONFIDENCE
        # what happened, after a bare request (a menu click): the model need only find it likely
        first = (not tracker.get_slot("description")
                 and common.ranked(tracker, request_type) >= FIRST_DETAIL_LIKELIHOOD)
        # at the summary, words the model cannot place, if they may be about the request: the model
        # finds them a little likely of its kind, or they use its words or name the other side
        # (他家孩子特别能跑); not 今天天气不错 (out_of_scope 1.0) nor 你们效率真高
        related = (intent == "inform" or common.ranked(tracker, request_type) >= LOOSE_DETAIL_LIKELIHOOD
                   or request_type in conversation.kinds_named(value)
                   or (request_type == "noise_dispute" and conversation.names_the_other_side(value)))
        loose = (at_summary and intent in SUMMARY_DETAIL_INTENTS and not conversation.compliments(value)
                 and conversation.meaningful_length(value) >= 4 and related)
        named = conversation.describes_a_person(value) or conversation.adds_more(value, request_type) or (
            request_type == "parcel" and conversation.describes_a_parcel(value)) or (
            request_type == "repair" and conversation.describes_a_fault(value))  # 就卧室那个不热
        if (not (own_kind or loose or named or first)
                or conversation.meaningful_length(value) < 3
                or conversation.is_question(value) or conversation.is_follow_up(value)):
            return None
        description = tracker.get_slot("description") or ""
        if value in description:  # said again: nothing new to add
            return description
        added = f"{description}；{value}" if description else value
        return added if len(added) <= conversation.MAX_DESCRIPTION else None

    def _correct(self, value: str, tracker: Tracker) -> Dict[Text, Any]:
        part = conversation.correction_part(value)
        if part == "address":
            return {"confirmed": None, "correcting": False, **NO_ADDRESS}
        if part == "description":
            return {"confirmed": None, "correcting": False, "description": None}
        if part == "third" and tracker.get_slot("request_type") in (*VISITED, "noise_dispute"):
            slot = "other_party" if tracker.get_slot("request_type") == "noise_dispute" else "visit_time"
            return {"confirmed": None, "correcting": False, slot: None}
        return {"confirmed": None}

    @staticmethod
    def _new_party(value: str, tracker: Tracker) -> Optional[str]:
        """The neighbour a dispute is with, put right at the summary (不是对面 是楼上, 对方是3栋602);
        None when the message puts nothing right or names the same party."""
        if tracker.get_slot("request_type") != "noise_dispute" or not conversation.puts_right_party(value):
            return None
        found = {m.entity: m.value for m in address_parser.extract(value)}
        party = conversation.other_party(value, tracker.get_slot("room"), found.get("building"), found.get("room"))
        return party if party and party != tracker.get_slot("other_party") else None

    def _new_address(self, value: str, dispatcher, tracker) -> Optional[Dict[Text, Any]]:
        """A resident may answer the summary with the right address straight away."""
        if self._names_an_address(value, tracker):
            return self.parse_address(value, dispatcher, tracker)
        return None

    @staticmethod
    def _names_an_address(value: str, tracker: Tracker) -> bool:
        """At least a building and a room (3栋502, 3-2-402): the resident's own address; for a lift,
        its building and unit (5栋1单元)."""
        said = {m.entity for m in address_parser.extract(value) if m.role is None}
        if not needs_room(tracker.get_slot("request_type"), tracker.get_slot("facility")):
            return {"building", "unit"} <= said or {"building", "room"} <= said
        return {"building", "room"} <= said


class ActionAskAddress(Action):
    """Asks where the resident lives: the whole address, or the parts still missing with those
    already given (请问您家是6栋几单元几号？)."""

    def name(self) -> Text:
        return "action_ask_address"

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        if ({"utter_take_your_time", "utter_own_address_first", "utter_request_waits_question"}
                & set(common.said_this_turn(tracker))):
            return []  # 好的，不着急 or 先说说您自己家住几栋…: the question stands, not asked again at once
        building, unit, room = (tracker.get_slot(key) for key in ADDRESS_PARTS)
        facility = tracker.get_slot("facility")
        if not needs_room(tracker.get_slot("request_type"), facility) and not room:  # 电梯坏了: which lift
            asked = f"{building}栋几单元" if building else f"几栋{unit}单元" if unit else "几栋几单元"
            dispatcher.utter_message(response="utter_ask_facility_place", asked=asked, facility=facility,
                                     example=location(building or "3", "2", None))
            return []
        if not (building or unit or room):
            dispatcher.utter_message(response="utter_ask_address")
            return []
        one_unit = bool(building) and common.services().residents.units_of(building) == 1
        floor = None if room else address_parser.own_floor(common.text(tracker))  # 2单元5楼东户
        asked = "".join((f"{building}栋" if building else "几栋",
                         "" if one_unit else (f"{unit}单元" if unit else "几单元"),
                         room or (f"{floor}楼几号" if floor else "几号")))
        example = location(building or "3", None if one_unit else unit or "2",
                           room or (f"{floor}02" if floor else "502"))
        dispatcher.utter_message(response="utter_ask_address_rest", asked=asked, example=example)
        return []


class ActionAskConfirmed(Action):
    """Shows the summary to confirm (or, while correcting, what can be changed)."""

    def name(self) -> Text:
        return "action_ask_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        if tracker.get_slot("correcting"):
            dispatcher.utter_message(response="utter_ask_correction")
            return []
        if "utter_request_waits" in common.said_this_turn(tracker):
            return []  # 好的，不着急…回复“确认”就能提交: the summary stands, not shown again at once
        slot = tracker.get_slot
        dispatcher.utter_message(
            response="utter_confirm_ticket", type=texts.label("request_types", slot("request_type")),
            location=location(slot("building"), slot("unit"), slot("room")), description=slot("description"),
            visit_time=slot("visit_time") or "", other_party=slot("other_party") or "",
            phone_line=f"\n电话：{slot('phone')}" if slot("phone") else "")
        if slot("also_said") and "utter_other_request_later" not in common.said_this_turn(tracker):
            dispatcher.utter_message(response="utter_other_request_later", words=slot("also_said"))
        return []
