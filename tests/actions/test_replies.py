"""Thanks, yes and out-of-scope messages outside a request: their usual answers; the rating of a
resolved ticket when the resident judges it in those words (the model reads 挺好的 谢谢王姐 as
out of scope); and a yes to the assistant's last question (登记吗？ 撤销吗？)."""

from __future__ import annotations

import pytest

from actions.household import ActionUpdateHousehold
from actions.replies import ActionAffirm, ActionGreet, ActionOutOfScope, ActionThank
from actions.fallback import ActionHandleFallback
from actions.tickets import (ActionCancelTicket, ActionCheckTicket, ActionRateTicket, ActionStartTicket,
                             ActionSubmitTicket)
from bot.services.tickets import NewRequest
from bot.tickets.lifecycle import Status
from tests.actions.conftest import open_ticket

WELCOME = "不客气，这是我们应该做的😊"


def test_the_actions_are_declared_in_the_domain(domain):
    actions = (ActionGreet, ActionThank, ActionOutOfScope, ActionAffirm)
    assert {action().name() for action in actions} <= set(domain["actions"])


@pytest.fixture
def resolved(services):
    """A repair of wx-ma's that 王秀英 has resolved: it waits for the resident's rating."""
    number = services.tickets.submit(NewRequest(openid="wx-ma", request_type="repair", description="厨房水管漏水",
                                                building="3", unit="1", room="301")).number
    services.tickets.step(number, Status.ACCEPTED, staff_code="wang")
    services.tickets.step(number, Status.RESOLVED, staff_code="wang")
    return number


@pytest.mark.parametrize("action, text, intent, score", [
    (ActionOutOfScope, "挺好的 谢谢王姐", "out_of_scope", 4),
    (ActionThank, "谢谢师傅 非常满意", "thank", 5),
    (ActionThank, "辛苦了 服务很不错", "thank", 4),
    (ActionUpdateHousehold, "5", "inform", 5),
])
async def test_a_judgement_of_the_service_rates_the_resolved_ticket(resident, services, resolved, action, text,
                                                                    intent, score):
    reply = await resident("wx-ma").send(action(), text, intent, confidence=0.87)

    assert reply.texts == [f"谢谢您给{resolved}打了{score}分！这张工单已完成，有事随时找我😊"]
    assert services.tickets.get(resolved).status == "closed"


@pytest.mark.parametrize("action, text, intent, answer", [
    (ActionThank, "谢谢", "thank", WELCOME),
    (ActionOutOfScope, "停车位一般都满了", "out_of_scope", "utter_out_of_scope"),
    (ActionOutOfScope, "物业服务还行吗？", "out_of_scope", "utter_out_of_scope"),
])
async def test_other_words_leave_the_ticket_waiting(resident, services, resolved, action, text, intent, answer):
    reply = await resident("wx-ma").send(action(), text, intent, confidence=0.9)

    assert answer in (reply.texts + reply.responses)
    assert services.tickets.get(resolved).status == "resolved"


@pytest.mark.parametrize("action, text, intent, answer", [
    (ActionThank, "谢谢 挺好的", "thank", WELCOME),
    (ActionOutOfScope, "挺好的 谢谢王姐", "out_of_scope", "utter_out_of_scope"),
])
async def test_with_nothing_to_rate_the_usual_answer(resident, action, text, intent, answer):
    reply = await resident("wx-ma").send(action(), text, intent, confidence=0.9)

    assert answer in (reply.texts + reply.responses)


async def test_a_bare_number_with_nothing_to_rate_is_not_taken_for_half_an_address(resident):
    reply = await resident("wx-ma").send(ActionUpdateHousehold(), "5", "inform", confidence=0.63)

    assert reply.responses == ["utter_default"]  # not 还差楼栋号、门牌号


# -- a fault the model did not read as a repair ----------------------------------------------
@pytest.mark.parametrize("action, text, intent, words", [
    (ActionOutOfScope, "煤气灶点不着", "out_of_scope", "煤气灶点不着"),  # was: 这个问题我暂时帮不上忙
    (ActionRateTicket, "灶打不着火", "rate_ticket", "灶打不着火"),  # was: 您目前没有待评价的工单
    (ActionGreet, "你好 俺家厕所堵了", "greet", "俺家厕所堵了"),  # was: the greeting
    (ActionOutOfScope, "你好 我是3号楼的老张 俺家厕所堵了 你们啥时候能来", "out_of_scope",
     "我是3号楼的老张 俺家厕所堵了 你们啥时候能来"),
])
async def test_a_fault_read_as_something_else_is_offered_as_a_repair(resident, services, action, text,
                                                                     intent, words):
    ma = resident("wx-ma")

    reply = await ma.send(action(), text, intent, confidence=0.7)

    assert reply.texts == [f"您是要报修吗？是的话点“报修”，我按您说的“{words}”帮您登记。"]
    assert reply.messages[0]["buttons"] == [{"title": "报修", "payload": "/repair"}]
    assert services.tickets.mine("wx-ma") == []  # nothing on a guess
    yes = await ma.send(ActionAffirm(), "是的", "affirm")
    assert (yes.slots["request_type"], yes.slots["description"]) == ("repair", words)


async def test_the_address_in_the_words_of_an_offered_repair_is_kept(resident):
    ma = resident("wx-ma")
    await ma.send(ActionOutOfScope(), "你好 我是3号楼的老张 俺家厕所堵了", "out_of_scope", confidence=0.96)

    yes = await ma.send(ActionAffirm(), "是的", "affirm")
    asked = await ma.activate_form()

    assert (yes.slots["building"], yes.slots["room"]) == ("3", None)
    assert asked.texts == ["请问您家是3栋几单元几号？比如“3栋2单元502”。"]


async def test_a_click_on_the_offered_repair_starts_it_with_the_residents_words(resident):
    ma = resident("wx-ma")
    await ma.send(ActionOutOfScope(), "煤气灶点不着", "out_of_scope", confidence=0.65)

    clicked = await ma.send(ActionStartTicket(), "/repair", "repair")

    assert (clicked.slots["request_type"], clicked.slots["description"]) == ("repair", "煤气灶点不着")


@pytest.mark.parametrize("action, text, intent, kind, label", [
    (ActionOutOfScope, "快递里少东西了 买了三袋米就到了两袋", "out_of_scope", "parcel", "快递问题"),
    (ActionOutOfScope, "生存认证过期了 这个月钱没到账 咋补啊", "out_of_scope", "pension_certification",
     "生存认证代办"),
    (ActionGreet, "你好 快递被人拿错了", "greet", "parcel", "快递问题"),
])
async def test_a_parcel_or_certification_problem_read_as_something_else_is_offered(resident, services, action,
                                                                                  text, intent, kind, label):
    ma = resident("wx-ma")
    words = text.replace("你好 ", "")

    reply = await ma.send(action(), text, intent, confidence=0.9)

    assert reply.texts == [f"您是要登记{label}吗？是的话点“{label}”，我按您说的“{words}”帮您登记。"]
    assert reply.messages[0]["buttons"] == [{"title": label, "payload": f"/{kind}"}]
    assert services.tickets.mine("wx-ma") == []  # nothing on a guess
    yes = await ma.send(ActionAffirm(), "是的", "affirm")
    assert (yes.slots["request_type"], yes.slots["description"]) == (kind, words)


async def test_a_check_on_a_problem_never_recorded_says_so_and_offers_to_record_it(resident):
    ma = resident("wx-ma")

    reply = await ma.send(ActionCheckTicket(), "快递丢了那事你们查着没", "check_ticket")
    nothing = await ma.send(ActionCheckTicket(), "查询工单", "check_ticket")

    assert reply.texts == ["没有查到您登记过的工单，可能是还没登记上。",
                           "您是要登记快递问题吗？是的话点“快递问题”，我按您说的“快递丢了那事你们查着没”帮您登记。"]
    assert nothing.responses == ["utter_no_open_tickets"]


@pytest.mark.parametrize("text", ["今天去驿站取快递 那小姑娘态度可好了 还帮俺把米扛到楼下 必须表扬一下",
                                  "楼下小卖部老板帮我代收快递好几年了 一分钱不收 想夸夸他"])
async def test_praise_for_someone_is_welcomed_not_turned_away_or_offered_as_a_request(resident, text):
    reply = await resident("wx-ma").send(ActionOutOfScope(), text, "out_of_scope")

    assert reply.texts == ["听到这样的暖心事真好😊 谢谢您跟我们分享！有需要随时找我。"]


@pytest.mark.parametrize("text", [
    "我想报名当志愿者 帮老人做养老金认证那种 要什么条件",
    "专业疏通下水道 马桶 地漏 24小时上门 价格公道 有需要加微信",  # an advertisement, not a blocked drain
    "养老金什么时候到账",  # a pension question, not the certification errand
    "我想学手机刷脸",
    "寄东西回老家 哪家快递便宜点",
])
async def test_words_of_a_request_that_ask_for_none_get_the_usual_answer(resident, text):
    reply = await resident("wx-ma").send(ActionOutOfScope(), text, "out_of_scope")

    assert reply.responses == ["utter_out_of_scope"]


@pytest.mark.parametrize("question", ["你们物业电话多少", "物业费怎么交"])
async def test_what_the_property_office_handles_gets_its_phone_number(resident, question):
    reply = await resident("wx-ma").send(ActionOutOfScope(), question, "out_of_scope")

    assert reply.texts[0].endswith("物业费、停车等事项请咨询物业服务中心，电话 0571-8888 6666。")


@pytest.mark.parametrize("action, text, answer", [
    (ActionOutOfScope, "物业费怎么交", "utter_out_of_scope"),
    (ActionOutOfScope, "楼上王老师的书法写得好", "utter_out_of_scope"),
    (ActionOutOfScope, "一楼的住户也要交电梯费吗", "utter_out_of_scope"),
    (ActionGreet, "你好", "utter_greet"),
])
async def test_without_a_fault_the_usual_answer(resident, action, text, answer):
    reply = await resident("wx-ma").send(action(), text, "out_of_scope", confidence=0.9)

    assert reply.responses == [answer]


@pytest.mark.parametrize("text, named", [("燃气灶打不着火", "/repair"), ("快递里少东西了 少了一袋米", "/parcel")])
async def test_a_request_the_model_is_unsure_of_has_its_kind_among_the_choices(resident, text, named):
    ranking = [("nlu_fallback", 0.55), ("rate_ticket", 0.39), ("affirm", 0.11)]  # as the model read it
    reply = await resident("wx-ma").send(ActionHandleFallback(), text, "nlu_fallback", confidence=0.55,
                                         ranking=ranking)

    assert [button["payload"] for button in reply.messages[0]["buttons"]] == [named, "/human_handoff"]


# -- a yes to the assistant's last question --------------------------------------------------
NO_QUESTION = "好的。请问有什么需要帮忙的？报修、邻里纠纷、快递、认证代办都可以直接说。"


@pytest.fixture
async def offered(resident):
    """wu reported a lost parcel that also named a leak; the repair was offered, not recorded."""
    wu = resident("wx-wu")
    *_, done = await wu.request("楼上漏水到我家了 另外快递也丢了", "parcel", ["3栋1单元301", ("确认", "affirm")])
    assert done.responses[-1] == "utter_offer_other_request"
    return wu


@pytest.mark.parametrize("said", ["好的", "要", "嗯 登记吧"])
async def test_yes_to_the_offered_request_starts_it_with_its_own_words(offered, services, said):
    reply = await offered.send(ActionAffirm(), said, "affirm", confidence=0.93)

    assert {"event": "followup", "name": "ticket_form", "timestamp": None} in reply.events
    assert (reply.slots["request_type"], reply.slots["description"], reply.slots["room"]) == (
        "repair", "楼上漏水到我家了", "301")
    asked = await offered.activate_form()
    assert asked.responses == ["utter_ask_visit_time"]  # the address is known from the first request
    await offered.answer("周六上午")
    await offered.answer("确认", "affirm")
    done = await offered.run(ActionSubmitTicket())

    assert done.responses[0] == "utter_ticket_created"
    repair = next(view for view in services.tickets.mine("wx-wu") if view.request_type == "repair")
    assert (repair.description, repair.location) == ("楼上漏水到我家了", "3栋1单元301")


async def test_the_yes_is_not_read_as_the_models_confidence_in_the_request(offered, services, ticket_row):
    await offered.send(ActionAffirm(), "好的", "affirm", confidence=0.93)
    await offered.activate_form()
    await offered.answer("周六上午")
    await offered.answer("确认", "affirm")
    await offered.run(ActionSubmitTicket())

    repair = next(view for view in services.tickets.mine("wx-wu") if view.request_type == "repair")
    assert ticket_row(repair.number).confidence is None


async def test_a_yes_after_the_conversation_moved_on_starts_nothing(offered, services):
    await offered.send(ActionThank(), "谢谢", "thank")

    reply = await offered.send(ActionAffirm(), "好的", "affirm")

    # acknowledged (the parcel ticket is open: how to follow it), and no request started
    assert reply.texts == ["好的😊 工单有进展会通知您，也可以随时发“查询工单”看进度。"] and "request_type" not in reply.slots
    assert [view.request_type for view in services.tickets.mine("wx-wu")] == ["parcel"]


async def test_yes_to_withdrawing_the_ticket_named_withdraws_it(resident, services):
    li = resident("wx-li")
    number = open_ticket(services, "wx-li")
    asked = await li.send(ActionCancelTicket(), "不用修了，撤销吧", "cancel_ticket")
    assert asked.responses == ["utter_cancel_confirm"]

    reply = await li.send(ActionAffirm(), "是的", "affirm")

    assert reply.texts == [f"已撤销工单 {number}，负责人会收到通知。"]
    assert services.tickets.get(number).status == "cancelled"


async def test_a_yes_to_nothing_asks_how_to_help(resident, services):
    reply = await resident("wx-li").send(ActionAffirm(), "好的", "affirm")

    assert reply.texts == [NO_QUESTION]
