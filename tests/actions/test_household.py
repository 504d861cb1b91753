"""action_update_household: an address given outside a request binds the resident to their
household, changes it, or completes an emergency reported before they said where."""

from __future__ import annotations

import pytest

from actions.fallback import ActionHandleFallback
from actions.household import ActionUpdateHousehold
from actions.replies import ActionOutOfScope
from actions.tickets import ActionStartTicket
from bot.tickets.lifecycle import Status


def test_the_action_is_declared_in_the_domain(domain):
    assert ActionUpdateHousehold().name() in domain["actions"]


def where(services, openid):
    profile = services.residents.profile(openid)
    return profile.building, profile.unit, profile.room


async def test_a_first_address_is_remembered(resident, services):
    reply = await resident("wx-zhou").send(ActionUpdateHousehold(), "我家是5栋1单元602")

    assert reply.texts == ["已记住您的住址：5栋1单元602。以后报事不用再说，搬家了直接告诉我新地址就行。"]
    assert reply.events == []
    assert where(services, "wx-zhou") == ("5", "1", "602")
    assert services.residents.profile("wx-zhou").tags == {"elderly_alone", "party_member"}


async def test_a_relatives_address_is_not_taken_for_the_residents_own(resident, services):
    reply = await resident("wx-zhou").send(ActionUpdateHousehold(), "我妈住5栋1单元602")

    assert reply.texts == ["好的，5栋1单元602是家人或邻居的住址，我就不记成您家了。要为那里报修、代办认证，"
                           "直接说说情况和地址就行，比如“我妈家马桶堵了 她住5栋1单元602”。"]
    assert not services.residents.profile("wx-zhou").bound


@pytest.mark.parametrize("message, ranking", [
    ("1栋1单元502阳台下水道堵了", [("inform", 0.63), ("repair", 0.35)]),  # the shipped model at 79a0a42
    ("1栋1单元502 阳台的晾衣架掉下来了", [("inform", 0.7), ("repair", 0.25)]),  # likely, named by no word
])
async def test_an_address_with_a_problem_read_as_an_address_starts_the_request_there(resident, message, ranking):
    li = resident("wx-li")
    started = await li.send(ActionUpdateHousehold(), message, "inform", confidence=ranking[0][1],
                            ranking=ranking)

    assert "utter_household_remembered" not in started.responses  # not only the address kept
    assert (li.slots["request_type"], li.slots["description"]) == ("repair", message)
    asked = await li.activate_form()
    assert asked.texts[0].startswith("师傅什么时间上门方便")  # the address is known: the next question


async def test_words_about_a_new_address_only_change_the_address(resident, services):
    moved = await resident("wx-zhou").send(ActionUpdateHousehold(), "我搬家了 新地址是3栋2单元502", "inform",
                                           ranking=[("inform", 0.95), ("repair", 0.03)])

    assert moved.texts == ["已记住您的住址：3栋2单元502。以后报事不用再说，搬家了直接告诉我新地址就行。"]
    assert moved.events == []


async def test_a_different_address_changes_it_and_the_same_one_is_recognised(resident, services):
    zhou = resident("wx-zhou")
    await zhou.send(ActionUpdateHousehold(), "我家是5栋1单元602")

    moved = await zhou.send(ActionUpdateHousehold(), "搬到3栋2单元502了")
    same = await zhou.send(ActionUpdateHousehold(), "3栋2单元502")

    assert moved.texts == ["好的，住址已从5栋1单元602改为3栋2单元502。"]
    assert same.texts == ["您登记的住址就是3栋2单元502，不用改😊 请问遇到了什么事情？"]
    assert where(services, "wx-zhou") == ("3", "2", "502")


@pytest.mark.parametrize("message, answer", [
    ("99栋1单元101", "咱们小区没有99栋（有1–3、5、6、17–19栋），请核对一下楼号再发给我🙏"),
    ("3栋2单元902", "3栋没有902这个门牌号（3栋6层、每层4户，101到604），请核对一下再发给我🙏"),
    ("5栋3单元101", "5栋没有3单元（只有1、2单元），请核对一下再发给我🙏"),
])
async def test_an_address_not_in_the_compound_is_refused_and_nothing_stored(resident, services, message,
                                                                             answer):
    reply = await resident("wx-zhou").send(ActionUpdateHousehold(), message)

    assert reply.texts == [answer]
    assert not services.residents.profile("wx-zhou").bound


async def test_an_address_without_a_room_asks_for_it(resident, services):
    reply = await resident("wx-zhou").send(ActionUpdateHousehold(), "我住3栋")

    assert reply.texts == ["还差门牌号，请补充一下，比如“3栋2单元502”。"]
    assert not services.residents.profile("wx-zhou").bound


async def test_a_one_unit_building_needs_no_unit(resident, services):
    reply = await resident("wx-zhou").send(ActionUpdateHousehold(), "17栋1203")

    assert reply.texts == ["已记住您的住址：17栋1单元1203。以后报事不用再说，搬家了直接告诉我新地址就行。"]


async def test_a_unit_named_in_a_one_unit_building_is_taken_as_its_only_unit(resident, services):
    reply = await resident("wx-zhou").send(ActionUpdateHousehold(), "我家是17栋2单元1203")

    assert reply.texts == ["17栋只有1个单元，没有2单元，先按17栋1单元1203给您记下了，不对的话直接把正确的地址发给我。",
                           "已记住您的住址：17栋1单元1203。以后报事不用再说，搬家了直接告诉我新地址就行。"]
    assert where(services, "wx-zhou") == ("17", "1", "1203")


async def test_a_phone_given_with_the_address_is_kept(resident, services):
    await resident("wx-zhou").send(ActionUpdateHousehold(), "3栋2单元502，电话138-1234-5678")

    assert services.residents.profile("wx-zhou").phone == "13812345678"


async def test_an_address_without_the_unit_asks_for_it(resident):
    reply = await resident("wx-zhou").send(ActionUpdateHousehold(), "我住3栋502")

    assert reply.texts == ["还差单元号，请补充一下，比如“3栋2单元502”。"]


async def test_a_bound_resident_giving_only_a_phone_is_not_asked_for_an_address(resident, bound, services):
    bound("wx-zhou", "3", "2", "502")

    reply = await resident("wx-zhou").send(ActionUpdateHousehold(), "我电话13812345678")

    assert services.residents.profile("wx-zhou").phone == "13812345678"
    assert "utter_address_incomplete" not in reply.responses


# -- an emergency reported before the resident said where -----------------------------------
async def test_the_address_given_after_an_emergency_completes_its_ticket(resident, services, outbox):
    zhou = resident("wx-zhou")
    urgent = await zhou.send(ActionStartTicket(), "厨房燃气味很大", "repair")
    assert urgent.responses == [
        "utter_safety_gas", "utter_emergency_ticket_manager", "utter_emergency_no_address"]
    assert urgent.say("utter_emergency_no_address") == (
        "我还不知道您的具体地址，请马上回复楼栋和门牌号，或直接拨打物业电话 0571-8888 6666。")
    number = urgent.slots["emergency_ticket"]

    reply = await zhou.send(ActionUpdateHousehold(), "3栋2单元502")

    assert reply.texts == [f"已把地址3栋2单元502补充到紧急工单 {number}，负责人马上就到。",
                           "已记住您的住址：3栋2单元502。以后报事不用再说，搬家了直接告诉我新地址就行。"]
    view = services.tickets.get(number)
    assert view.location == "3栋2单元502"
    assert [event.reason for event in services.tickets.events(number)[-2:]] == [
        "补充地址：3栋2单元502", "补充了地址，转给3栋的负责人"]
    # It went to the duty manager for want of a place; now it is the building's butler's to work …
    assert (view.status, view.assignee_name, view.assignee_role) == ("transferred", "王秀英", "butler")
    # … and the duty manager and the butler are alerted with the place.
    alerts = {(to, kind, is_urgent) for to, kind, is_urgent, text in outbox()[-2:] if "3栋2单元502" in text}
    assert alerts == {("zhao", "emergency_alert", True), ("wang", "emergency_alert", True)}


async def test_an_emergency_the_duty_manager_took_on_stays_theirs_when_it_is_placed(resident, services):
    zhou = resident("wx-zhou")
    number = (await zhou.send(ActionStartTicket(), "厨房燃气味很大", "repair")).slots["emergency_ticket"]
    services.tickets.step(number, Status.ACCEPTED, staff_code="zhao")

    await zhou.send(ActionUpdateHousehold(), "3栋2单元502")

    view = services.tickets.get(number)
    assert (view.location, view.status, view.assignee_name) == ("3栋2单元502", "accepted", "赵志刚")


async def test_the_unit_given_after_a_lift_emergency_completes_its_ticket(resident, services, outbox):
    """A lift needs no room number: 还差门牌号 would be the wrong answer to someone trapped."""
    zhou = resident("wx-zhou")
    urgent = await zhou.send(ActionStartTicket(), "电梯困人了 快来人 3栋", "repair", entities=[("facility", "电梯")])
    number = urgent.slots["emergency_ticket"]

    reply = await zhou.send(ActionUpdateHousehold(), "有人在里面 3栋2单元")

    assert reply.texts == [f"已把地址3栋2单元补充到紧急工单 {number}，负责人马上就到。"]
    assert services.tickets.get(number).location == "3栋2单元"
    assert any("3栋2单元" in text for to, kind, _, text in outbox() if kind == "emergency_alert")


async def test_a_neighbour_who_joined_a_lift_emergency_can_say_which_unit(resident, services, outbox):
    first = await resident("wx-zhou").send(ActionStartTicket(), "电梯困人了 3栋", "repair", entities=[("facility", "电梯")])
    number = first.slots["emergency_ticket"]
    wu = resident("wx-wu")
    joined = await wu.send(ActionStartTicket(), "3栋电梯里关着人 快来", "repair", entities=[("facility", "电梯")])
    assert joined.slots["emergency_ticket"] == number  # one lift, one ticket

    reply = await wu.send(ActionUpdateHousehold(), "在2单元 3栋2单元")

    assert reply.texts == [f"已把地址3栋2单元补充到紧急工单 {number}，负责人马上就到。"]
    assert services.tickets.get(number).location == "3栋2单元"
    assert services.tickets.events(number)[-1].actor == "resident:wx-wu"


async def test_a_unit_without_a_room_completes_no_flat_emergency(resident, services):
    zhou = resident("wx-zhou")
    urgent = await zhou.send(ActionStartTicket(), "厨房燃气味很大", "repair")

    reply = await zhou.send(ActionUpdateHousehold(), "3栋2单元")

    assert reply.responses == ["utter_address_incomplete"]  # a gas leak is in a flat: its number is needed
    assert services.tickets.get(urgent.slots["emergency_ticket"]).location == "地址未知"


async def test_an_emergency_long_past_is_not_completed(resident, services, clock):
    zhou = resident("wx-zhou")
    number = (await zhou.send(ActionStartTicket(), "燃气味很大", "repair")).slots["emergency_ticket"]
    clock.advance(hours=2)

    reply = await zhou.send(ActionUpdateHousehold(), "3栋2单元502")

    assert reply.responses == ["utter_household_remembered"]
    assert services.tickets.get(number).location == "地址未知"


# -- who the butler is ---------------------------------------------------------------------------
@pytest.mark.parametrize("action, message, intent", [
    (ActionOutOfScope(), "我们楼的楼栋长是谁", "out_of_scope"),  # the shipped model's readings
    (ActionHandleFallback(), "网格员是哪位", "nlu_fallback"),
])
async def test_who_the_butler_is_names_the_household_s_butler(resident, bound, action, message, intent):
    bound("wx-zhang", "3", "2", "502")

    reply = await resident("wx-zhang").send(action, message, intent, confidence=0.9)

    assert reply.texts == ["好的，您3栋的红管家是王秀英，电话 13800001001，可以直接打给王秀英。有什么事也可以发给我，我帮您登记，"
                           "王秀英会收到。"]


async def test_the_butler_of_a_building_named_is_given_to_anyone(resident):
    reply = await resident("wx-new").send(ActionUpdateHousehold(), "17栋的楼长是谁啊", "inform", confidence=0.95)

    assert reply.texts == ["17栋的红管家是金国强，电话 13800001004。有什么事也可以发给我，我帮您登记，金国强会收到。"]


async def test_who_the_butler_is_with_no_address_known_gives_the_property_phone_and_asks_it(resident):
    reply = await resident("wx-new").send(ActionOutOfScope(), "怎么联系我们楼的红管家", "out_of_scope", confidence=1.0)

    assert reply.responses == ["utter_human_handoff"]
