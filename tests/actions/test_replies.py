"""Thanks and out-of-scope messages: their usual answers, and the rating of a resolved ticket when
the resident judges it in those words (the model reads 挺好的 谢谢王姐 as out of scope)."""

from __future__ import annotations

import pytest

from actions.household import ActionUpdateHousehold
from actions.replies import ActionOutOfScope, ActionThank
from bot.services.tickets import NewRequest
from bot.tickets.lifecycle import Status

WELCOME = "不客气，这是我们应该做的😊"


def test_the_actions_are_declared_in_the_domain(domain):
    assert {ActionThank().name(), ActionOutOfScope().name()} <= set(domain["actions"])


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
