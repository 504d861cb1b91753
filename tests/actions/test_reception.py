"""action_reception_day answers from the compound's reception days in the database (RECEPTION_DAYS
when the compound has none), with a real Tracker, CollectingDispatcher and the real domain.yml."""

from datetime import date

import pytest
import yaml
from sqlalchemy import select

from actions.fallback import ActionHandleFallback
from actions.reception import ActionReceptionDay
from actions.replies import ActionOutOfScope
from actions.tickets import ActionCheckTicket
from bot import compounds, settings
from bot.commands import DEMO
from bot.db.engine import transaction
from bot.db.models import Compound
from tests.actions.conftest import open_ticket


@pytest.fixture
def edited_demo(services):
    """edited_demo(reception_days=[3, 13, 23]) reloads the demo compound with keys changed."""

    def change(**keys):
        data = {**yaml.safe_load(DEMO.read_text(encoding="utf-8")), **keys}
        with transaction(services.factory) as session:
            compounds.load_data(session, data, source="edited demo")

    return change


@pytest.fixture
def reception_days(edited_demo):
    """reception_days([3, 13, 23]) reloads the demo compound with other reception days."""
    return lambda days: edited_demo(reception_days=days)


@pytest.fixture
def fallback_days(monkeypatch):
    """RECEPTION_DAYS, used only when the compound has no reception days of its own."""

    def use(days):
        monkeypatch.setenv("RECEPTION_DAYS", days)
        settings.get.cache_clear()

    yield use
    settings.get.cache_clear()


@pytest.fixture
def ask(resident, clock):
    """ask(date(2026, 12, 3)) asks on that day, at 10:00 in the compound (Asia/Shanghai)."""

    async def on(today, text="接待日是哪天"):
        clock.now = clock.now.replace(year=today.year, month=today.month, day=today.day)
        return await resident("resident-1").send(ActionReceptionDay(), text, "ask_reception_day", confidence=0.98)

    return on


async def test_answers_with_the_next_two_reception_days(ask):
    reply = await ask(date(2026, 11, 21))

    assert reply.events == []
    assert reply.texts == [
        "业主接待日是每月3日和15日。下一次是12月3日（周四）9:00–11:30，在党群服务站（3号楼一层），再下一次是12月15日（周二）。"
        "有什么问题可以当面反映，能解决的现场解决。"]


async def test_after_the_last_one_of_the_year_the_next_are_in_january(ask):
    reply = await ask(date(2026, 12, 20))

    assert "下一次是1月3日（周日）9:00–11:30，在党群服务站（3号楼一层），再下一次是1月15日（周五）" in reply.texts[0]


async def test_a_day_the_month_does_not_have_is_skipped(ask, reception_days):
    reception_days([15, 31])

    reply = await ask(date(2026, 11, 21))  # November has no 31st

    assert "每月15日和31日。下一次是12月15日（周二）9:00–11:30，在党群服务站（3号楼一层），再下一次是12月31日（周四）" in reply.texts[0]


@pytest.mark.parametrize("text, past", [("这个月15号有接待吗", True), ("本月三号接待吗", True),
                                        ("这个月28号有接待吗", False),  # not a reception day
                                        ("15号有接待吗", False)])  # the next 15th, maybe
async def test_a_reception_day_of_this_month_already_past_is_said_to_be(ask, text, past):
    reply = await ask(date(2026, 11, 21), text)

    day = "15" if "15" in text else "3"
    assert (reply.texts[0] == f"本月{day}日的接待日已经过了。") is past
    assert reply.texts[-1].startswith("业主接待日是每月3日和15日。下一次是12月3日（周四）")


@pytest.mark.parametrize("today, past", [(date(2026, 11, 24), True), (date(2026, 11, 10), False)])
async def test_this_months_reception_days_all_past_are_said_to_be(ask, today, past):
    # 这个月的接待日是几号, on the 24th, got December's days as if they were this month's answer.
    reply = await ask(today, "这个月的接待日是几号")

    assert (reply.texts[0] == "本月的接待日（3日和15日）都已经过了。") is past
    assert reply.texts[-1].startswith("业主接待日是每月3日和15日。")


async def test_a_reception_day_today_is_said_to_be_today(ask):
    reply = await ask(date(2026, 12, 3))

    assert "下一次是今天 12月3日（周四）" in reply.texts[0]


async def test_follows_the_days_changed_in_the_database(ask, reception_days, fallback_days):
    fallback_days("3,15")
    reception_days([3, 13, 23])

    reply = await ask(date(2026, 11, 22), "逢三说事是哪天")

    assert "每月3日、13日和23日" in reply.texts[0]
    assert "下一次是明天 11月23日（周一）9:00–11:30，在党群服务站（3号楼一层），再下一次是12月3日（周四）" in reply.texts[0]


async def test_a_compound_without_days_uses_the_setting(ask, services, fallback_days):
    fallback_days("3,13,23")
    with transaction(services.factory) as session:
        session.execute(select(Compound).where(Compound.code == "demo")).scalar_one().reception_days = ""

    reply = await ask(date(2026, 11, 22))

    assert "每月3日、13日和23日" in reply.texts[0]


@pytest.mark.parametrize("action, question, intent", [
    (ActionOutOfScope, "那15号几点到几点", "out_of_scope"),  # as the model reads them
    (ActionHandleFallback, "下个月呢", "nlu_fallback"),
    (ActionReceptionDay, "接待日是哪天", "ask_reception_day"),
])
async def test_which_day_asked_right_after_the_reception_days_gets_them_again(resident, services, action,
                                                                             question, intent):
    wu = resident("wx-wu")
    told = await wu.send(ActionReceptionDay(), "这个月接待日是几号", "ask_reception_day")

    reply = await wu.send(action(), question, intent)

    assert told.texts[0] == "本月的接待日（3日和15日）都已经过了。"  # on the 21st
    assert reply.texts == told.texts[1:]  # the hours and the place again, not 这个问题我暂时帮不上忙
    if intent == "nlu_fallback":  # still shown to the admins, to teach the model
        assert [item.text for item in services.review.pending()] == [question]


@pytest.mark.parametrize("action, question, intent, answer", [
    (ActionOutOfScope, "几点开始", "out_of_scope", "接待日当天9:00–11:30。下一次是12月3日（周四），在党群服务站（3号楼一层）。"),
    (ActionReceptionDay, "在哪", "ask_reception_day", "接待日在党群服务站（3号楼一层）。下一次是12月3日（周四）9:00–11:30。"),
    (ActionHandleFallback, "具体啥地方", "nlu_fallback", "接待日在党群服务站（3号楼一层）。下一次是12月3日（周四）9:00–11:30。"),
])
async def test_where_or_what_time_asked_right_after_gets_just_that(resident, clock, action, question, intent,
                                                                   answer):
    wu = resident("wx-wu")
    await wu.send(ActionReceptionDay(), "接待日是哪天", "ask_reception_day")

    reply = await wu.send(action(), question, intent)
    again = await wu.send(ActionOutOfScope(), "那几点结束", "out_of_scope")  # and the next follow-up too

    assert reply.texts == [answer]
    assert again.texts == ["接待日当天9:00–11:30。下一次是12月3日（周四），在党群服务站（3号楼一层）。"]


@pytest.mark.parametrize("question", ["我能去反映楼上噪音的事吗", "可以去说说电梯的事不"])
async def test_whether_something_can_be_raised_there_gets_a_yes_and_the_offer_to_record_it_now(
        resident, services, clock, question):
    wu = resident("wx-wu")
    open_ticket(services, "wx-wu")  # not a question about it, though the model read a check
    await wu.send(ActionReceptionDay(), "接待日是哪天", "ask_reception_day")

    reply = await wu.send(ActionCheckTicket(), question, "check_ticket")

    assert reply.texts == ["可以的😊 接待日当天直接去党群服务站（3号楼一层）当面反映就行，下一次是12月3日（周四）9:00–11:30。"
                           "不想等的话，现在跟我说说情况，我先帮您登记。"]


@pytest.mark.parametrize("question, answer", [
    ("我想在接待日反映一下电梯的问题 需要预约吗",
     "不用预约😊 接待日当天直接去党群服务站（3号楼一层）就行，下一次是12月3日（周四）9:00–11:30。"
     "想反映的事也可以现在跟我说说，我先帮您登记。"),
    ("接待日能去反映楼上噪音的事吗",
     "可以的😊 接待日当天直接去党群服务站（3号楼一层）当面反映就行，下一次是12月3日（周四）9:00–11:30。"
     "不想等的话，现在跟我说说情况，我先帮您登记。"),
])
async def test_asked_first_whether_to_book_or_raise_something_says_so(resident, clock, question, answer):
    # They used to get only the days, with no word on booking or on recording it now.
    reply = await resident("wx-wu").send(ActionReceptionDay(), question, "ask_reception_day")

    assert reply.texts == [answer]


WHO = ("接待日由小区党支部、业委会和物业的负责人一起当面接待大家，能解决的现场解决。"
       "下一次是12月3日（周四）9:00–11:30，在党群服务站（3号楼一层）。")


@pytest.mark.parametrize("question", ["接待日都有谁在", "接待日书记来吗"])
async def test_asked_who_receives_residents_says_who(resident, clock, question):
    reply = await resident("wx-wu").send(ActionReceptionDay(), question, "ask_reception_day")

    assert reply.texts == [WHO]


@pytest.mark.parametrize("intent", ["ask_reception_day", "out_of_scope"])
async def test_who_is_there_asked_right_after_the_days_says_who(resident, clock, intent):
    # 那天书记在吗 got the days again, as if it had not been heard.
    wu = resident("wx-wu")
    await wu.send(ActionReceptionDay(), "接待日是哪天", "ask_reception_day")

    action = ActionReceptionDay() if intent == "ask_reception_day" else ActionOutOfScope()
    reply = await wu.send(action, "那天书记在吗", intent)

    assert reply.texts == [WHO]


ANYONE = ("可以的😊 小区居民都能来，家里人、租户也行，不用预约，下一次是12月3日（周四）9:00–11:30，在党群服务站（3号楼一层）。"
          "想反映的事也可以现在跟我说说，我先帮您登记。")


@pytest.mark.parametrize("question", ["接待日谁都能去吗", "租户能去接待日反映问题吗"])
async def test_whether_anyone_may_come_is_answered_not_who_receives(resident, clock, question):
    reply = await resident("wx-wu").send(ActionReceptionDay(), question, "ask_reception_day")

    assert reply.responses == ["utter_reception_anyone"] and reply.texts == [ANYONE]


@pytest.mark.parametrize("question", ["可以带孩子去吗", "我腿脚不好 让我儿子替我去行吗"])
async def test_who_may_come_asked_right_after_the_days_is_answered(resident, clock, question):
    # 可以带孩子去吗 (out_of_scope) got 这个问题我暂时帮不上忙, found in make run.
    wu = resident("wx-wu")
    await wu.send(ActionReceptionDay(), "这个月的接待日是几号", "ask_reception_day")

    reply = await wu.send(ActionOutOfScope(), question, "out_of_scope")

    assert reply.texts == [ANYONE]


async def test_another_question_after_the_reception_days_gets_its_own_answer(resident):
    wu, li = resident("wx-wu"), resident("wx-li")
    await wu.send(ActionReceptionDay(), "接待日是哪天", "ask_reception_day")

    fee = await wu.send(ActionOutOfScope(), "物业费怎么交", "out_of_scope")
    later = await wu.send(ActionOutOfScope(), "几点开始", "out_of_scope")
    elsewhere = await li.send(ActionOutOfScope(), "几点开始", "out_of_scope")

    assert fee.responses == later.responses == ["utter_out_of_scope"]  # only right after the answer
    assert elsewhere.responses == ["utter_out_of_scope"]  # nothing was said about reception days to li


def test_action_name_is_declared_in_the_domain(domain):
    assert ActionReceptionDay().name() in domain["actions"]


async def test_a_day_moved_by_a_holiday_says_so(ask, edited_demo):
    edited_demo(reception_on_holiday="next_working_day")

    reply = await ask(date(2026, 9, 28))

    assert "下一次是10月8日（周四，10月3日国庆节顺延）9:00–11:30，在党群服务站（3号楼一层），再下一次是10月15日（周四）" in reply.texts[0]
