"""Messages the model is unsure about: kept for the admins, and the resident gets a way on:
the two likeliest requests as choices, or their words handed to the butler."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import common, tickets
from actions.common import guarded
from actions.household import answer_who_is_butler, name_butler
from actions.reception import answer_follow_up
from actions.ticket_form import ValidateTicketForm
from bot import conversation, texts
from bot.services.review import Ranked
from bot.tickets import REQUEST_TYPES

CHOICE_MIN_CONFIDENCE = 0.05


class ActionHandleFallback(Action):
    def name(self) -> Text:
        return "action_handle_fallback"

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        return not_understood(dispatcher, tracker)


def not_understood(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[Text, Any]]:
    """The fallback's answer, also for a message the model read as something its words are not
    (上次也是这样 as a yes, 对了是卫生间那个水管 as a withdrawal)."""
    message = common.text(tracker)
    choice = tickets.typed_choice(tracker)  # 第一个, typed to the buttons just offered: taken as the tap
    if choice is not None:
        return choice
    # "5" in answer to "请回复1–5给这次服务打分": the model has nothing to go on in a lone digit.
    if conversation.is_bare_score(message) and not tracker.active_loop_name \
            and tickets.rate(dispatcher, tracker, only_if_waiting=True):
        return []
    if tickets.acknowledge(dispatcher, tracker):  # 知道了, 收到: nothing to choose, nothing for the admins
        return []
    if conversation.meaningful_length(message) < 2:
        dispatcher.utter_message(response="utter_default")
        return []
    if len(message) > conversation.MAX_DESCRIPTION * 4:
        dispatcher.utter_message(response="utter_message_too_long")
        return []
    parsed = (tracker.latest_message or {}).get("intent_ranking") or []
    ranking = [Ranked(r["name"], float(r["confidence"])) for r in parsed if r.get("name") != "nlu_fallback"]
    services = common.services()
    review_id = services.review.record(common.sender(tracker), message, ranking, common.model_id(tracker))
    emergency = tickets.emergency_first(dispatcher, tracker)  # unsure what it is, sure it is dangerous
    if emergency is not None:
        return emergency  # and the admins still see what the model did not understand
    if answer_follow_up(dispatcher, tracker):  # 下个月呢, after the reception days were told
        return []
    if not tracker.active_loop_name and tickets.answer_charges(dispatcher, message):  # 维修费用咋算
        return []
    if tickets.move_visit(dispatcher, tracker):  # 约的时间我去不了了 改周日吧: the visit moved
        return []
    if tickets.answer_confidentiality(dispatcher, tracker) or answer_who_is_butler(dispatcher, tracker):
        return []  # 能不能别让他们知道是我反映的; 网格员是哪位
    if (conversation.is_withdrawal(message) and not tracker.active_loop_name
            and tickets.open_tickets(tracker, services)):
        # 算了不要了 快递找到了: taking back a request made; the usual question (which one, sure?)
        tickets.cancel(dispatcher, tracker)
        return []
    if tickets.asked_after(dispatcher, tracker):  # 还要等多久啊, with a ticket open: its progress
        return []
    if not tracker.active_loop_name and tickets.answer_complaint(dispatcher, tracker):  # 我要投诉物业
        return []  # kept for the admins all the same
    detail = tickets.offer_detail(dispatcher, tracker)  # 已经找过他们了 没用, right after a ticket
    if detail is not None:
        return detail + [SlotSet("pending_review", float(review_id))]
    choices = [r.name for r in ranking
               if r.name in REQUEST_TYPES and r.confidence >= CHOICE_MIN_CONFIDENCE][:2]
    words = conversation.kinds_named(message)
    if words:  # 我家楼上漏水到我家了 上面是502 (repair 0.33): not a parcel problem, whatever came second
        plausible = [name for name in choices if name in words
                     or (name == "noise_dispute" and conversation.names_the_other_side(message))]
        choices = plausible or [name for name in REQUEST_TYPES if name in words][:2]
    named = conversation.request_named(message)  # 燃气灶打不着火, 快递里少东西了
    if named and named not in choices:
        choices = [named] + choices[:1]
    buttons = [{"title": texts.label("request_types", name), "payload": f"/{name}"} for name in choices]
    if not buttons:  # 师傅几点能到 with nothing on record: no request to offer, only the butler
        dispatcher.utter_message(response="utter_fallback_rephrase", buttons=[
            {"title": texts.label("choices", "to_butler"), "payload": "/human_handoff"}])
        return [SlotSet("pending_text", message), SlotSet("pending_review", float(review_id))]
    buttons.append({"title": texts.label("choices", "none_of_these"), "payload": "/human_handoff"})
    dispatcher.utter_message(response="utter_fallback_choices", buttons=buttons)
    return [SlotSet("pending_text", message), SlotSet("pending_review", float(review_id))]


class ActionHumanHandoff(Action):
    """"转人工", or "none of these" after a fallback: the butler gets the resident's words."""

    def name(self) -> Text:
        return "action_human_handoff"

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        message = common.text(tracker)
        emergency = tickets.emergency_first(dispatcher, tracker)  # 电梯困人 转人工: safety first
        if emergency is not None:
            return emergency
        if tracker.active_loop_name == "ticket_form" and conversation.describes_a_person(message):
            # 她叫李桂兰, answered to a question of the request (the model reads some names as a handoff)
            noted = ValidateTicketForm.noted_detail(message, dispatcher, tracker)
            if noted:
                return [SlotSet(slot, value) for slot, value in noted.items()]
        services = common.services()
        review_id = tracker.get_slot("pending_review")
        if review_id is None and conversation.asks_if_bot(message):  # 你们是机器人吗: asked, not a request
            dispatcher.utter_message(response="utter_who_answers")
            return []
        if review_id is None and not tracker.active_loop_name \
                and tickets.answer_complaint(dispatcher, tracker):  # 我要投诉物业 (human_handoff 0.93)
            return []  # what it is about, then to the duty manager
        if review_id is None:  # 转人工, 给我管家电话: the household's butler, whom they can call
            if not name_butler(dispatcher, services, common.sender(tracker)):
                dispatcher.utter_message(response="utter_human_handoff",
                                         property_phone=services.compound_info().property_phone)
            return []
        name = services.review.hand_to_butler(int(review_id))
        if name:
            dispatcher.utter_message(response="utter_handed_to_butler", name=name)
        else:
            dispatcher.utter_message(response="utter_handed_to_butler_unknown",
                                     property_phone=services.compound_info().property_phone)
        return [SlotSet("pending_text", None), SlotSet("pending_review", None)]
