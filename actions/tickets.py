"""Starting, submitting, checking, rating and cancelling tickets. Each action reads the
conversation, calls one service, and answers with domain.yml responses."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import common
from actions.common import guarded
from actions.reception import answer_follow_up, say_reception_days
from bot import conversation, texts
from bot.nlu import address as address_parser
from bot.services.common import location
from bot.services.tickets import NewRequest, TicketView
from bot.tickets import REQUEST_TYPES, lifecycle, numbers
from bot.tickets.duplicates import PER_UNIT, SHARED_FACILITIES
from bot.tickets.lifecycle import Status
from bot.tickets.priority import Emergency, detect_emergency

# What each request costs, and how to ask for one (say_charges).
CHARGES = {"repair": ("utter_charges_repair", "utter_charges_offer_repair"),
           "pension_certification": ("utter_charges_pension_certification",
                                     "utter_charges_offer_pension_certification"),
           "noise_dispute": ("utter_charges_noise_dispute", "utter_charges_offer_noise_dispute")}
VISITED = ("repair", "pension_certification")  # the requests that ask when a visit suits
FORM_SLOTS = ("request_type", "address", "description", "visit_time", "other_party", "confirmed",
              "correcting", "emergency_ticket", "facility", "other_building", "other_room", "pending_text",
              "pending_review", "also_said", "requested_slot")

SAFETY = {"gas": "utter_safety_gas", "fire": "utter_safety_fire", "electric": "utter_safety_electric",
          "elevator_entrapment": "utter_safety_elevator_entrapment", "burst_pipe": "utter_safety_burst_pipe"}
REPORTED_AGAIN = {"alerted": "utter_emergency_reported_again",
                  "recently_alerted": "utter_emergency_alerted_recently"}
ADDRESS_PROBLEMS = {"unknown_building": "utter_address_unknown_building",
                    "unknown_unit": "utter_address_unknown_unit",
                    "impossible_room": "utter_address_impossible_room"}
ADDRESS_PARTS = ("building", "unit", "room")
_ADDRESS_JOINERS = re.compile(r"栋|幢|号楼|楼|单元|[-－#＃\s]")
FAILED = "failed"  # set by validate_ticket_form when the form could not go on
HANDLED = "handled"  # the message was answered another way (a "not fixed" report reopened a ticket)
CANCEL_REPLIES = {"none_open": "utter_cancel_none_open", "not_found": "utter_cancel_not_found"}
# A repair that waits this long for working hours (reported in the evening or the night) is told
# whom to call till then.
OVERNIGHT_WAIT = timedelta(hours=3)


def is_open(view: TicketView) -> bool:
    """Still being worked on (services.tickets.mine also lists resolved ones awaiting a rating)."""
    return Status(view.status) in lifecycle.OPEN


def reset_form(keep: tuple = ()) -> List[Dict[Text, Any]]:
    return [SlotSet(slot, None) for slot in FORM_SLOTS if slot not in keep]


def due_text(view: TicketView, services) -> str:
    now = services.now().astimezone(view.due_at.tzinfo) if view.due_at else None
    return texts.describe_time(view.due_at, now) if view.due_at else ""


def assignee_values(view: TicketView) -> Dict[str, str]:
    """role + name ("楼栋红管家王秀英"), or the name alone when it says the role (党员调解室)."""
    role = texts.label("roles", view.assignee_role)
    return dict(role="" if role in view.assignee_name else role, assignee=view.assignee_name,
                phone=view.assignee_phone)


class ActionStartTicket(Action):
    """A ticket intent arrived: remember what it is about, fill what the message already says,
    and, for an emergency, give safety instructions and record it at once."""

    def name(self) -> Text:
        return "action_start_ticket"

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        message = common.text(tracker)
        # A button we offered, or its name typed (报修): the resident has decided
        chosen = message.startswith("/") or offered_choice(tracker) == common.intent(tracker)
        return self.start(dispatcher, tracker, common.intent(tracker), message, chosen=chosen)

    def start(self, dispatcher: CollectingDispatcher, tracker: Tracker, request_type: str, message: str,
              chosen: bool) -> List[Dict[Text, Any]]:
        """The request begins with ``message``; ``chosen``: the resident took up a request we
        offered (its words are in pending_text), so it is not read as a follow-up."""
        if chosen and tracker.get_slot("pending_text"):
            message = tracker.get_slot("pending_text")
        if self._danger_beside(message, request_type):  # 快递丢了 家里燃气味很大, read as parcel
            request_type = "repair"  # safety first; the parcel problem is offered once this is recorded
        emergency = detect_emergency(message) if request_type == "repair" else None
        if emergency:  # safety first, before anything that could fail
            dispatcher.utter_message(response=SAFETY[emergency.value], elevator_phone=self.elevator_phone())
        services = common.services()
        if request_type == "repair" and not emergency and self._reopened(dispatcher, tracker, services, message):
            return reset_form() + [SlotSet("confirmed", HANDLED)]
        costs = None if emergency or chosen else conversation.asks_charges(message)
        if costs:
            goes_on = conversation.states_the_request(message, request_type)  # 楼道灯坏了 修要交钱吗
            say_charges(dispatcher, costs, offer=not goes_on)
            if not goes_on:  # 认证要收费吗 (pension 1.0): answered, nothing to record
                return reset_form() + [SlotSet("confirmed", HANDLED)]
        if request_type == "pension_certification" and not chosen and (
                conversation.asks_how_to_certify(message) or conversation.asks_if_certification_due(message)):
            # 养老金认证在哪个app上弄, 今年还要认证吗 (pension 1.0): answered, and the errand offered
            how = conversation.asks_how_to_certify(message)
            dispatcher.utter_message(response="utter_certify_yourself" if how else "utter_certify_when",
                                     buttons=[{"title": texts.label("request_types", request_type),
                                               "payload": f"/{request_type}"}])
            return reset_form() + [SlotSet("confirmed", HANDLED)]
        if request_type == "parcel" and not chosen and answer_parcel_station(dispatcher, message):
            # 门口的快递驿站几点关门 (parcel 1.0), 代收快递的地方在哪 (parcel 0.7): no address asked for
            return reset_form() + [SlotSet("confirmed", HANDLED)]
        asked_what = common.last_response(tracker) == "utter_complaint_ask_what"
        if (not chosen and (asked_what or conversation.faults_property_staff(message))
                and answer_complaint(dispatcher, tracker)):
            # 保安天天在岗亭里睡觉 (noise_dispute 0.99), answered to 您想反映什么情况 or said first: forwarded
            return reset_form() + [SlotSet("confirmed", HANDLED)]
        if request_type == "noise_dispute" and not chosen and conversation.a_fault_not_a_dispute(message):
            # 窗户关不严实 一刮风就呜呜的叫 (noise_dispute 0.78): a repair or a dispute? asked, not guessed
            buttons = [{"title": texts.label("request_types", kind), "payload": f"/{kind}"}
                       for kind in ("repair", "noise_dispute")]
            dispatcher.utter_message(response="utter_fault_or_dispute", buttons=buttons)
            return reset_form() + [SlotSet("confirmed", HANDLED), SlotSet("pending_text", message)]
        if not emergency and not chosen and move_visit(dispatcher, tracker):
            return reset_form() + [SlotSet("confirmed", HANDLED)]  # 明天我不在家 能不能换个时间 (parcel 0.98)
        if not emergency and not chosen:
            # 补充一下 已经漏到楼下了, right after a ticket: more about it, else maybe about an open one
            adds, answered = conversation.adds_more(message, request_type), None
            if adds or not conversation.states_the_request(message, request_type):
                # 丰巢的 柜子在3栋门口 (parcel), right after a parcel problem: more about it, or a new one?
                answered = offer_detail(dispatcher, tracker, of_kind=request_type, new_request=True)
            if answered is None and adds:  # 补充一下 …, read as another kind than the ticket's
                answered = offer_detail(dispatcher, tracker)
            if answered is None:
                answered = self._about_open_ticket(dispatcher, tracker, services, request_type, message)
            if answered is not None:
                return reset_form() + [SlotSet("confirmed", HANDLED)] + answered
        if chosen and tracker.get_slot("pending_review"):
            services.review.resident_chose(int(tracker.get_slot("pending_review")), request_type)
        facility = (common.entity_in(tracker, message, "facility") if chosen  # in the words offered back
                    else common.entity(tracker, "facility")) or conversation.shared_facility(message)
        events = reset_form() + [SlotSet("request_type", request_type), SlotSet("facility", facility)]
        events += self._description(dispatcher, message, request_type)
        when = conversation.availability(message)
        if when and request_type in VISITED and needs_room(request_type, facility):
            events.append(SlotSet("visit_time", when))  # 水龙头坏了 明天上午在家: not asked again
        place = self._location(dispatcher, tracker, services, needs_room(request_type, facility),
                               said=message if chosen else None)
        events += [SlotSet(k, v) for k, v in place.items()]
        described = next((e["value"] for e in reversed(events) if e.get("name") == "description"), None)
        if described and place.get("address") == "ok":  # 17栋2单元1203厨房水管漏水 → 17栋1单元1203…
            where = location(place["building"], place["unit"], place["room"])
            fixed = corrected_description(described, request_type, where, place)
            events += [SlotSet("description", fixed)] if fixed else []
        if request_type == "noise_dispute":
            party = conversation.other_party(message, place.get("room"),
                                             common.entity(tracker, "building", "neighbour"),
                                             common.entity(tracker, "room", "neighbour"))
            events.append(SlotSet("other_party", party))
        if emergency:
            events += self.emergency(dispatcher, tracker, services, request_type, message, place, facility)
        elif not chosen and conversation.puts_off(message):
            # 我家水龙头坏了 等会儿再说: kept, not submitted; the first question follows, to answer later
            dispatcher.utter_message(response="utter_request_kept_waits")
        return events

    @staticmethod
    def _danger_beside(message: str, request_type: str) -> bool:
        """An emergency said beside another request (快递丢了 家里水管爆了), unless it is the
        dispute's damage (see ``dispute_damage``)."""
        if request_type == "repair":
            return False
        _, other = conversation.split_other_request(message, request_type)
        danger = detect_emergency(other[1]) if other and other[0] == "repair" else None
        return danger is not None and not dispute_damage(danger, request_type)

    @staticmethod
    def _reopened(dispatcher: CollectingDispatcher, tracker: Tracker, services, message: str) -> bool:
        """"没修好 暖气片照样不热" right after a repair was resolved reopens it: no new ticket."""
        score, not_fixed = conversation.parse_rating(message)
        if not not_fixed or not any(t.status == "resolved" for t in services.tickets.mine(common.sender(tracker))):
            return False
        outcome = services.tickets.rate(common.sender(tracker), score=score, not_fixed=True, comment=message)
        view = outcome.tickets[0]
        dispatcher.utter_message(response="utter_rating_reopened", number=view.number, assignee=view.assignee_name)
        return True

    @staticmethod
    def _about_open_ticket(dispatcher: CollectingDispatcher, tracker: Tracker, services, request_type: str,
                           message: str) -> Optional[List[Dict[Text, Any]]]:
        """"报修的暖气派人了么" or "认证那单作废" read as a new request while the resident has an open
        ticket of that kind (or of the one kind the words name): its progress, or the question to
        withdraw it, instead of a second ticket. None when the message is a new request after all."""
        withdrawal = conversation.is_withdrawal(message)
        if not withdrawal and not conversation.is_follow_up(message):
            return None  # most requests: no need to look at the resident's tickets
        mine = open_tickets(tracker, services)
        meant = conversation.kind_meant(message, request_type)  # 丢快递的事怎么样了, read as repair
        of_kind = ([view for view in mine if view.request_type == meant]
                   or [view for view in mine if view.request_type == request_type])
        if not of_kind:
            return None
        if withdrawal:
            cancel(dispatcher, tracker)  # asks for the ticket's number: nothing is withdrawn on a guess
            return []
        kind = of_kind[0].request_type  # a new matter after all is a request of the kind shown
        progress(dispatcher, tracker, services, of_kind, message)
        dispatcher.utter_message(response="utter_follow_up_or_new", type=texts.label("request_types", kind),
                                 buttons=[{"title": texts.label("choices", "new_request"), "payload": f"/{kind}"}])
        return [SlotSet("pending_text", message)]  # kept, should they say it is a new problem

    @staticmethod
    def elevator_phone() -> str:
        try:
            return common.services().compound_info().elevator_phone
        except Exception:  # noqa: BLE001 - the safety advice goes out even when the database is down
            return texts.label("fallbacks", "elevator_phone")

    @staticmethod
    def _description(dispatcher: CollectingDispatcher, message: str,
                     request_type: str) -> List[Dict[Text, Any]]:
        """The message as the description; a second request in it (快递丢了 楼上噪音太吵了) is taken
        out, kept in also_said, and offered once this one is recorded."""
        if message.startswith("/") or conversation.is_generic_request(message) \
                or conversation.meaningful_length(message) < 2:
            return []
        if len(message) > conversation.MAX_DESCRIPTION:
            dispatcher.utter_message(response="utter_description_too_long")
            return []
        message = conversation.without_introduction(conversation.without_greeting(message))  # 我是5栋301的
        message = conversation.without_put_off(message)
        description, other = conversation.split_other_request(message, request_type)
        also_said = [SlotSet("also_said", other[1])] if other else []
        if conversation.meaningful_length(description) < 2 or conversation.is_generic_request(description):
            return also_said  # 报修 另外快递也丢了: what needs repairing is asked
        return [SlotSet("description", description)] + also_said

    @staticmethod
    def _location(dispatcher: CollectingDispatcher, tracker: Tracker, services, room_needed: bool,
                  said: Optional[str] = None) -> Dict[str, Optional[str]]:
        """building/unit/room from the message (``said``: the words of a request offered back, whose
        address the click or 是的 does not carry), else from the resident's household; and
        address="ok" once they name a real place in the compound (a lift: its building and unit)."""
        if said is None:
            building, unit, room = (common.entity(tracker, name) for name in ADDRESS_PARTS)
        else:  # 我是3号楼的老张 俺家厕所堵了, offered as a repair: 3栋 is kept
            found = {m.entity: m.value for m in address_parser.extract(said) if m.role is None}
            building, unit, room = (found.get(name) for name in ADDRESS_PARTS)
        if building and not room and room_needed:  # 3栋2单元5楼2号: 502
            room = room_on_floor(common.text(tracker) if said is None else said)
        units = services.residents.units_of(building) if building else None
        unit, named_unit = only_unit(units, unit)  # 18栋2单元1101厨房漏水: 1单元, said so once placed
        if (building and room and not room_needed
                and services.residents.check_address(building, unit, room) == "impossible_room"):
            room = None  # 2栋2单元801电梯坏了 (six floors): a lift is placed by its unit, the flat not needed
        if building and not room and not room_needed:
            problem = services.residents.check_address(building, unit, None, room_needed=False)
            if problem is None:  # 3栋2单元电梯坏了, or 18栋 (one unit)
                say_only_unit(dispatcher, building, named_unit, None)
                return dict(building=building, unit=unit or "1", room=None, address="ok")
            if unit:  # 3栋5单元: said so; without a unit, it is simply asked
                say_address_problem(dispatcher, problem, building, unit, None)
                known = None if problem == "unknown_building" else building
                return dict(building=known, unit=None, room=None)
        profile = services.residents.profile(common.sender(tracker))
        if building and room and not unit and (units or 0) > 1:
            return dict(building=building, unit=None, room=room)  # the unit is asked (action_ask_address)
        if building and room:
            problem = services.residents.check_address(building, unit, room)
            if problem is None:
                say_only_unit(dispatcher, building, named_unit, room)
                return dict(building=building, unit=unit or "1", room=room, address="ok")
            say_address_problem(dispatcher, problem, building, unit, room)
            return dict(building=None, unit=None, room=None)
        if profile.bound and (building in (None, profile.building)):  # a lift: in their unit, not their flat
            room = profile.room if room_needed else None
            return dict(building=profile.building, unit=profile.unit, room=room, address="ok")
        if profile.bound and building and units:
            # A shared facility in another building: the place is that building.
            return dict(building=building, unit=None, room=None, address="ok")
        return dict(building=building, unit=unit, room=room)

    @staticmethod
    def emergency(dispatcher, tracker, services, request_type: str, message: str,
                   location: Dict[str, Optional[str]], facility: Optional[str]) -> List[Dict[Text, Any]]:
        info = services.compound_info()
        description, _ = conversation.split_other_request(message, request_type)  # the other is offered later
        view = services.tickets.submit(NewRequest(
            openid=common.sender(tracker), request_type="repair", description=description[:2000],
            building=location.get("building"), unit=location.get("unit"), room=location.get("room"),
            facility=facility, intent=request_type, model_id=common.model_id(tracker),
            confidence=intent_confidence(tracker.latest_message, request_type)))
        if view.reported_again:  # its ticket is open: no new promise of a time that may have passed
            whom = texts.text("emergency_alerted", "assignee" if view.assignee_role == "duty_manager"
                              else "with_manager", **assignee_values(view))
            dispatcher.utter_message(response=REPORTED_AGAIN[view.reported_again], number=view.number,
                                     whom=whom)
        else:
            reply = ("utter_emergency_ticket_manager" if view.assignee_role == "duty_manager"
                     else "utter_emergency_ticket")
            dispatcher.utter_message(response=reply, number=view.number, due=due_text(view, services),
                                     **assignee_values(view))
        shared = facility in SHARED_FACILITIES  # a lift needs no flat number
        if not location.get("building") or not (location.get("room") or shared):
            dispatcher.utter_message(response="utter_emergency_no_address", property_phone=info.property_phone)
        openid = common.sender(tracker)
        if location.get("address") == "ok" and not services.residents.profile(openid).bound:
            remember_household(dispatcher, services, openid, location, tracker.get_slot("phone"), message,
                               request_type)
        return [SlotSet("emergency_ticket", view.number)]


def emergency_first(dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[List[Dict[Text, Any]]]:
    """An emergency in a message the model read as something else (我家煤气泄漏了 在3栋1单元301 as
    an address, 电梯困人 转人工 as a handoff), or said in the middle of another request (等等 家里有
    燃气味 at a parcel problem's summary): safety advice and an urgent ticket at once, as when it is
    read as a repair. None when the message holds no emergency, or is the one that started this
    request (ActionStartTicket dealt with it)."""
    message = common.text(tracker)
    emergency = detect_emergency(message)
    if emergency is None or message.startswith("/") or tracker.get_slot("emergency_ticket"):
        return None
    if tracker.active_loop_name != "ticket_form":  # it starts a request of its own, recorded at once
        return (ActionStartTicket().start(dispatcher, tracker, "repair", message, chosen=False)
                + [FollowupAction("ticket_form")])
    if not _said_since_start(tracker) or dispute_damage(emergency, tracker.get_slot("request_type")):
        return None
    dispatcher.utter_message(response=SAFETY[emergency.value],
                             elevator_phone=ActionStartTicket.elevator_phone())
    services = common.services()
    slot = tracker.get_slot
    place = dict({key: slot(key) for key in ADDRESS_PARTS}, address="ok") if slot("address") == "ok" else {}
    if not place:
        profile = services.residents.profile(common.sender(tracker))
        place = dict(building=profile.building, unit=profile.unit, room=profile.room) if profile.bound else {}
    if slot("request_type") == "repair":  # 燃气灶打不着火, then 现在有燃气味了: this repair, now urgent
        description = "；".join(part for part in (slot("description"), message) if part)
        return ActionStartTicket.emergency(dispatcher, tracker, services, "repair", description, place,
                                           slot("facility"))  # the form ends; it is recorded
    ActionStartTicket.emergency(dispatcher, tracker, services, "repair", message, place,
                                common.entity(tracker, "facility"))
    return []  # a ticket of its own; the request being collected goes on (its question again)


def remember_household(dispatcher: CollectingDispatcher, services, openid: str,
                       place: Dict[str, Optional[str]], phone: Optional[str], said: str,
                       request_type: str) -> None:
    """The flat a resident not yet bound gave for a request is their household from now on
    (the next request needs no address): 已记住您的住址…; unless ``said`` makes it someone else's
    home (帮我邻居报个修 她家在3栋1单元302, 我是替我爸发的 他住4号楼302)."""
    if not (place.get("building") and place.get("room")):
        return
    if conversation.someone_elses_home(said, dispute=request_type == "noise_dispute"):
        return
    binding = services.residents.bind(openid, building=place["building"], unit=place.get("unit"),
                                      room=place["room"], phone=phone)
    if binding.profile:
        bound = binding.profile
        dispatcher.utter_message(response="utter_household_remembered",
                                 location=location(bound.building, bound.unit, bound.room))


def dispute_damage(emergency: Emergency, request_type: Optional[str]) -> bool:
    """A burst pipe told to the mediators (楼上水管爆了 淹到我家 要求调解) is the dispute's damage,
    at the first message as later on. Every other emergency, and a burst pipe beside any other
    request, comes first."""
    return emergency is Emergency.BURST_PIPE and request_type == "noise_dispute"


def _said_since_start(tracker: Tracker) -> bool:
    """The latest message came after the request being collected started."""
    return bool(_messages_since_start(tracker))


def _messages_since_start(tracker: Tracker) -> List[Dict[Text, Any]]:
    """The resident's messages (user events) since the request being collected started, oldest first."""
    said: List[Dict[Text, Any]] = []
    for event in reversed(tracker.events):
        if event.get("event") == "action" and event.get("name") in STARTERS:
            break
        if event.get("event") == "user":
            said.insert(0, event)
    return said


def room_on_floor(text: str) -> Optional[str]:
    """The flat a floor and a door make (5楼2号 → 502); None unless the message names both."""
    floor, door = address_parser.floor_and_door(text)
    return f"{floor}{door:02d}" if floor and door else None


def needs_room(request_type: Optional[str], facility: Optional[str]) -> bool:
    """A repair of a lift, a stairwell light or an entrance door is placed by its building and
    unit; everything else by the resident's flat (an errand for someone whose lift is broken too)."""
    return request_type != "repair" or facility not in PER_UNIT


def say_missing(dispatcher: CollectingDispatcher, parts: List[str]) -> None:
    """还差楼栋号、门牌号 … for the address parts not given."""
    dispatcher.utter_message(response="utter_address_incomplete",
                             missing="、".join(texts.label("address_parts", part) for part in parts))


def corrected_description(description: str, request_type: Optional[str], where: str,
                          known: Dict[Text, Any]) -> Optional[str]:
    """The description with the address in the resident's words replaced by the one checked, when
    they differ (马桶堵了 5栋2单元301, corrected to 302; a flat that does not exist, given again;
    17栋2单元1203 in a one-unit building): staff must not read two addresses. None when nothing is to
    change, in a dispute, or when the words place it at someone else's home (their addresses are the
    other party's, or the reporter's)."""
    if request_type == "noise_dispute" or conversation.someone_elses_home(description):
        return None
    said = [m for m in address_parser.extract(description) if m.entity in ADDRESS_PARTS and m.role is None]
    if not said or all(known.get(m.entity) == m.value for m in said):
        return None
    start, end = min(m.start for m in said), max(m.end for m in said)
    end = address_parser.marker_end(description, end)  # with the 单元, 室 after it
    between = "".join(description[m.end:n.start] for m, n in zip(said, said[1:]))
    if conversation.meaningful_length(_ADDRESS_JOINERS.sub("", between)) > 0:
        return None  # not one address written in one place: left as the resident wrote it
    return description[:start] + where + description[end:]


def only_unit(units: Optional[int], unit: Optional[str]) -> Tuple[Optional[str], Optional[str]]:
    """(the unit to use, the unit the resident named instead): in a one-unit building any unit named
    is its only one (18栋2单元1101 → 1, named "2"); otherwise the unit as given, and None."""
    if units == 1 and unit not in (None, "1"):
        return "1", unit
    return unit, None


def say_only_unit(dispatcher: CollectingDispatcher, building: str, named_unit: Optional[str],
                  room: Optional[str]) -> None:
    """17栋只有1个单元，没有2单元，先按17栋1单元1203给您记下了…, when the resident named a unit
    the one-unit building does not have (nothing said when ``named_unit`` is None)."""
    if named_unit:
        dispatcher.utter_message(response="utter_address_only_unit", building=building, unit=named_unit,
                                 location=location(building, "1", room))


def say_address_problem(dispatcher: CollectingDispatcher, problem: str, building, unit, room) -> None:
    hint = common.services().residents.address_hint(building)  # what exists: 有1–3、5、6栋
    dispatcher.utter_message(response=ADDRESS_PROBLEMS[problem], building=building, unit=unit or "", room=room or "",
                             **hint)


class ActionSubmitTicket(Action):
    """The form is done: create the ticket (if confirmed), bind the household, say who has it."""

    def name(self) -> Text:
        return "action_submit_ticket"

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        if tracker.get_slot("emergency_ticket"):  # recorded at once; 另外快递也丢了 is offered now
            other = conversation.other_request(tracker.get_slot("also_said") or "", "repair")
            return reset_form() + self.offer_other_request(dispatcher, other)
        if tracker.get_slot("confirmed") in (FAILED, HANDLED):  # already answered
            return reset_form(keep=("pending_text",))  # offered back as a new request, if it is one
        if tracker.get_slot("confirmed") != "yes" or tracker.get_slot("request_type") not in REQUEST_TYPES:
            other = conversation.other_request(tracker.get_slot("also_said") or "",
                                               tracker.get_slot("request_type"))
            if other is None:
                dispatcher.utter_message(response="utter_request_cancelled")
                return reset_form()
            # 算了先不说这个 我快递丢了: the request turned to is offered (another said first, too)
            dispatcher.utter_message(response="utter_request_cancelled_other")
            return reset_form() + self.offer_other_request(dispatcher, other, cancelled=True)
        services = common.services()
        openid = common.sender(tracker)
        slot = tracker.get_slot
        profile = services.residents.profile(openid)
        event = starting_message(tracker)
        started = {"confidence": intent_confidence(event.get("parse_data"), slot("request_type")),
                   "model_id": (event.get("metadata") or {}).get("model_id") or common.model_id(tracker)}
        view = services.tickets.submit(NewRequest(
            openid=openid, request_type=slot("request_type"), description=slot("description"),
            building=slot("building"), unit=slot("unit"), room=slot("room"), phone=slot("phone"),
            facility=slot("facility"), visit_time=slot("visit_time"), other_party=slot("other_party"),
            intent=slot("request_type"), confidence=started.get("confidence"), model_id=started.get("model_id")))
        home = location(slot("building"), slot("unit"), slot("room")) if slot("room") else None
        self._announce(dispatcher, view, services, slot("request_type"), home)
        if not view.joined_existing:  # from a message the model was unsure about: link it for the review
            services.review.link_ticket(openid, slot("request_type"), view.number)
        if not profile.bound:
            place = {part: slot(part) for part in ADDRESS_PARTS}
            # whose home it is may be said where the address was given (我爸的事…他住19栋, then 1102)
            given = [event.get("text") or "" for event in _messages_since_start(tracker)]
            with_address = [text for text in given if address_parser.extract(text)]
            said = "；".join([slot("description") or "", *with_address])
            remember_household(dispatcher, services, openid, place, slot("phone"), said, slot("request_type"))
        # Taken out of the first message (ActionStartTicket._description), or said later in the form.
        kept = conversation.other_request(slot("also_said") or "", slot("request_type"))
        if kept:  # all that was kept goes with it: a third request (楼上太吵了) is offered after this one
            return reset_form() + self.offer_other_request(dispatcher, kept, said=slot("also_said"))
        other = conversation.other_request(slot("description") or "", slot("request_type"))
        return reset_form() + self.offer_other_request(dispatcher, other)

    @staticmethod
    def offer_other_request(dispatcher: CollectingDispatcher, other: Optional[Tuple[str, str]],
                             cancelled: bool = False, said: Optional[str] = None) -> List[Dict[Text, Any]]:
        """楼上漏水到我家了 另外快递也丢了, recorded as a parcel problem: the repair is offered too,
        with its own words as the next request's (nothing is recorded unless the resident says so);
        or offered instead of the request ``cancelled``. ``said``: the words the next request
        starts from when they hold more than the one offered (taken out of it again there)."""
        if other is None:
            return []
        kind, words = other
        response, choice = ("utter_offer_said_request", "register_this") if cancelled else (
            "utter_offer_other_request", "also_register")
        dispatcher.utter_message(response=response, words=words, type=texts.label("request_types", kind),
                                 buttons=[{"title": texts.label("choices", choice), "payload": f"/{kind}"},
                                          {"title": texts.label("choices", "no_thanks"), "payload": "/deny"}])
        return [SlotSet("pending_text", said or words)]

    @staticmethod
    def _announce(dispatcher: CollectingDispatcher, view: TicketView, services, request_type: str,
                  home: Optional[str]) -> None:
        """``home``: the flat the request is about (None for a lift, placed by its unit)."""
        if view.joined_existing:  # a lift: a neighbour reported it; a tap at home: someone of the family
            dispatcher.utter_message(response="utter_ticket_joined", number=view.number,
                                     reporter="家里人" if view.location == home else "邻居", **assignee_values(view))
            return
        dispatcher.utter_message(response="utter_ticket_created", number=view.number,
                                 type=texts.label("request_types", view.request_type),
                                 due=due_text(view, services), **assignee_values(view))
        if view.assignee_role == "duty_manager":
            dispatcher.utter_message(response="utter_ticket_routed_to_manager")
        if request_type == "repair" and not view.emergency and view.due_at and (
                view.due_at - services.now() >= OVERNIGHT_WAIT):
            # 楼上漏水 漏到我家卫生间了 at 22:40 or 00:10: nobody before the morning; whom to call till then
            dispatcher.utter_message(response="utter_ticket_overnight",
                                     property_phone=services.compound_info().property_phone)
        if view.home_visit and request_type != "noise_dispute":
            dispatcher.utter_message(response="utter_ticket_home_visit")
        elif view.priority == "high" and request_type == "repair":  # 家里有90岁老人: said, not tagged
            dispatcher.utter_message(response="utter_ticket_priority_said")
        if request_type == "noise_dispute":
            dispatcher.utter_message(response="utter_noise_privacy")


STARTERS = ("action_start_ticket", "action_affirm")  # action_affirm: "好的" to a request we offered
# The replies that offer requests as buttons, with the words they are about in pending_text.
# (utter_follow_up_or_new is not one: 好的 after a ticket's progress means "I see".)
OFFERS = ("utter_fallback_choices", "utter_choose_one", "utter_offer_repair", "utter_offer_request",
          "utter_offer_other_request", "utter_offer_said_request", "utter_offer_again",
          "utter_offer_still_open", "utter_fault_or_dispute")
DECLINABLE = ("utter_offer_other_request", "utter_offer_said_request")  # one request offered, maybe another kept


def start_offered(dispatcher: CollectingDispatcher, tracker: Tracker, kind: str) -> List[Dict[Text, Any]]:
    """The offered request the resident took by typing, started with the words it was about."""
    words = tracker.get_slot("pending_text")
    events = ActionStartTicket().start(dispatcher, tracker, kind, words, chosen=True)
    return events + [FollowupAction("ticket_form")]


def offered_buttons(tracker: Tracker) -> List[Dict[Text, Any]]:
    """The buttons of our last message (none when it had none)."""
    return ((common.last_said(tracker) or {}).get("data") or {}).get("buttons") or []


def offered_payloads(tracker: Tracker) -> List[str]:
    """What each of those buttons sends, without its slash (repair, deny …)."""
    return [(button.get("payload") or "").lstrip("/") for button in offered_buttons(tracker)]


def offered_choice(tracker: Tracker) -> Optional[str]:
    """The request a typed answer takes from the buttons just offered, as a tap would: 是的 when
    one request was offered, 第一个 / 2 by place, 报修 by name. None when it takes none."""
    if common.last_response(tracker) not in OFFERS or not tracker.get_slot("pending_text"):
        return None
    payloads = offered_payloads(tracker)
    kinds = [payload for payload in payloads if payload in REQUEST_TYPES]
    text = common.text(tracker)
    place = conversation.ordinal(text)
    if place is not None:
        return payloads[place] if place < len(payloads) and payloads[place] in REQUEST_TYPES else None
    if common.agrees(tracker):  # 是的, 要, 嗯 登记吧
        return kinds[0] if len(kinds) == 1 else None
    named = conversation.kinds_named(text) & set(kinds) if conversation.is_generic_request(text) else set()
    return next(iter(named)) if len(named) == 1 else None


def decline_offer(dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[List[Dict[Text, Any]]]:
    """不用了, to 您还提到：“快递也丢了”…也要帮您登记吗: that one is not recorded, and a request kept
    with it (the third of 我家水龙头坏了 … 快递也丢了 … 楼上太吵了) is offered now; it was dropped
    with the one declined. None when no request was offered, or none was kept with it."""
    words = tracker.get_slot("pending_text")
    if not words or common.last_response(tracker) not in DECLINABLE:
        return None
    offered = [kind for kind in offered_payloads(tracker) if kind in REQUEST_TYPES]
    if len(offered) != 1:
        return None
    declined, kept = conversation.split_other_request(words, offered[0])
    if kept is None:
        return None
    rest = words.replace(declined, "", 1).strip("；; ")  # with a fourth request, its words go on too
    dispatcher.utter_message(response="utter_offer_declined")
    return ActionSubmitTicket.offer_other_request(dispatcher, kept, said=rest)


def offer_still_open(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """The request buttons offered again, after an answer that took none of them and was dealt with
    (5栋1单元402, sent to 您是想：报修 / 快递问题): the words they were about are not dropped. False
    when no request was being offered."""
    buttons = offered_buttons(tracker)
    words = tracker.get_slot("pending_text")
    if common.last_response(tracker) not in OFFERS or not words or not buttons:
        return False
    dispatcher.utter_message(response="utter_offer_still_open", words=words[:40], buttons=buttons)
    return True


def typed_choice(tracker: Tracker) -> Optional[List[Dict[Text, Any]]]:
    """第一个, 2 or 报修 typed to the request buttons just offered, whatever the model read it as (it
    reads 第一个 as affirm, out_of_scope or a fallback, 1 as a rating, depending on the training):
    handed to action_affirm, which takes it as the tap. None when it picks none of them."""
    return [FollowupAction("action_affirm")] if offered_choice(tracker) else None


def safety_or_choice(dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[List[Dict[Text, Any]]]:
    """What comes before whatever the model read a message as: an emergency in it (emergency_first),
    then a choice typed to the request buttons just offered (typed_choice). None when neither."""
    emergency = emergency_first(dispatcher, tracker)
    return emergency if emergency is not None else typed_choice(tracker)


def asked_to_cancel(tracker: Tracker) -> Optional[str]:
    """The ticket our last message asked the resident whether to withdraw (utter_cancel_confirm)."""
    if common.last_response(tracker) != "utter_cancel_confirm":
        return None
    return numbers.find_number((common.last_said(tracker) or {}).get("text") or "")


def starting_message(tracker: Tracker) -> Dict[Text, Any]:
    """The user event that started the request being submitted (the one before its start)."""
    started = False
    for event in reversed(tracker.events):
        if event.get("event") == "action" and event.get("name") in STARTERS:
            started = True
        elif started and event.get("event") == "user":
            return event
    return {}


def intent_confidence(parse: Optional[Dict[Text, Any]], request_type: Optional[str]) -> Optional[float]:
    """How sure the model was that the message asked for ``request_type`` (None when it read
    another intent: "好的" that took up a request we offered)."""
    intent = (parse or {}).get("intent") or {}
    return intent.get("confidence") if intent.get("name") == request_type else None


class ActionCheckTicket(Action):
    def name(self) -> Text:
        return "action_check_ticket"

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        message = common.text(tracker)
        if conversation.is_cancel(message) and numbers.find_number(message):
            cancel(dispatcher, tracker)  # "撤销 BX-…" read as a question about that ticket
            return []
        if answer_follow_up(dispatcher, tracker):  # 我能去反映楼上噪音的事吗, after the reception days
            return []
        costs = conversation.asks_charges(message)
        if costs:  # 师傅说要换零件 要收钱吗: what it costs, not the progress
            say_charges(dispatcher, costs, offer=not open_tickets(tracker))
            return []
        if move_visit(dispatcher, tracker) or answer_confidentiality(dispatcher, tracker):
            return []  # 师傅别今天来了 我不在家 明天上午来吧 (0.69), 会不会告诉楼上是我举报的 (1.0)
        phone = common.entity(tracker, "phone")
        if phone and not tracker.active_loop_name:  # 代办员来之前能先打个电话吗 我电话138… (check_ticket 0.82)
            phone_given(dispatcher, tracker, phone)
            return []
        services = common.services()
        tickets = services.tickets.mine(common.sender(tracker))
        if not tickets and tracker.active_loop_name:  # 你们到底管不管, asked before submitting the first
            dispatcher.utter_message(response="utter_nothing_on_record")
            dispatcher.utter_message(response="utter_request_not_submitted")
            return []
        if not tickets and answer_complaint(dispatcher, tracker):  # 我要投诉你们 说好的没来, nothing on record
            return []
        if not tickets:  # 快递丢了那事你们查着没, with nothing on record: offered, to be recorded now
            return offer_request(dispatcher, tracker, otherwise="utter_no_open_tickets",
                                 first="utter_nothing_on_record")
        named = conversation.kinds_named(message)  # 丢快递的事怎么样了, with only a repair on record
        if named and not any(view.request_type in named for view in tickets):
            kinds = "、".join(texts.label("request_types", kind) for kind in REQUEST_TYPES if kind in named)
            dispatcher.utter_message(response="utter_no_ticket_of_kind", type=kinds)
        progress(dispatcher, tracker, services, asked_about(tickets, message), message)
        return []


def answer_complaint(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """我要投诉 保安态度太差, with no request open to chase: the complaint goes to the duty manager
    (ReviewService.forward_complaint), and the resident is told who has it and where else a
    complaint is heard (the property phone, the next reception day). 我要投诉物业, saying nothing of
    what: asked what it is; the answer, whatever the model read it as, is forwarded. False when the
    words are not a complaint, name a request's kind or a neighbour (投诉楼上: a dispute), or a
    request is open (the complaint is a chase: progress)."""
    message = common.text(tracker)
    answers = (common.last_response(tracker) == "utter_complaint_ask_what"  # 保安天天在岗亭睡觉, after 您想反映什么
               and not conversation.is_question(message) and conversation.says_what_is_wrong(message))
    staff = conversation.faults_property_staff(message)  # 保安晚上睡觉: about staff, not a request open
    if (not (conversation.is_complaint(message) or answers or staff) or conversation.kinds_named(message)
            or conversation.names_the_other_side(message) or (open_tickets(tracker) and not staff)):
        return False
    services = common.services()
    if not conversation.says_what_is_wrong(message):
        dispatcher.utter_message(response="utter_complaint_ask_what",
                                 property_phone=services.compound_info().property_phone)
        return True
    who = services.review.forward_complaint(common.sender(tracker), message)
    if who is None:  # nobody to pass it to: where it is heard
        say_reception_days(dispatcher, "complaint")
    else:
        say_reception_days(dispatcher, "complaint_forwarded", who=who)
    return True


def answer_confidentiality(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """能不能别让他们知道是我反映的, 会不会告诉楼上是我举报的 (fallback; check_ticket 1.0): answered, as
    the mediators work; nothing is recorded. False when the words do not ask it, or a request is
    being made (its summary comes first)."""
    if tracker.active_loop_name or not conversation.asks_confidentiality(common.text(tracker)):
        return False
    dispatcher.utter_message(response="utter_dispute_confidential")
    return True


def answer_charges(dispatcher: CollectingDispatcher, message: str) -> bool:
    """What a repair, the certification errand or a mediation costs, when the message asks
    (conversation.asks_charges), and how to ask for one; False when it does not ask."""
    kind = conversation.asks_charges(message)
    if kind:
        say_charges(dispatcher, kind, offer=True)
    return kind is not None


def say_charges(dispatcher: CollectingDispatcher, kind: str, offer: bool) -> None:
    """What a request of ``kind`` costs; then (``offer``) how to ask for one."""
    dispatcher.utter_message(response=CHARGES[kind][0],
                             property_phone=common.services().compound_info().property_phone)
    if offer:
        dispatcher.utter_message(response=CHARGES[kind][1])


def asked_about(tickets: List[TicketView], message: str) -> List[TicketView]:
    """The tickets a question is about: the one whose number it gives (BX-… 怎么样了), else those of
    the kind its words name (修水龙头的师傅几点来: the repairs, not the parcel problem); all of them
    when it names neither, or names what is not on record."""
    number = numbers.find_number(message)
    by_number = [view for view in tickets if view.number == number]
    named = conversation.kinds_named(message)
    of_kind = [view for view in tickets if view.request_type in named]
    return by_number or of_kind or tickets


def say_status(dispatcher: CollectingDispatcher, tickets: List[TicketView], services) -> None:
    """One line per ticket: where it stands and who has it; a resolved one asks for a rating."""
    for view in tickets:
        kind = texts.label("request_types", view.request_type)
        if view.status == "resolved":
            dispatcher.utter_message(response="utter_ticket_awaiting_rating", number=view.number, type=kind)
            continue
        due = ""
        if view.status in ("new", "assigned") and view.due_at:  # not accepted yet: when they will hear
            late = view.due_at <= services.now()
            key = "overdue" if late else "upcoming_emergency" if view.emergency else "upcoming"
            due = texts.text("ticket_due", key, due=due_text(view, services))
        # 师傅几点来啊, once the assignee has it: the time they are to come, as the resident last said
        accepted = view.status in ("accepted", "in_progress")
        visit = (texts.text("ticket_due", "visit", time=view.visit_time) if accepted and view.visit_time
                 else "")
        dispatcher.utter_message(response="utter_ticket_status", number=view.number, type=kind,
                                 status=texts.label("statuses", view.status), due=due, visit=visit,
                                 **assignee_values(view))


def progress(dispatcher: CollectingDispatcher, tracker: Tracker, services, tickets: List[TicketView],
             message: str) -> None:
    """Where the tickets stand, and the chase when the words are impatient (催一下, 人呢)."""
    say_status(dispatcher, tickets, services)
    chase(dispatcher, tracker, services, tickets, message)


def told_fixed(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """师傅来过了 修好了, said while the ticket is still open (the assignee has not marked it resolved,
    so there is nothing to rate yet): the words go on the ticket, its assignee is told (to mark it
    resolved), and the resident that a rating will be asked for then. False unless the words say it
    is solved and one open ticket is meant (the only one, or the one named); 找了个师傅修好了 withdraws."""
    message = common.text(tracker)
    if not conversation.says_fixed(message):
        return False
    services = common.services()
    waiting = open_tickets(tracker, services)
    number = numbers.find_number(message)
    named = [view for view in waiting if view.number == number]
    meant = named or (waiting if len(waiting) == 1 else [])
    if not meant:
        return False
    outcome = services.tickets.add_detail(common.sender(tracker), meant[0].number, message)
    if outcome.result != "added":
        return False
    view = meant[0]
    dispatcher.utter_message(response="utter_fixed_noted", number=view.number, **assignee_values(view))
    return True


def move_visit(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """上门时间能改到周六上午吗, 明天上午家里没人 改下午, 明天我不在家 能不能换个时间 (read as out of
    scope, a parcel problem, a check …), said while a visit is arranged for an open ticket: the
    visit is moved (or the assignee asked to arrange another), and the resident told so. The
    ticket is the one the words name (by number or kind), else the newest with a visit. False when
    the words move no visit, or no visit is arranged."""
    message = common.text(tracker)
    when = None if tracker.active_loop_name else conversation.visit_moved(message)
    if when is None:
        return False
    services = common.services()
    visits = [view for view in open_tickets(tracker, services)
              if view.request_type in VISITED and view.visit_time]
    if not visits:
        return False
    view = asked_about(visits, message)[0]
    # 改下午吧: the day it was, when that was said today (明天 said yesterday is today)
    said_today = view.created_at.date() == services.now().astimezone(view.created_at.tzinfo).date()
    when = conversation.with_day_of(when, view.visit_time) if said_today else when
    outcome = services.tickets.move_visit(common.sender(tracker), view.number, when, message)
    if outcome.result not in ("moved", "unchanged"):
        return False
    if when:
        dispatcher.utter_message(response="utter_visit_moved", number=view.number, time=when,
                                 **assignee_values(view))
    else:
        dispatcher.utter_message(response="utter_visit_not_suitable", number=view.number,
                                 **assignee_values(view))
    return True


def phone_given(dispatcher: CollectingDispatcher, tracker: Tracker, phone: str) -> None:
    """我电话13855556666 outside a request: kept as the resident's phone (staff see it with each of
    their tickets); with tickets open, the words go on each (代办员来之前能先打个电话吗 我电话138…),
    and their assignees are told."""
    services, openid = common.services(), common.sender(tracker)
    services.residents.set_phone(openid, phone)
    told = [view for view in open_tickets(tracker, services)
            if services.tickets.add_detail(openid, view.number, common.text(tracker)).result == "added"]
    if not told:
        dispatcher.utter_message(response="utter_phone_saved", phone=phone)
        return
    people = dict.fromkeys("{role}{assignee}".format(**assignee_values(view)) for view in told)
    dispatcher.utter_message(response="utter_phone_told", phone=phone, who="、".join(people))


def open_tickets(tracker: Tracker, services=None) -> List[TicketView]:
    """The resident's open tickets (not those waiting for a rating), newest first."""
    mine = (services or common.services()).tickets.mine(common.sender(tracker))
    return [view for view in mine if is_open(view)]


def asked_after(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """锁匠啥时候到, 今天能来吗, 人呢 怎么还不来: asking after a request already made, which the model
    read as something else (out of scope, a rating, not understood). With an open ticket, its
    progress, and the chase when the words are impatient, as 查询工单 gives them (asked_about: the
    tickets the words name, when there are such). False when there is none, or the words do not
    ask after one. A complaint (我要投诉 说好的上午来 人也没来) asks after it too: chased, and the duty
    manager told."""
    if move_visit(dispatcher, tracker):  # 明天上午家里没人 改下午 (out of scope 1.0): the visit moved
        return True
    message = common.text(tracker)
    complains = conversation.is_complaint(message) and not conversation.names_the_other_side(message)
    if tracker.active_loop_name or not (conversation.is_follow_up(message) or complains):
        return False  # 我要投诉楼上: a dispute, not a complaint about a request open
    services = common.services()
    waiting = open_tickets(tracker, services)
    if not waiting:
        return False
    progress(dispatcher, tracker, services, asked_about(waiting, message), message)
    return True


def chase(dispatcher: CollectingDispatcher, tracker: Tracker, services, tickets: List[TicketView],
          message: str) -> None:
    """催一下, 怎么还没人来: the assignees of the open ones of ``tickets`` (those the words are about:
    asked_about, or the follow-up's kind) hear of it (at most once in a while), and the resident is
    told so. Asking without impatience only gets the progress."""
    waiting = [view.number for view in tickets if is_open(view)]
    if not waiting or not conversation.is_chasing(message):
        return
    outcome = services.tickets.chase(common.sender(tracker), waiting, message,
                                     complaint=conversation.is_complaint(message))
    if outcome.result == "complained":  # 我要投诉…说好的来了又没来: the duty manager told too
        dispatcher.utter_message(response="utter_ticket_complained")
    elif outcome.result == "chased" and any(view.emergency for view in outcome.tickets):
        dispatcher.utter_message(response="utter_ticket_chased_emergency")  # 火还没灭 怎么还没人来
    elif outcome.result == "chased":
        dispatcher.utter_message(response="utter_ticket_chased")
    elif outcome.result == "recently_chased":
        dispatcher.utter_message(response="utter_ticket_chased_recently",
                                 property_phone=services.compound_info().property_phone)


class ActionRateTicket(Action):
    def name(self) -> Text:
        return "action_rate_ticket"

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        first = safety_or_choice(dispatcher, tracker)  # 1, answered to the request buttons just offered
        if first is not None:
            return first
        if rate(dispatcher, tracker, only_if_waiting=True) or asked_after(dispatcher, tracker):
            return []  # rated; or 人呢 怎么还不来 (read as a rating): the progress
        return still_broken(dispatcher, tracker)


def still_broken(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[Text, Any]]:
    """又不行了, 还是不行 (read as a rating) with no resolved ticket to rate: something is broken
    (again). With an open ticket, its progress; after one closed in the last RECENTLY_CLOSED, that
    request is offered again, the earlier ticket named in its words; otherwise what is wrong is
    asked. 灶打不着火 is offered as a repair; a score with nothing to rate gets utter_nothing_to_rate."""
    message = common.text(tracker)
    if not tracker.active_loop_name and answer_complaint(dispatcher, tracker):  # 投诉保安态度太差, nothing to rate
        return []
    if not tracker.active_loop_name and told_fixed(dispatcher, tracker):  # 师傅来过了 修好了, not yet resolved
        return []
    if (tracker.active_loop_name or conversation.request_named(message)
            or not (conversation.parse_rating(message)[1] or conversation.is_withdrawal(message))):
        return offer_request(dispatcher, tracker, otherwise="utter_nothing_to_rate")  # 灶打不着火
    services, openid = common.services(), common.sender(tracker)
    waiting = open_tickets(tracker, services)
    if waiting and conversation.is_withdrawal(message):  # 找了个师傅修好了 (read as a rating)
        cancel(dispatcher, tracker)  # the usual question: which one, sure?
        return []
    if waiting:
        progress(dispatcher, tracker, services, asked_about(waiting, message), message)
        return []
    closed = services.tickets.last_closed(openid)
    if closed is None:
        dispatcher.utter_message(response="utter_ask_what_is_wrong")
        return []
    label = texts.label("request_types", closed.request_type)
    dispatcher.utter_message(response="utter_offer_again", number=closed.number, type=label,
                             description=closed.description[:30],
                             buttons=[{"title": label, "payload": f"/{closed.request_type}"}])
    words = f"{message}（上次的工单 {closed.number}：{closed.description}）"
    return [SlotSet("pending_text", words[:conversation.MAX_DESCRIPTION])]


def answer_parcel_station(dispatcher: CollectingDispatcher, message: str, named: bool = False) -> bool:
    """A question about the parcel station, not a parcel problem: when it is open (门口的快递驿站几点
    关门) or where it is (代收快递的地方在哪). Answered from the compound file where it says (else the
    notices and the property phone); nothing is recorded. ``named``: the station must be named in
    the words, for a message the model did not read as a parcel problem (物业几点下班 is not this).
    A suggestion (驿站礼拜天下午就关门 建议周末也开全天) is not a question."""
    named_if_needed = not named or conversation.names_parcel_station(message)
    hours = conversation.asks_parcel_hours(message) and named_if_needed
    if not (hours or conversation.asks_parcel_station_place(message)) or "建议" in message:
        return False
    info = common.services().compound_info()
    if info.parcel_station:
        dispatcher.utter_message(response="utter_parcel_station", parcel_station=info.parcel_station)
    else:
        not_known = "utter_parcel_station_hours" if hours else "utter_parcel_station_place"
        dispatcher.utter_message(response=not_known, property_phone=info.property_phone)
    return True


def offer_request(dispatcher: CollectingDispatcher, tracker: Tracker, otherwise: str,
                  first: Optional[str] = None, **values: Any) -> List[Dict[Text, Any]]:
    """A request in a message the model read as something else: a fixture said to be at fault
    (煤气灶点不着, 灶打不着火) is offered as a repair; words of one other kind only (快递里少东西了,
    生存认证过期了 咋补啊) as that kind. The resident's words go with it, and a button (nothing is
    recorded on a guess), after the ``first`` response if one is given. Any other message gets the
    ``otherwise`` response, with ``values``."""
    message = conversation.without_greeting(common.text(tracker))
    kind = conversation.request_named(message)
    if tracker.active_loop_name or kind is None:
        dispatcher.utter_message(response=otherwise, **values)
        return []
    if first:
        dispatcher.utter_message(response=first)
    label = texts.label("request_types", kind)
    button = {"title": label, "payload": f"/{kind}"}
    response = "utter_offer_repair" if kind == "repair" else "utter_offer_request"
    dispatcher.utter_message(response=response, words=message[:60], type=label, buttons=[button])
    return [SlotSet("pending_text", message)]


def offer_detail(dispatcher: CollectingDispatcher, tracker: Tracker, of_kind: Optional[str] = None,
                 new_request: bool = False) -> Optional[List[Dict[Text, Any]]]:
    """已经找过他们了 没用, 来的时候带个扳手: a message the assistant did not understand, soon after
    the resident reported a ticket (services.tickets.DETAIL_WINDOW), offered as more about it, with
    a button (nothing is added on a guess). With ``of_kind``, only a ticket of that kind (他们家是501:
    a dispute's); with ``new_request`` too (the model read a request of that kind: 丰巢的 柜子在3栋门口
    right after a parcel problem), the second button records it as a new request. None when the
    message is something else: a question, a follow-up, a withdrawal, praise, a request of its own
    (快递里少东西了: a problem said), or there is no such ticket."""
    message = conversation.without_greeting(common.text(tracker)).strip()
    if (tracker.active_loop_name or message.startswith("/") or conversation.meaningful_length(message) < 3
            or conversation.only_a_greeting(message) or conversation.is_acknowledgement(message)
            or conversation.is_question(message)
            or conversation.is_follow_up(message) or conversation.is_withdrawal(message)
            or conversation.is_praise(message)):
        return None
    view = common.services().tickets.just_reported(common.sender(tracker))
    if view is None or (of_kind is not None and view.request_type != of_kind):
        return None
    named = conversation.request_named(message)
    if named and (named != view.request_type or conversation.states_the_request(message, named)):
        return None
    pending = tracker.get_slot("pending_text")
    if common.last_response(tracker) == "utter_offer_detail" and pending:
        message = f"{pending}；{message}"  # more, said before answering the offer
    message = message[:conversation.MAX_DESCRIPTION]
    other = ({"title": texts.label("choices", "new_request"), "payload": f"/{of_kind}"} if new_request
             else {"title": texts.label("choices", "not_a_detail"), "payload": "/deny"})
    dispatcher.utter_message(response="utter_offer_detail", number=view.number, words=message[:60],
                             type=texts.label("request_types", view.request_type),
                             buttons=[{"title": texts.label("choices", "add_detail"), "payload": "/affirm"}, other])
    return [SlotSet("pending_text", message)]


def acknowledge(dispatcher: CollectingDispatcher, tracker: Tracker,
                otherwise: str = "utter_acknowledged") -> bool:
    """知道了, 收到, 好的 等你们消息 (outside a request): a short, warm answer, which reminds a resident
    with an open ticket how to follow it; ``otherwise`` without one. False when the message is not
    such words."""
    if tracker.active_loop_name or not conversation.is_acknowledgement(common.text(tracker)):
        return False
    dispatcher.utter_message(response="utter_acknowledged_ticket" if open_tickets(tracker) else otherwise)
    return True


def add_detail(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[Text, Any]]:
    """是 / the button, to utter_offer_detail: the words go on the ticket it named."""
    said = common.last_said(tracker) or {}
    number, words = numbers.find_number(said.get("text") or ""), tracker.get_slot("pending_text") or ""
    outcome = common.services().tickets.add_detail(common.sender(tracker), number or "", words)
    if outcome.result == "added":
        dispatcher.utter_message(response="utter_detail_added", number=number)
    elif outcome.result == "not_open":
        dispatcher.utter_message(response="utter_detail_ticket_closed", number=number)
    else:
        dispatcher.utter_message(response="utter_affirm_without_context")
    return [SlotSet("pending_text", None)]


def rate(dispatcher: CollectingDispatcher, tracker: Tracker, only_if_waiting: bool = False) -> bool:
    """Rate the resident's resolved ticket with the latest message; False if there was none to rate
    (then, with ``only_if_waiting``, nothing is said)."""
    message = common.text(tracker)
    score, not_fixed = conversation.parse_rating(message)
    outcome = common.services().tickets.rate(common.sender(tracker), score=score, not_fixed=not_fixed,
                                             comment=message, number=numbers.find_number(message))
    view = outcome.tickets[0] if outcome.tickets else None
    if outcome.result == "nothing_to_rate":
        if not only_if_waiting:
            dispatcher.utter_message(response="utter_nothing_to_rate")
        return False
    if outcome.result == "reopened":
        dispatcher.utter_message(response="utter_rating_reopened", number=view.number, assignee=view.assignee_name)
    elif outcome.result == "no_score":
        dispatcher.utter_message(response="utter_rating_ask_score", number=view.number)
    else:
        dispatcher.utter_message(response="utter_rating_thanks", number=view.number, score=score)
    return True


def rate_aside(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """挺好的 谢谢王姐 or a bare 5, to a ticket that waits for its rating, read by the model as thanks,
    out of scope or an address: rated. False (nothing said) when there is no score or nothing to rate."""
    if tracker.active_loop_name or conversation.rating_aside(common.text(tracker)) is None:
        return False
    return rate(dispatcher, tracker, only_if_waiting=True)


class ActionCancelTicket(Action):
    def name(self) -> Text:
        return "action_cancel_ticket"

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        message = common.text(tracker)
        if move_visit(dispatcher, tracker):  # 今天别来了 改天吧: the visit moved, not the request taken back
            return []
        if not conversation.takes_back(message) and not numbers.find_number(message):
            # 对了是卫生间那个水管, read as cancel_ticket: nothing in it takes anything back
            from actions.fallback import not_understood  # (the fallback builds on this module)
            return not_understood(dispatcher, tracker)
        declined = decline_offer(dispatcher, tracker)  # 这个不用登记了, to 这件快递问题也要帮您登记吗
        if declined is not None:
            return declined
        if conversation.says_fixed(message) and (rate(dispatcher, tracker, only_if_waiting=True)
                                                 or told_fixed(dispatcher, tracker)):
            return []  # 已经修好了 (cancel_ticket 0.81): solved by whoever was sent, not taken back
        cancel(dispatcher, tracker)
        return []


def cancel(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """Cancel the ticket the resident names, or the one we just asked about ("您要撤销BX-…吗？"
    answered 是 / 撤销吧); otherwise ask which one: nothing is withdrawn on a guess."""
    message = common.text(tracker)
    # The ticket asked about is withdrawn on a yes only: 补充一下 已经漏到楼下了 is not one.
    agreed = common.agrees(tracker) or conversation.takes_back(message)
    number = numbers.find_number(message) or (asked_to_cancel(tracker) if agreed else None)
    outcome = common.services().tickets.cancel(common.sender(tracker), number,
                                               kinds=conversation.kinds_named(message))
    if outcome.result == "cancelled":
        dispatcher.utter_message(response="utter_ticket_cancelled", number=outcome.tickets[0].number)
    elif outcome.result == "confirm":
        view = outcome.tickets[0]
        dispatcher.utter_message(response="utter_cancel_confirm", number=view.number,
                                 type=texts.label("request_types", view.request_type))
    elif outcome.result == "choose":
        listed = "、".join(f"{view.number}（{texts.label('request_types', view.request_type)}）"
                          for view in outcome.tickets)
        dispatcher.utter_message(response="utter_cancel_choose", count=len(outcome.tickets), numbers=listed,
                                 example=outcome.tickets[0].number)
    elif outcome.result == "left":  # 撤销吧 我家人已经报过了, of a lift a neighbour reported first
        dispatcher.utter_message(response="utter_cancel_left", number=outcome.tickets[0].number)
    else:
        dispatcher.utter_message(response=CANCEL_REPLIES[outcome.result])
