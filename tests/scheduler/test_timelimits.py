"""The time-limit sweep: tickets not accepted in time go up to the duty manager (the assignee is
reminded), overdue disputes go on the next reception day's agenda, resolved tickets get one
rating reminder and close after AUTO_CLOSE_DAYS; each at most once.

Demo limits: repair accepted within 30 working minutes (08:00–20:00), disputes within 720.
Now is Saturday 2026-11-21 10:00 in Shanghai."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.scheduler.timelimits import TimeLimitService
from bot.services.tickets import NewRequest
from bot.tickets.lifecycle import Status
from tests.scheduler.conftest import openid, outbox, resident, staff_id

SH = ZoneInfo("Asia/Shanghai")
ZHANG = openid("zhang")


def repair(services, building="3", unit="2", room="502", text="厨房水管漏水"):
    return services.tickets.submit(NewRequest(ZHANG, "repair", text, building=building, unit=unit, room=room))


def events(services, number):
    return [(e.to_status, e.actor, e.reason) for e in services.tickets.events(number)]


def test_a_repair_not_accepted_in_time_goes_up_to_the_duty_manager_once(any_db_services):
    services = any_db_services
    resident(services, "zhang")
    ticket = repair(services)
    sweep = TimeLimitService(services).sweep

    services.now.advance(minutes=29)
    assert not sweep()  # still within its 30 minutes
    services.now.advance(minutes=2)
    report = sweep()

    assert report.escalated == [ticket.number]
    view = services.tickets.get(ticket.number)
    assert (view.status, view.assignee_name) == ("escalated", "赵志刚")
    assert events(services, ticket.number)[-1] == ("escalated", "system:time-limits", "超时未接单（应在11-21 10:30前接单）")
    to_staff = {(n.recipient_id, n.kind) for n in outbox(services) if n.recipient_kind == "staff"}
    assert (staff_id(services, "zhao"), "ticket_escalated") in to_staff
    assert (staff_id(services, "wang"), "ticket_overdue") in to_staff
    resident_note = [n.text for n in outbox(services) if n.recipient_kind == "resident"][-1]
    assert resident_note == f"您的工单 {ticket.number}（报修）已上报物业经理。"
    before = len(outbox(services))

    services.now.advance(hours=3)
    assert not sweep()  # escalated once; now the manager's to accept
    assert len(outbox(services)) == before


def test_an_accepted_ticket_is_never_escalated(services):
    resident(services, "zhang")
    ticket = repair(services)
    services.tickets.step(ticket.number, Status.ACCEPTED, staff_code="wang")

    services.now.advance(days=2)

    assert not TimeLimitService(services).sweep()
    assert services.tickets.get(ticket.number).status == "accepted"


def test_the_duty_managers_own_overdue_ticket_reminds_the_manager(services):
    """Building 19 has no butler: its tickets are the duty manager's already."""
    resident(services, "chen", ("19", "1", "1101"))
    ticket = services.tickets.submit(NewRequest(openid("chen"), "repair", "门口灯坏了", building="19", unit="1",
                                                room="1101"))
    services.now.advance(hours=1)

    report = TimeLimitService(services).sweep()

    assert report.manager_reminded == [ticket.number] and report.escalated == []
    assert services.tickets.get(ticket.number).status == "assigned"
    [note] = [n for n in outbox(services) if n.kind == "ticket_overdue_manager"]
    assert note.recipient_id == staff_id(services, "zhao")


def test_an_overdue_dispute_goes_on_the_next_reception_days_agenda(any_db_services):
    services = any_db_services
    resident(services, "zhang")
    dispute = services.tickets.submit(NewRequest(ZHANG, "noise_dispute", "楼上半夜跺脚", building="3", unit="2",
                                                 room="502", other_party="楼上602"))
    services.now.now = datetime(2026, 11, 24, 9, 0, tzinfo=SH)  # past its 720 working minutes

    report = TimeLimitService(services).sweep()

    assert report.on_agenda == [dispute.number] and report.escalated == []
    assert services.tickets.get(dispute.number).status == "assigned"  # still the mediation committee's
    assert events(services, dispute.number)[-1][2] == "超时未调解，列入12月3日（周四）接待日议程"
    note = outbox(services, "dispute_on_agenda")[0]
    assert note.text == (f"您反映的邻里纠纷（工单 {dispute.number}）还在协调中，已列入12月3日（周四）接待日的议程，"
                         "9:00–11:30在党群服务站（3号楼一层）当面沟通，欢迎您到场。")
    from bot.scheduler.reminders import ReminderService
    _, agenda = ReminderService(services).agenda("demo", date(2026, 12, 3))
    assert "一、列入议程（1）" in agenda and dispute.number in agenda
    assert not TimeLimitService(services).sweep()  # once


def test_on_a_reception_day_after_it_began_the_dispute_goes_to_the_next_one(services):
    resident(services, "zhang")
    dispute = services.tickets.submit(NewRequest(ZHANG, "noise_dispute", "楼上装修太吵", building="3", unit="2",
                                                 room="502", other_party="楼上"))
    services.now.now = datetime(2026, 12, 3, 10, 0, tzinfo=SH)  # the session of the 3rd is under way

    TimeLimitService(services).sweep()

    assert "12月15日（周二）" in events(services, dispute.number)[-1][2]


def test_a_resolved_ticket_is_reminded_once_then_closed_unrated(services):
    resident(services, "zhang")
    ticket = repair(services)
    services.tickets.step(ticket.number, Status.ACCEPTED, staff_code="wang")
    services.tickets.step(ticket.number, Status.RESOLVED, staff_code="wang")
    sweep = TimeLimitService(services).sweep

    services.now.advance(hours=23)
    assert not sweep()
    services.now.advance(hours=1)
    assert sweep().rating_reminded == [ticket.number]
    assert outbox(services, "rating_reminder")[0].text == (
        f"您的工单 {ticket.number}（报修）处理完毕了，还满意吗？回复1–5给这次服务打分；没解决请回复“没修好”。")
    services.now.advance(days=2)
    assert not sweep()  # reminded once only

    services.now.advance(days=5)  # 7 days after it was resolved
    assert sweep().closed == [ticket.number]

    assert services.tickets.get(ticket.number).status == "closed"
    assert events(services, ticket.number)[-1] == ("closed", "system:time-limits", "7天未评价，自动结单")
    assert outbox(services, "auto_closed")[0].text == (
        f"您的工单 {ticket.number}（报修）处理完毕已7天，已为您结单。问题如果又出现了，直接告诉我就行。")


def test_a_rated_ticket_gets_neither_reminder_nor_automatic_closing(services):
    resident(services, "zhang")
    ticket = repair(services)
    services.tickets.step(ticket.number, Status.ACCEPTED, staff_code="wang")
    services.tickets.step(ticket.number, Status.RESOLVED, staff_code="wang")
    services.tickets.rate(ZHANG, score=5, not_fixed=False)

    services.now.advance(days=10)

    assert not TimeLimitService(services).sweep()
    assert outbox(services, "rating_reminder") == [] and outbox(services, "auto_closed") == []


def test_a_butler_marks_a_ticket_for_the_reception_day(services):
    resident(services, "zhang")
    ticket = repair(services, text="楼顶防水老是漏，需要业委会定")

    day = services.tickets.mark_for_reception(ticket.number, staff_code="wang", reason="需要维修基金")

    assert day == date(2026, 12, 3)
    assert events(services, ticket.number)[-1] == ("assigned", "staff:wang", "列入12月3日（周四）接待日议程：需要维修基金")
    assert outbox(services, "on_agenda")[0].text.startswith(f"您的工单 {ticket.number}（报修）已列入12月3日（周四）接待日的议程")
