"""When the database cannot be reached, or a service fails, every action apologises with
utter_service_unavailable instead of crashing, and nothing half-done is left behind."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError

from actions.fallback import ActionHandleFallback, ActionHumanHandoff
from actions.household import ActionUpdateHousehold
from actions.reception import ActionReceptionDay
from actions.replies import ActionOutOfScope, ActionThank
from actions.tickets import (ActionCancelTicket, ActionCheckTicket, ActionRateTicket, ActionStartTicket,
                             ActionSubmitTicket)
from bot import services as services_module
from bot.db.engine import make_session_factory
from bot.services.tickets import TicketService

SORRY = "系统开小差了，这次没能登记，非常抱歉🙏 请稍后再发一次；着急的话请直接拨打物业服务中心电话。"
READY_TO_SUBMIT = dict(request_type="repair", confirmed="yes", address="ok", building="3", unit="1",
                       room="301", description="厨房水管漏水", visit_time="明天上午")


@pytest.fixture
def cut_off(services, clock, tmp_path):
    """cut_off() points the process's services at a database in a directory that cannot exist."""
    (tmp_path / "a-file").write_text("not a directory")
    engine = create_engine(f"sqlite:///{tmp_path / 'a-file' / 'red-butler.db'}", future=True)

    def cut() -> None:
        services_module.use(services_module.Services(services.settings, make_session_factory(engine), clock))

    yield cut
    services_module.use(services)
    engine.dispose()


@pytest.fixture
def unreachable(cut_off):
    cut_off()


ACTIONS = [
    (ActionStartTicket, "3栋1单元301厨房水管漏水", "repair", {}),
    (ActionSubmitTicket, "确认", "affirm", READY_TO_SUBMIT),
    (ActionCheckTicket, "查询工单", "check_ticket", {}),
    (ActionRateTicket, "5分", "rate_ticket", {}),
    (ActionCancelTicket, "撤销", "cancel_ticket", {}),
    (ActionUpdateHousehold, "3栋2单元502", "inform", {}),
    (ActionHandleFallback, "家里那个东西又不行了", "nlu_fallback", {}),
    (ActionHumanHandoff, "/human_handoff", "human_handoff", {"pending_review": 1.0}),
    (ActionReceptionDay, "接待日是哪天", "ask_reception_day", {}),
    (ActionThank, "挺好的 谢谢", "thank", {}),
    (ActionOutOfScope, "挺好的 谢谢王姐", "out_of_scope", {}),
]


@pytest.mark.parametrize("action, text, intent, slots", ACTIONS, ids=[a[0].__name__ for a in ACTIONS])
async def test_every_action_apologises_when_the_database_is_unreachable(resident, unreachable, action, text,
                                                                       intent, slots):
    someone = resident("wx-qian")
    someone.slots.update(slots)

    reply = await someone.send(action(), text, intent)

    assert reply.texts == [SORRY]
    assert reply.events == []


async def test_a_failure_half_way_through_a_submission_leaves_no_ticket(resident, services, monkeypatch):
    def broken_routing(*args, **kwargs):
        raise RuntimeError("routing table unreadable")

    monkeypatch.setattr(TicketService, "_route", broken_routing)
    someone = resident("wx-qian")
    someone.slots.update(READY_TO_SUBMIT)

    reply = await someone.run(ActionSubmitTicket())

    assert reply.texts == [SORRY]
    assert services.tickets.list() == []
    assert not services.residents.profile("wx-qian").bound


async def test_safety_advice_is_given_even_when_the_emergency_cannot_be_recorded(resident, bound,
                                                                                monkeypatch):
    bound("wx-qian", "3", "2", "502")

    def broken_submit(*args, **kwargs):
        raise RuntimeError("database is locked")

    monkeypatch.setattr(TicketService, "submit", broken_submit)

    reply = await resident("wx-qian").send(ActionStartTicket(), "燃气味很大", "repair")

    assert reply.responses == ["utter_safety_gas", "utter_service_unavailable"]


async def test_safety_advice_is_given_even_when_the_database_is_unreachable(resident, unreachable):
    reply = await resident("wx-qian").send(ActionStartTicket(), "燃气味很大", "repair")

    assert reply.responses[0] == "utter_safety_gas"


async def test_the_form_apologises_when_the_database_is_unreachable(resident, cut_off):
    someone = resident("wx-qian")
    await someone.send(ActionStartTicket(), "我要报修", "repair")
    await someone.activate_form()
    cut_off()

    reply = await someone.answer("3栋2单元502")

    assert reply.texts[0] == SORRY
