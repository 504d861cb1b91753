"""退订提醒 / 订阅提醒: action_unsubscribe_reminders and action_subscribe_reminders turn the
resident's reception-day reminders off and on in the database, with a real Tracker,
CollectingDispatcher and the real domain.yml."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from actions.reminders import ActionSubscribeReminders, ActionUnsubscribeReminders
from bot.services.residents import ResidentService
from tests.conftest import ROOT

STOPPED = "好的，以后不再给您发接待日提醒了。想再收到时，回复“订阅提醒”就行。"
ALREADY_STOPPED = "您的接待日提醒已经关掉了，不会再打扰您。想再收到时，回复“订阅提醒”就行。"
STARTED = "好的，已为您恢复接待日提醒：接待日前一天晚上和当天早上会提醒您。回复“退订提醒”可随时取消。"
ALREADY_STARTED = "您的接待日提醒已经开着，接待日前一天晚上和当天早上都会提醒您😊"
SORRY = "系统开小差了，这次没能登记，非常抱歉🙏 请稍后再发一次；着急的话请直接拨打物业服务中心电话。"


async def unsubscribe(someone, text="退订提醒"):
    return await someone.send(ActionUnsubscribeReminders(), text, "unsubscribe_reminders")


async def subscribe(someone, text="订阅提醒"):
    return await someone.send(ActionSubscribeReminders(), text, "subscribe_reminders")


async def test_opting_out_turns_the_residents_reminders_off(resident, services, bound):
    bound("wx-zhang", "3", "2", "502")
    assert services.residents.reminders_enabled("wx-zhang")

    reply = await unsubscribe(resident("wx-zhang"), "别再给我发接待日提醒了")

    assert reply.texts == [STOPPED]
    assert reply.events == []
    assert not services.residents.reminders_enabled("wx-zhang")


async def test_a_resident_never_seen_before_can_opt_out(resident, services):
    reply = await unsubscribe(resident("wx-new"), "TD")

    assert reply.texts == [STOPPED]
    assert not services.residents.reminders_enabled("wx-new")
    assert not services.residents.profile("wx-new").bound  # opting out binds no household


async def test_opting_out_twice_says_they_are_already_off(resident, services):
    someone = resident("wx-zhang")
    await unsubscribe(someone)

    reply = await unsubscribe(someone, "提醒太多了关掉吧")

    assert reply.texts == [ALREADY_STOPPED]
    assert not services.residents.reminders_enabled("wx-zhang")


async def test_opting_in_after_opting_out_turns_them_on_again(resident, services):
    someone = resident("wx-zhang")
    await unsubscribe(someone)

    reply = await subscribe(someone, "我还是想收到接待日提醒")

    assert reply.texts == [STARTED]
    assert reply.events == []
    assert services.residents.reminders_enabled("wx-zhang")


async def test_opting_in_when_they_are_on_says_so(resident, services, bound):
    bound("wx-zhang", "3", "2", "502")

    reply = await subscribe(resident("wx-zhang"), "接待日记得提醒我")

    assert reply.texts == [ALREADY_STARTED]
    assert services.residents.reminders_enabled("wx-zhang")


async def test_one_residents_choice_leaves_the_neighbours_alone(resident, services, bound):
    bound("wx-zhang", "3", "2", "502")
    bound("wx-li", "3", "2", "502")  # the same household, another person's WeChat

    await unsubscribe(resident("wx-zhang"))

    assert not services.residents.reminders_enabled("wx-zhang")
    assert services.residents.reminders_enabled("wx-li")


@pytest.mark.parametrize("action, text, intent, enabled", [
    (ActionUnsubscribeReminders, "退订提醒", "unsubscribe_reminders", True),
    (ActionSubscribeReminders, "订阅提醒", "subscribe_reminders", False),
])
async def test_a_failing_database_gets_an_apology_and_changes_nothing(resident, services, monkeypatch, action, text,
                                                                      intent, enabled):
    services.residents.set_reminders("wx-zhang", enabled)

    def broken(*args, **kwargs):
        raise RuntimeError("database is locked")

    monkeypatch.setattr(ResidentService, "set_reminders", broken)

    reply = await resident("wx-zhang").send(action(), text, intent)

    assert reply.texts == [SORRY]
    assert reply.events == []
    assert services.residents.reminders_enabled("wx-zhang") is enabled


def test_the_action_server_finds_both_actions_and_the_domain_declares_them(domain):
    """What `python -m rasa_sdk --actions actions` registers, in a fresh process (in this one,
    the tests' own Action subclasses would be registered too)."""
    script = ("import json; from rasa_sdk.executor import ActionExecutor; e = ActionExecutor(); "
              "e.register_package('actions'); print(json.dumps(sorted(e.actions)))")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    registered = json.loads(result.stdout.strip().splitlines()[-1])

    for action in (ActionUnsubscribeReminders(), ActionSubscribeReminders()):
        assert action.name() in registered
        assert action.name() in domain["actions"]
