"""action_handle_fallback keeps a message the model was unsure about for the admins and offers
the likeliest requests; action_human_handoff passes it to the resident's butler."""

from __future__ import annotations

import json

import pytest

from actions.fallback import ActionHandleFallback, ActionHumanHandoff
from actions.household import ActionUpdateHousehold
from actions.replies import ActionAffirm, ActionDeny, ActionGreet, ActionOutOfScope, ActionThank
from actions.tickets import ActionRateTicket, ActionStartTicket
from bot.services.tickets import NewRequest
from bot.tickets.lifecycle import Status

UNSURE = "家里那个东西又不行了"
RANKING = [("nlu_fallback", 0.55), ("repair", 0.41), ("parcel", 0.22), ("greet", 0.12),
           ("noise_dispute", 0.04)]
HANDOFF_BUTTON = {"title": "都不是，转给红管家", "payload": "/human_handoff"}


def test_the_actions_are_declared_in_the_domain(domain):
    assert ActionHandleFallback().name() in domain["actions"]
    assert ActionHumanHandoff().name() in domain["actions"]


async def not_understood(someone, text=UNSURE, ranking=RANKING):
    return await someone.send(ActionHandleFallback(), text, "nlu_fallback", confidence=0.55, ranking=ranking)


async def test_an_unsure_message_is_kept_and_the_likeliest_requests_offered(resident, services):
    reply = await not_understood(resident("wx-ma"))

    [message] = reply.messages
    assert reply.texts == ["不好意思，我不太确定您的意思，您是想："]
    assert message["buttons"] == [{"title": "报修", "payload": "/repair"},
                                  {"title": "快递问题", "payload": "/parcel"}, HANDOFF_BUTTON]
    [row] = services.review.pending()
    assert (row.sender, row.text, row.top_intent, row.confidence, row.model_id, row.status) == (
        "wx-ma", UNSURE, "repair", 0.41, "m-1", "pending")
    assert json.loads(row.ranking) == [{"name": name, "confidence": confidence}
                                       for name, confidence in RANKING[1:]]
    assert reply.slots == {"pending_text": UNSURE, "pending_review": float(row.id)}


async def test_taking_back_a_request_the_model_was_unsure_of_asks_to_withdraw_it(resident, services):
    number = services.tickets.submit(NewRequest(openid="wx-ma", request_type="parcel", description="快递显示签收了没收到",
                                                building="3", unit="1", room="301")).number

    reply = await not_understood(resident("wx-ma"), "算了不要了 快递找到了",
                                 [("nlu_fallback", 0.55), ("cancel_ticket", 0.45), ("deny", 0.44)])

    assert reply.texts == [f"您要撤销{number}（快递问题）吗？撤销后负责人就不来了。确认撤销请回复“是”。"]
    assert services.tickets.get(number).status == "assigned"
    assert [row.text for row in services.review.pending()] == ["算了不要了 快递找到了"]  # still kept for the admins


async def test_not_wanting_the_mediation_just_asked_for_asks_to_withdraw_it(resident, services):
    # Right after the ticket, a message not understood is offered as more about it; this one takes
    # the request back, and used to be offered as a detail (这句要补充到您刚登记的工单…里吗).
    number = services.tickets.submit(NewRequest(openid="wx-ma", request_type="noise_dispute",
                                                description="楼上天天半夜拖椅子", building="2", unit="1",
                                                room="302")).number

    reply = await not_understood(resident("wx-ma"), "算了 我不想调解了",
                                 [("nlu_fallback", 0.55), ("cancel_ticket", 0.52), ("deny", 0.3)])

    assert reply.texts == [f"您要撤销{number}（邻里调解）吗？撤销后负责人就不来了。确认撤销请回复“是”。"]
    assert services.tickets.get(number).status == "assigned"


async def test_taking_back_with_nothing_open_offers_the_choices(resident):
    reply = await not_understood(resident("wx-ma"), "算了不要了 快递找到了",
                                 [("nlu_fallback", 0.55), ("cancel_ticket", 0.45), ("parcel", 0.3)])

    assert reply.messages[0]["buttons"] == [{"title": "快递问题", "payload": "/parcel"}, HANDOFF_BUTTON]


async def test_only_likely_requests_become_choices_and_with_none_it_asks_to_say_it_again(resident, services):
    reply = await not_understood(resident("wx-ma"), "今天天气怎么样啊",
                                 [("nlu_fallback", 0.55), ("greet", 0.5), ("parcel", 0.04)])

    # It said 您是想： with 都不是，转给红管家 alone.
    assert reply.texts == ["不好意思，我没太看明白😅 可以换个说法再说一次，比如“厨房水管漏水”“查询工单”；也可以点下面的按钮，"
                           "把这句话转给红管家。"]
    assert reply.messages[0]["buttons"] == [{"title": "转给红管家", "payload": "/human_handoff"}]
    assert [row.text for row in services.review.pending()] == ["今天天气怎么样啊"]  # kept for the admins


@pytest.mark.parametrize("text, ranking, offered", [
    # a leak from upstairs offered 报修 and 快递问题: nothing in it is about a parcel
    ("我家楼上漏水到我家了 上面是502", [("repair", 0.33), ("parcel", 0.2)], ["/repair"]),
    ("我家楼上漏水到我家了 上面是502", [("repair", 0.33), ("noise_dispute", 0.2)], ["/repair", "/noise_dispute"]),
    ("快递柜那个门坏了", [("greet", 0.3), ("pension_certification", 0.2)], ["/repair", "/parcel"]),
    (UNSURE, RANKING[1:], ["/repair", "/parcel"]),  # no kind's words: the model's choices
])
async def test_the_choices_offered_are_the_kinds_the_words_are_about(resident, text, ranking, offered):
    reply = await not_understood(resident("wx-ma"), text, [("nlu_fallback", 0.55), *ranking])

    assert [button["payload"] for button in reply.messages[0]["buttons"]] == [*offered, "/human_handoff"]


@pytest.mark.parametrize("text", ["👍👍", "？？", "🙏 。"])
async def test_emoji_or_punctuation_only_gets_the_default_answer_and_is_not_kept(resident, services, text):
    reply = await not_understood(resident("wx-ma"), text)

    assert reply.responses == ["utter_default"]
    assert reply.events == []
    assert services.review.pending() == []


async def test_a_very_long_message_is_not_kept(resident, services):
    reply = await not_understood(resident("wx-ma"), "水" * 2001)

    assert reply.texts == ["您发的内容太长了，请用一两句话说说主要问题（500字以内）。"]
    assert services.review.pending() == []


async def test_none_of_these_hands_the_words_to_the_residents_butler(resident, bound, services, outbox):
    bound("wx-ma", "3", "2", "502")
    ma = resident("wx-ma")
    await not_understood(ma)

    reply = await ma.send(ActionHumanHandoff(), "/human_handoff", "human_handoff", confidence=1.0)

    assert reply.texts == ["好的，已把您的话转给王秀英，会尽快联系您。"]
    assert reply.slots == {"pending_text": None, "pending_review": None}
    assert [row.status for row in services.review.pending()] == ["handed_to_butler"]
    assert outbox() == [("wang", "handed_to_butler", False,
                         f"居民（3栋2单元502）的留言助手没看懂，请您联系：{UNSURE}")]


WHO_ANSWERS = ("我是小区的红管家智能助手🤖，24小时在线。报修、邻里纠纷调解、快递问题、养老金认证代办，直接跟我说就行，"
               "我登记好马上交给工作人员。想找真人，回复“转人工”。")


@pytest.mark.parametrize("action, text, intent", [
    (ActionHumanHandoff, "你们是机器人吗", "human_handoff"),  # how the shipped model reads them
    (ActionOutOfScope, "你是机器人吗", "out_of_scope"),
    (ActionOutOfScope, "你到底是真人还是程序啊 回得这么快", "out_of_scope"),
])
async def test_asked_whether_a_person_answers_the_assistant_says_what_it_is(resident, bound, action, text,
                                                                          intent):
    bound("wx-ma", "3", "2", "502")

    reply = await resident("wx-ma").send(action(), text, intent)

    assert reply.texts == [WHO_ANSWERS]  # not 好的，您3栋的红管家是…, nor 这个问题我暂时帮不上忙


@pytest.mark.parametrize("text", ["机器人听不懂 换个人来", "这个是机器人吧 我要人工"])
async def test_asking_for_a_person_still_names_the_butler(resident, bound, text):
    bound("wx-ma", "3", "2", "502")

    reply = await resident("wx-ma").send(ActionHumanHandoff(), text, "human_handoff")

    assert reply.texts[0].startswith("好的，您3栋的红管家是王秀英，电话 13800001001")


@pytest.mark.parametrize("household", [None, ("19", "1", "201")],
                         ids=["not bound", "building without butler"])
async def test_without_a_butler_the_duty_manager_gets_it(resident, bound, outbox, household):
    if household:
        bound("wx-ma", *household)
    ma = resident("wx-ma")
    await not_understood(ma)

    reply = await ma.send(ActionHumanHandoff(), "/human_handoff", "human_handoff")

    assert reply.texts == ["好的，已把您的话转给赵志刚，会尽快联系您。"]
    [(to, kind, _, text)] = outbox()
    assert (to, kind) == ("zhao", "handed_to_butler")
    assert text.startswith("居民（19栋1单元201）" if household else "居民（住址未登记）")


async def test_a_handoff_with_nothing_pending_gives_the_residents_butler_to_call(resident, bound, outbox):
    bound("wx-ma", "3", "2", "502")

    reply = await resident("wx-ma").send(ActionHumanHandoff(), "给我管家电话", "human_handoff")

    assert reply.texts == ["好的，您3栋的红管家是王秀英，电话 13800001001，可以直接打给王秀英。"
                           "有什么事也可以发给我，我帮您登记，王秀英会收到。"]
    assert reply.events == [] and outbox() == []


@pytest.mark.parametrize("household", [None, ("19", "1", "201")],
                         ids=["not bound", "building without butler"])
async def test_a_handoff_without_a_butler_to_name_gives_the_property_phone(resident, bound, outbox,
                                                                           household):
    if household:
        bound("wx-ma", *household)
    ma = resident("wx-ma")

    reply = await ma.send(ActionHumanHandoff(), "转人工", "human_handoff")

    assert reply.texts == ["好的，您可以打物业服务中心电话 0571-8888 6666，或到小区党群服务中心找工作人员。"
                           "告诉我您家住址（比如“3栋2单元502”），以后我就能把楼栋红管家的电话给您。"]
    assert reply.events == [] and outbox() == []
    if household is None:  # the address given next: remembered, and the butler named
        told = await ma.send(ActionUpdateHousehold(), "5栋1单元402", "inform")
        assert told.responses == ["utter_household_remembered", "utter_human_handoff_butler"]
        assert told.texts[-1].startswith("好的，您5栋的红管家是陈美玲，电话 13800001003")


async def test_a_pending_message_that_no_longer_exists_gets_the_property_phone(resident):
    ma = resident("wx-ma")
    ma.slots["pending_review"] = 999.0

    reply = await ma.send(ActionHumanHandoff(), "/human_handoff", "human_handoff")

    assert reply.texts == ["好的，已记下您的话，工作人员会查看。着急的话请拨打物业电话 0571-8888 6666。"]


# -- a bare score, as the rating request asks for -------------------------------------------
SCORE_RANKING = [("nlu_fallback", 0.55), ("rate_ticket", 0.51), ("inform", 0.33)]  # what the model gives "5"


def _resolved(services, openid):
    number = services.tickets.submit(NewRequest(openid=openid, request_type="repair", description="厨房水管漏水",
                                                building="3", unit="1", room="301")).number
    services.tickets.step(number, Status.ACCEPTED, staff_code="wang")
    services.tickets.step(number, Status.RESOLVED, staff_code="wang")
    return number


@pytest.mark.parametrize("text, score", [("5", 5), ("５", 5), ("四", 4), ("⭐⭐⭐", 3), ("5分！", 5)])
async def test_a_bare_score_rates_the_ticket_that_waits_for_one(resident, services, text, score):
    """"请回复1–5给这次服务打分" → "5": the model cannot read a lone digit, the conversation can."""
    number = _resolved(services, "wx-ma")

    reply = await not_understood(resident("wx-ma"), text, SCORE_RANKING)

    assert reply.texts == [f"谢谢您给{number}打了{score}分！这张工单已完成，有事随时找我😊"]
    assert services.tickets.get(number).status == "closed"
    assert services.review.pending() == []


async def test_a_bare_low_score_reopens_the_ticket(resident, services):
    number = _resolved(services, "wx-ma")

    reply = await not_understood(resident("wx-ma"), "1", SCORE_RANKING)

    assert reply.texts == [f"很抱歉没让您满意，{number}已重新打开，王秀英会再来跟进。"]
    assert services.tickets.get(number).status == "reopened"


async def test_a_bare_digit_with_nothing_to_rate_is_not_taken_for_a_score(resident, services):
    reply = await not_understood(resident("wx-ma"), "5", SCORE_RANKING)

    assert reply.responses == ["utter_default"]


async def test_a_bare_digit_in_the_middle_of_a_request_rates_nothing(resident, services):
    number = _resolved(services, "wx-ma")
    someone = resident("wx-ma")
    someone.form_active = True  # e.g. 要改哪一项？回复：1 住址 2 情况

    await not_understood(someone, "2", SCORE_RANKING)

    assert services.tickets.get(number).status == "resolved"


# -- a choice typed instead of tapped ----------------------------------------------------------
@pytest.mark.parametrize("typed, intent, kind", [
    ("第二个", "nlu_fallback", "parcel"),  # by place: 报修 / 快递问题 / 都不是
    ("1", "nlu_fallback", "repair"),
    ("快递", "parcel", "parcel"),  # by name
])
async def test_a_choice_typed_instead_of_tapped_starts_that_request_with_the_words(resident, services, typed,
                                                                                 intent, kind):
    ma = resident("wx-ma")
    await not_understood(ma)

    if intent == "nlu_fallback":  # the model has nothing to go on in 第二个: the fallback passes it on
        passed = await ma.send(ActionHandleFallback(), typed, intent, confidence=0.4)
        assert passed.events == [{"event": "followup", "name": "action_affirm", "timestamp": None}]
        started = await ma.run(ActionAffirm())
    else:
        started = await ma.send(ActionStartTicket(), typed, intent)

    assert (started.slots["request_type"], started.slots["description"]) == (kind, UNSURE)
    [row] = services.review.pending()  # the admins see what the resident chose
    assert (row.text, row.label) == (UNSURE, kind)


@pytest.mark.parametrize("action, typed, intent", [
    (ActionOutOfScope, "第一个", "out_of_scope"),  # how three trainings of the same data read 第一个
    (ActionRateTicket, "1", "rate_ticket"),
    (ActionThank, "第一个", "thank"),
    (ActionGreet, "第一个", "greet"),
    (ActionDeny, "第二个", "deny"),
])
async def test_a_choice_typed_to_the_buttons_is_the_tap_whatever_the_model_read_it_as(resident, action, typed,
                                                                                    intent):
    ma = resident("wx-ma")
    await not_understood(ma)  # 报修 / 快递问题 / 都不是

    passed = await ma.send(action(), typed, intent)

    assert passed.responses == []
    assert passed.events == [{"event": "followup", "name": "action_affirm", "timestamp": None}]
    started = await ma.run(ActionAffirm())
    assert (started.slots["request_type"], started.slots["description"]) == (
        "parcel" if typed == "第二个" else "repair", UNSURE)


async def test_an_address_sent_to_the_choices_is_remembered_and_the_choices_offered_again(resident, services):
    # The resident answers 您是想：报修 / 快递问题 with where they live. The address used to be kept
    # and the request dropped: 确认 then got 请问有什么需要帮忙的.
    ma = resident("wx-ma")
    unsure = "我家楼上漏水到我家了 上面是502"
    await not_understood(ma, unsure, [("nlu_fallback", 0.55), ("repair", 0.33), ("parcel", 0.2)])

    placed = await ma.send(ActionUpdateHousehold(), "5栋1单元402", "inform")

    assert placed.texts == ["已记住您的住址：5栋1单元402。以后报事不用再说，搬家了直接告诉我新地址就行。",
                            f"刚才您说的“{unsure}”还没登记。您是想："]
    assert [button["payload"] for button in placed.messages[1]["buttons"]] == ["/repair", "/human_handoff"]
    chosen = await ma.send(ActionOutOfScope(), "第一个", "out_of_scope")
    assert chosen.events == [{"event": "followup", "name": "action_affirm", "timestamp": None}]
    started = await ma.run(ActionAffirm())
    assert (started.slots["request_type"], started.slots["description"]) == ("repair", unsure)
    assert (started.slots["building"], started.slots["unit"], started.slots["room"]) == ("5", "1", "402")


async def test_yes_to_a_single_choice_takes_it_but_not_to_several(resident):
    one, two = resident("wx-ma"), resident("wx-li")
    await not_understood(one, "燃气灶打不着火", [("nlu_fallback", 0.55), ("rate_ticket", 0.39)])
    await not_understood(two)

    taken = await one.send(ActionAffirm(), "是的", "affirm")
    unsure = await two.send(ActionAffirm(), "是的", "affirm")

    assert (taken.slots["request_type"], taken.slots["description"]) == ("repair", "燃气灶打不着火")
    assert unsure.slots.get("request_type") is None  # 报修 or 快递问题? not guessed, but asked
    assert unsure.texts == ["请点一下上面的选项，或者回复“第一个”“第二个”，告诉我是哪一件。"]
    assert [button["payload"] for button in unsure.messages[0]["buttons"]] == [
        "/repair", "/parcel", "/human_handoff"]  # the choices again
    chosen = await two.send(ActionHandleFallback(), "第二个", "nlu_fallback", confidence=0.4)
    assert chosen.events == [{"event": "followup", "name": "action_affirm", "timestamp": None}]
    started = await two.run(ActionAffirm())
    assert (started.slots["request_type"], started.slots["description"]) == ("parcel", UNSURE)
