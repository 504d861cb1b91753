"""Answers to thanks, to a yes outside a request, and to what the assistant does not handle. A
resident whose ticket waits for its rating often judges it in those words (挺好的 谢谢王姐): then
the ticket is rated. A yes answers the assistant's last question, when it asked one."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import common
from actions.common import guarded
from actions.fallback import not_understood
from actions.household import answer_who_is_butler
from actions.reception import answer_follow_up
from actions.tickets import (acknowledge, add_detail, answer_charges, answer_complaint,
                             answer_confidentiality, answer_parcel_station, asked_after, cancel, decline_offer,
                             move_visit, offer_detail, offer_request, offered_choice, offered_payloads,
                             rate_aside, safety_or_choice, start_offered)
from bot import conversation
from bot.tickets import REQUEST_TYPES


class _UnlessRating(Action, ABC):
    """Says ``response``, unless the message rates a ticket that waits for it (then it is rated).
    Abstract, so that rasa_sdk does not register it as an action of its own."""

    response: Text = ""

    @abstractmethod
    def name(self) -> Text: ...

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        first = safety_or_choice(dispatcher, tracker)  # 谢谢 燃气味好大; 第一个, answered to the buttons
        if first is not None:
            return first
        if not rate_aside(dispatcher, tracker) and not move_visit(dispatcher, tracker):  # 推迟一天吧 (rating)
            dispatcher.utter_message(response=self.response)
        return []


class ActionGreet(Action):
    """你好, answered with what the assistant does; 你好 燃气味好大 gets the safety advice and an
    urgent ticket; 你好 俺家厕所堵了, which the model may read as a greeting, gets the repair offered
    in the resident's words; 我下午都在家 (greet 0.68), right after a ticket, is offered as more about
    it."""

    def name(self) -> Text:
        return "action_greet"

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        first = safety_or_choice(dispatcher, tracker)  # 你好 燃气味好大: safety first; 第一个 to buttons
        if first is not None:
            return first
        if move_visit(dispatcher, tracker):  # 改下午吧 (greet 0.84), with a visit arranged
            return []
        detail = None if common.sure(tracker) else offer_detail(dispatcher, tracker)  # not 早上好
        return detail or offer_request(dispatcher, tracker, otherwise="utter_greet")


class ActionThank(_UnlessRating):
    response = "utter_you_are_welcome"

    def name(self) -> Text:
        return "action_thank"


class ActionOutOfScope(_UnlessRating):
    response = "utter_out_of_scope"

    def name(self) -> Text:
        return "action_out_of_scope"

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        # 着火了 火越来越大 or 第一个, read as out of scope: the model can be sure and wrong
        first = safety_or_choice(dispatcher, tracker)
        if first is not None:
            return first
        if rate_aside(dispatcher, tracker) or answer_follow_up(dispatcher, tracker):  # 那15号几点到几点
            return []
        if acknowledge(dispatcher, tracker):  # 知道了, read as out of scope
            return []
        if conversation.asks_if_bot(common.text(tracker)):  # 你是机器人吗: said plainly
            dispatcher.utter_message(response="utter_who_answers")
            return []
        if conversation.is_praise(common.text(tracker)):  # 表扬一下隔壁阿姨 帮我收了一礼拜快递
            dispatcher.utter_message(response="utter_praise_shared")
            return []
        if answer_charges(dispatcher, common.text(tracker)):  # 维修要收钱吗: what a repair costs
            return []
        if answer_parcel_station(dispatcher, common.text(tracker), named=True):  # 驿站几点关门
            return []
        if asked_after(dispatcher, tracker):  # 锁匠啥时候到, 今天能来吗, with a ticket open
            return []
        if (answer_complaint(dispatcher, tracker) or answer_confidentiality(dispatcher, tracker)
                or answer_who_is_butler(dispatcher, tracker)):
            return []  # 我要投诉 小区垃圾好几天没人清理; 我反映的事能保密吗; 我们楼的楼栋长是谁
        detail = offer_detail(dispatcher, tracker)  # 他家孩子特别能跑, right after a noise dispute
        if detail is not None:
            return detail
        return offer_request(dispatcher, tracker, otherwise=self.response,  # 煤气灶点不着: a repair after all?
                            property_phone=common.services().compound_info().property_phone)


class ActionAffirm(Action):
    """"好的" / "要" outside a request. After "这件报修也要帮您登记吗？" it starts that request, as
    its button would; after "您要撤销BX-…吗？" it withdraws that ticket (after a list of several,
    it asks again which); after several request choices, it asks which. Otherwise it asks how to help."""

    def name(self) -> Text:
        return "action_affirm"

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        said, asked = common.last_said(tracker) or {}, common.last_response(tracker)
        offered = offered_choice(tracker)  # 好的 to "这件报修也要帮您登记吗？", or to a single choice
        if offered:
            return start_offered(dispatcher, tracker, offered)
        if common.intent(tracker) == "affirm" and not common.agrees(tracker):
            return not_understood(dispatcher, tracker)  # 上次也是这样, read as affirm at 0.58
        if asked == "utter_offer_detail" and tracker.get_slot("pending_text"):
            return add_detail(dispatcher, tracker)  # 是, to 这句要补充到您刚登记的工单…里吗
        if asked in ("utter_cancel_confirm", "utter_cancel_choose"):
            cancel(dispatcher, tracker)  # withdraws the one asked about; of several, asks again which
            return []
        if asked in ("utter_fallback_choices", "utter_choose_one", "utter_offer_still_open") \
                and tracker.get_slot("pending_text"):
            buttons = (said.get("data") or {}).get("buttons")
            dispatcher.utter_message(response="utter_choose_one", buttons=buttons)  # 是的 to 报修 / 快递问题
            return []
        if move_visit(dispatcher, tracker):  # 好的 那就改到周六上午吧, with a visit arranged
            return []
        # 好嘞, with a ticket open: how to follow it; 好的 with none: what we can do
        if not acknowledge(dispatcher, tracker, otherwise="utter_affirm_without_context"):
            dispatcher.utter_message(response="utter_affirm_without_context")
        return []


class ActionDeny(Action):
    """"不是" / "不用了" outside a request: after the offer to add a message to a ticket, that it
    was not added (and where else to turn); otherwise a friendly acknowledgement."""

    def name(self) -> Text:
        return "action_deny"

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        first = safety_or_choice(dispatcher, tracker)  # 第二个 (read as a no), answered to the buttons
        if first is not None:
            return first
        if common.last_response(tracker) == "utter_offer_detail":
            kind = next((payload for payload in offered_payloads(tracker) if payload in REQUEST_TYPES), None)
            if kind and tracker.get_slot("pending_text"):  # 不是, to 丰巢的 柜子在3栋门口 offered as more
                return start_offered(dispatcher, tracker, kind)  # a request of its own, as the model read it
            dispatcher.utter_message(response="utter_detail_not_added",
                                     property_phone=common.services().compound_info().property_phone)
            return [SlotSet("pending_text", None)]
        declined = decline_offer(dispatcher, tracker)  # 不用了 to the second request: the third offered
        if declined is not None:
            return declined
        if move_visit(dispatcher, tracker):  # 不行 明天上午不在家 改下午吧
            return []
        dispatcher.utter_message(response="utter_deny_without_context")
        return []
