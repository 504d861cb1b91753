"""TicketService on a real, migrated database with the demo compound (红星家园) loaded.

What residents, butlers and the duty manager rely on: a request lands with the right person,
gets the right priority and deadline, a readable number, joins a neighbour's report of the
same problem, can be rated, reopened and cancelled; staff steps are checked; every change is
one audit event; and a failure half-way leaves nothing behind.

Demo compound: building 3 → butler wang (王秀英), 17/18 → jin (金国强), 5/6 → chen (陈美玲),
building 19 has no butler; duty manager zhao (赵志刚); mediation desk 党员调解室; errand agent
du (杜晓燕). Household 3-2-502 is an elderly resident living alone. Now is 2026-11-21 10:00.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Dict, List, Optional, Tuple

import pytest
from sqlalchemy import event, func, select

from bot.db.engine import transaction
from bot.db.models import (DailySequence, Notification, Resident, Staff, Ticket, TicketEvent,
                           TicketReporter)
from bot.services.tickets import NewRequest, TicketError
from bot.tickets.lifecycle import Status, TransitionNotAllowed
from tests.support.services import SHANGHAI


# -- helpers ---------------------------------------------------------------------------------
def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in November 2026, Shanghai time."""
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


def repair(openid: str, text: str = "厨房水管漏水", building: Optional[str] = "3", unit: Optional[str] = "1",
           room: Optional[str] = "101", **extra) -> NewRequest:
    return NewRequest(openid, "repair", text, building=building, unit=unit, room=room, **extra)


def lift(openid: str, building: str = "3", room: str = "101", text: str = "电梯坏了，一直停在三楼不动") -> NewRequest:
    """A report about the shared lift of a building (the facility the form extracts: 电梯)."""
    return repair(openid, text, building=building, unit="1", room=room, facility="电梯")


def rows(services, model, *where) -> list:
    with transaction(services.factory) as session:
        key = list(model.__table__.primary_key.columns)
        return list(session.execute(select(model).where(*where).order_by(*key)).scalars())


def count(services, model) -> int:
    with transaction(services.factory) as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def staff_id(services, code: str) -> int:
    return rows(services, Staff, Staff.code == code)[0].id


def resident_id(services, openid: str) -> int:
    return rows(services, Resident, Resident.openid == openid)[0].id


def ticket_row(services, number: str) -> Ticket:
    return rows(services, Ticket, Ticket.number == number)[0]


def events_of(services, number: str) -> List[TicketEvent]:
    return rows(services, TicketEvent, TicketEvent.ticket_id == ticket_row(services, number).id)


def staff_notifications(services, kind: Optional[str] = None) -> List[tuple]:
    """(staff code, kind, urgent, text) of the outbox rows for staff, oldest first."""
    codes = {row.id: row.code for row in rows(services, Staff)}
    return [(codes[n.recipient_id], n.kind, n.urgent, n.text)
            for n in rows(services, Notification, Notification.recipient_kind == "staff")
            if kind is None or n.kind == kind]


def resident_notifications(services, kind: str) -> List[Notification]:
    return rows(services, Notification, Notification.recipient_kind == "resident", Notification.kind == kind)


def resolve(services, number: str, staff_code: str) -> None:
    services.tickets.step(number, Status.ACCEPTED, staff_code=staff_code)
    services.tickets.step(number, Status.RESOLVED, staff_code=staff_code)


def dialect(services) -> str:
    return services.factory.kw["bind"].dialect.name


# -- routing: the request lands with the right person -----------------------------------------
def test_a_repair_in_building_3_goes_to_its_butler(any_db_services):
    view = any_db_services.tickets.submit(repair("resident-a", "3栋1单元101厨房水管漏水"))

    assert (view.assignee_name, view.assignee_role, view.assignee_phone) == ("王秀英", "butler", "13800001001")
    assert view.status == "assigned" and view.routing_note == ""
    assert ticket_row(any_db_services, view.number).assignee_id == staff_id(any_db_services, "wang")
    [(code, kind, urgent, text)] = staff_notifications(any_db_services)
    assert (code, kind, urgent) == ("wang", "ticket_assigned", False)
    assert view.number in text and "3栋1单元101" in text


def test_a_parcel_in_building_18_goes_to_the_butler_of_the_high_rises(any_db_services):
    view = any_db_services.tickets.submit(NewRequest("resident-a", "parcel", "快递显示签收了但是没收到",
                                                     building="18", room="1203"))
    assert (view.assignee_name, view.assignee_role) == ("金国强", "butler")
    assert view.number.startswith("KD-20261121-")


def test_a_pension_certification_errand_goes_to_the_errand_agent(any_db_services):
    view = any_db_services.tickets.submit(NewRequest(
        "resident-a", "pension_certification", "我妈妈不会刷脸认证养老金，能不能上门帮忙",
        building="3", unit="1", room="301", visit_time="明天上午"))
    assert (view.assignee_name, view.assignee_role) == ("杜晓燕", "errand_agent")
    assert ticket_row(any_db_services, view.number).visit_time == "明天上午"


def test_a_noise_dispute_goes_to_the_mediation_desk_with_the_other_party(any_db_services):
    view = any_db_services.tickets.submit(NewRequest(
        "resident-a", "noise_dispute", "楼上每天半夜机械加工，吵得睡不着", building="3", unit="1", room="502",
        other_party="楼上（602）"))

    assert (view.assignee_name, view.assignee_role) == ("党员调解室", "mediation_committee")
    assert ticket_row(any_db_services, view.number).other_party == "楼上（602）"
    assert [(code, kind) for code, kind, _, _ in staff_notifications(any_db_services)] == [
        ("mediation", "ticket_assigned")]


def test_building_19_has_no_butler_so_its_repair_goes_to_the_duty_manager_with_the_reason(any_db_services):
    view = any_db_services.tickets.submit(repair("resident-a", "楼道灯不亮", building="19", unit=None, room="302"))

    assert (view.assignee_name, view.assignee_role) == ("赵志刚", "duty_manager")
    assert "19" in view.routing_note  # says which building has no butler ...
    assert "红管家" in view.routing_note or "butler" in view.routing_note  # ... and that this is why
    assert ticket_row(any_db_services, view.number).routing_note == view.routing_note
    [(code, kind, urgent, text)] = staff_notifications(any_db_services)
    assert (code, kind, urgent) == ("zhao", "ticket_routed_to_manager", False)
    assert view.routing_note in text and view.number in text


# -- priority, home visits, emergencies -------------------------------------------------------
def test_the_elderly_household_3_2_502_gets_priority_and_a_home_visit(any_db_services):
    view = any_db_services.tickets.submit(repair("grandma", "卫生间水龙头一直滴水", unit="2", room="502"))

    assert (view.priority, view.home_visit) == ("high", True)
    assert ticket_row(any_db_services, view.number).household_id is not None


def test_a_bound_elderly_resident_gets_priority_too(any_db_services):
    any_db_services.residents.bind("grandma", building="3", unit="2", room="502")
    view = any_db_services.tickets.submit(repair("grandma", "卫生间水龙头一直滴水", unit="2", room="502"))
    assert (view.priority, view.home_visit) == ("high", True)


def test_an_ordinary_household_gets_normal_priority(any_db_services):
    view = any_db_services.tickets.submit(repair("neighbour", "卫生间水龙头一直滴水", unit="2", room="501"))
    assert (view.priority, view.home_visit) == ("normal", False)


def test_a_daughter_reporting_for_her_elderly_mother_gets_the_mothers_priority(any_db_services):
    any_db_services.residents.bind("daughter", building="5", unit="1", room="101")
    view = any_db_services.tickets.submit(repair("daughter", "我妈家卫生间水管漏水", unit="2", room="502"))

    assert view.location == "3栋2单元502"
    assert (view.priority, view.home_visit) == ("high", True)


@pytest.mark.parametrize("text, emergency", [
    ("燃气味很大，怎么办", "gas"),
    ("电梯困人了！快来人", "elevator_entrapment"),
])
def test_an_emergency_is_urgent_due_in_10_minutes_and_alerts_the_butler_and_the_duty_manager(
        any_db_services, text, emergency):
    view = any_db_services.tickets.submit(repair("resident-a", text, building="17", unit=None, room="804"))

    assert (view.priority, view.emergency) == ("urgent", emergency)
    assert view.due_at == at(21, 10, 10)
    alerts = staff_notifications(any_db_services)
    assert sorted((code, kind, urgent) for code, kind, urgent, _ in alerts) == [
        ("jin", "emergency_alert", True), ("zhao", "emergency_alert", True)]
    assert all(view.number in text for *_, text in alerts)


def test_an_emergency_in_building_19_alerts_the_duty_manager_once(any_db_services):
    view = any_db_services.tickets.submit(repair("resident-a", "燃气味很大", building="19", unit=None, room="302"))

    assert view.assignee_role == "duty_manager" and view.priority == "urgent"
    assert [(code, kind, urgent) for code, kind, urgent, _ in staff_notifications(any_db_services)] == [
        ("zhao", "emergency_alert", True)]


def test_an_emergency_is_urgent_even_in_the_night(any_db_services, clock):
    clock.now = at(21, 23, 40)
    view = any_db_services.tickets.submit(repair("resident-a", "电梯困人了", building="17", unit=None, room="804"))
    assert view.due_at == at(21, 23, 50)


# -- time limits --------------------------------------------------------------------------------
@pytest.mark.parametrize("request_type, received, due", [
    ("repair", at(21, 10, 0), at(21, 10, 30)),       # 30 minutes within working hours
    ("repair", at(21, 21, 0), at(22, 8, 30)),        # after 20:00: 30 minutes after 08:00 next day
    ("repair", at(21, 6, 30), at(21, 8, 30)),        # before 08:00: 30 minutes after 08:00
    ("parcel", at(21, 10, 0), at(21, 12, 0)),        # 120 minutes
    ("noise_dispute", at(21, 10, 0), at(22, 10, 0)),  # 1440 minutes
])
def test_due_times_follow_the_compounds_time_limits(any_db_services, clock, request_type, received, due):
    clock.now = received
    view = any_db_services.tickets.submit(NewRequest("resident-a", request_type, "描述一下情况",
                                                     building="3", unit="1", room="101"))
    assert view.due_at == due
    assert view.created_at == received
    assert ticket_row(any_db_services, view.number).due_at == due  # stored, not only computed


# -- numbers ------------------------------------------------------------------------------------
def test_numbers_count_per_type_per_day_and_restart_the_next_day(any_db_services, clock):
    submit = any_db_services.tickets.submit
    first = submit(repair("a"))
    second = submit(repair("b", room="102"))
    noise = submit(NewRequest("c", "noise_dispute", "楼上装修太吵", building="3", unit="1", room="103"))
    third = submit(repair("d", room="104"))
    clock.now = at(22, 9, 0)
    next_day = submit(repair("e", room="201"))

    assert [first.number, second.number, third.number] == [
        "BX-20261121-0001", "BX-20261121-0002", "BX-20261121-0003"]
    assert noise.number == "ZY-20261121-0001"
    assert next_day.number == "BX-20261122-0001"


def test_the_day_of_a_number_is_the_compounds_day_not_utc(any_db_services, clock):
    clock.now = at(21, 23, 59)  # 15:59 UTC
    late = any_db_services.tickets.submit(repair("a"))
    clock.now = at(22, 0, 30)  # still 21 November in UTC
    early = any_db_services.tickets.submit(repair("b", room="102"))
    assert (late.number, early.number) == ("BX-20261121-0001", "BX-20261122-0001")


# -- duplicates ---------------------------------------------------------------------------------
def test_five_neighbours_reporting_the_lift_join_one_ticket_and_all_hear_when_it_is_fixed(any_db_services, clock):
    neighbours = ["r-101", "r-203", "r-304", "r-402", "r-601"]
    views = []
    for openid in neighbours:
        views.append(any_db_services.tickets.submit(lift(openid, room=openid[2:])))
        clock.advance(minutes=20)

    assert {view.number for view in views} == {"BX-20261121-0001"}
    assert [view.reporters for view in views] == [1, 2, 3, 4, 5]
    assert [view.joined_existing for view in views] == [False, True, True, True, True]
    assert count(any_db_services, Ticket) == 1
    assert count(any_db_services, TicketReporter) == 5
    assert len(staff_notifications(any_db_services, "duplicate_joined")) == 4

    resolve(any_db_services, "BX-20261121-0001", "wang")

    told = resident_notifications(any_db_services, "ticket_resolved")
    assert sorted(n.recipient_id for n in told) == sorted(resident_id(any_db_services, o) for o in neighbours)
    assert all("BX-20261121-0001" in n.text for n in told)


def test_every_reporter_of_a_joined_ticket_sees_it_among_their_tickets(any_db_services):
    first = any_db_services.tickets.submit(lift("r-101"))
    any_db_services.tickets.submit(lift("r-203", room="203"))
    assert [view.number for view in any_db_services.tickets.mine("r-203")] == [first.number]


def test_the_same_resident_sending_the_same_report_twice_is_still_one_reporter(any_db_services):
    first = any_db_services.tickets.submit(lift("r-101"))
    again = any_db_services.tickets.submit(lift("r-101", text="电梯还是坏的"))

    assert again.number == first.number
    assert (again.reporters, again.joined_existing) == (1, False)
    assert count(any_db_services, TicketReporter) == 1


def test_a_report_after_the_window_makes_a_new_ticket(any_db_services, clock):
    first = any_db_services.tickets.submit(lift("r-101"))
    clock.advance(hours=6, minutes=1)
    later = any_db_services.tickets.submit(lift("r-203", room="203"))
    assert later.number != first.number and not later.joined_existing


def test_a_report_from_another_building_makes_a_new_ticket(any_db_services):
    first = any_db_services.tickets.submit(lift("r-101", building="17", room="804"))
    other = any_db_services.tickets.submit(lift("r-203", building="18", room="803"))
    assert other.number != first.number
    assert other.assignee_name == "金国强"


def test_a_lift_report_after_the_first_was_resolved_makes_a_new_ticket(any_db_services):
    first = any_db_services.tickets.submit(lift("r-101"))
    resolve(any_db_services, first.number, "wang")
    again = any_db_services.tickets.submit(lift("r-203", room="203", text="电梯又坏了"))
    assert again.number != first.number


def test_someone_trapped_in_the_lift_is_an_emergency_even_when_the_lift_was_already_reported(any_db_services):
    any_db_services.tickets.submit(lift("r-804", building="17", room="804", text="电梯坏了，按了没反应"))
    trapped = any_db_services.tickets.submit(lift("r-1203", building="17", room="1203",
                                                  text="电梯困人了！我被困在里面"))

    assert trapped.priority == "urgent"
    assert [code for code, _, urgent, _ in staff_notifications(any_db_services) if urgent] == ["jin", "zhao"]


def test_an_emergency_reported_again_alerts_the_staff_again_but_not_within_minutes(any_db_services, clock):
    first = any_db_services.tickets.submit(lift("r-804", building="17", room="804", text="电梯困人了！"))
    clock.advance(minutes=2)
    neighbour = any_db_services.tickets.submit(lift("r-1203", building="17", room="1203",
                                                    text="电梯里有人被困 快来人"))

    assert (neighbour.number, neighbour.reported_again, first.reported_again) == (
        first.number, "recently_alerted", None)
    assert [code for code, _, urgent, _ in staff_notifications(any_db_services) if urgent] == ["jin", "zhao"]

    clock.advance(minutes=10)  # still trapped, nobody came: the staff hear of it again
    again = any_db_services.tickets.submit(lift("r-804", building="17", room="804", text="电梯困人 还没人来"))

    assert (again.number, again.reported_again) == (first.number, "alerted")
    assert [code for code, _, urgent, _ in staff_notifications(any_db_services) if urgent] == [
        "jin", "zhao", "jin", "zhao"]
    assert "再次反映紧急情况：电梯困人 还没人来" in [e.reason for e in events_of(any_db_services, first.number)]


def test_a_fire_reported_again_from_the_same_flat_is_the_same_emergency_another_flats_is_not(any_db_services):
    tickets = any_db_services.tickets
    first = tickets.submit(repair("me", "厨房着火了", building="3", unit="1", room="101"))
    again = tickets.submit(repair("me", "着火了 火越来越大", building=None, unit=None, room=None))
    family = tickets.submit(repair("my-son", "家里着火了 快来人", building="3", unit="1", room="101"))
    upstairs = tickets.submit(repair("up", "着火了", building="3", unit="1", room="201"))
    gas = tickets.submit(repair("me", "燃气味很大", building="3", unit="1", room="101"))

    assert again.number == family.number == first.number
    assert len({first.number, upstairs.number, gas.number}) == 3  # another flat, another danger


def test_an_emergency_said_again_with_its_place_gets_the_place_and_an_alert_at_once(any_db_services, clock):
    first = any_db_services.tickets.submit(repair("me", "着火了", building=None, unit=None, room=None))
    clock.advance(minutes=1)  # within the minutes an alert is not repeated: the place is news all the same
    again = any_db_services.tickets.submit(repair("me", "着火了 在5栋2单元201", building="5", unit="2", room="201"))

    assert (again.number, again.reported_again, again.location) == (first.number, "alerted", "5栋2单元201")
    alerts = [code for code, kind, urgent, _ in staff_notifications(any_db_services) if urgent]
    assert alerts == ["zhao", "chen", "zhao"]  # the duty manager at first; then the building's butler too
    # the duty manager had it for want of a place: now it is the butler's, as a placed fire would be
    assert (again.assignee_name, again.assignee_role, again.status) == ("陈美玲", "butler", "transferred")
    assert first.assignee_role == "duty_manager"


# -- mine ---------------------------------------------------------------------------------------
def test_mine_lists_open_and_awaiting_rating_tickets_newest_first_but_not_finished_ones(any_db_services, clock):
    tickets = any_db_services.tickets
    closed = tickets.submit(repair("me", "阳台灯不亮"))
    resolve(any_db_services, closed.number, "wang")
    tickets.rate("me", score=5, not_fixed=False)
    clock.advance(minutes=5)
    cancelled = tickets.submit(repair("me", "门口地漏堵了"))
    tickets.cancel("me", cancelled.number)
    clock.advance(minutes=5)
    awaiting = tickets.submit(repair("me", "厨房水管漏水"))
    resolve(any_db_services, awaiting.number, "wang")
    clock.advance(minutes=5)
    still_open = tickets.submit(NewRequest("me", "parcel", "快递显示签收但没收到", building="3", unit="1", room="101"))

    mine = tickets.mine("me")
    assert [(view.number, view.status) for view in mine] == [
        (still_open.number, "assigned"), (awaiting.number, "resolved")]


def test_mine_is_empty_for_someone_who_never_wrote(any_db_services):
    any_db_services.tickets.submit(repair("someone-else"))
    assert any_db_services.tickets.mine("stranger") == []


# -- rating -------------------------------------------------------------------------------------
def test_five_stars_close_the_ticket_and_keep_the_rating(any_db_services):
    view = any_db_services.tickets.submit(repair("me"))
    resolve(any_db_services, view.number, "wang")

    outcome = any_db_services.tickets.rate("me", score=5, not_fixed=False, comment="5分，王阿姨辛苦了")

    assert outcome.result == "rated" and outcome.tickets[0].number == view.number
    row = ticket_row(any_db_services, view.number)
    assert (row.status, row.rating, row.rating_comment) == ("closed", 5, "5分，王阿姨辛苦了")
    last = events_of(any_db_services, view.number)[-1]
    assert (last.from_status, last.to_status, last.actor) == ("resolved", "closed", "resident:me")


def test_a_low_score_reopens_the_ticket_and_tells_the_butler_why(any_db_services):
    view = any_db_services.tickets.submit(repair("me"))
    resolve(any_db_services, view.number, "wang")

    outcome = any_db_services.tickets.rate("me", score=2, not_fixed=False)

    assert outcome.result == "reopened"
    row = ticket_row(any_db_services, view.number)
    assert (row.status, row.rating, row.assignee_id) == ("reopened", 2, staff_id(any_db_services, "wang"))
    last = events_of(any_db_services, view.number)[-1]
    assert (last.from_status, last.to_status, last.actor) == ("resolved", "reopened", "resident:me")
    assert "2" in last.reason
    [(code, _, _, text)] = staff_notifications(any_db_services, "reopened")
    assert code == "wang" and view.number in text


def test_the_reopen_reason_mentions_the_score_even_when_the_resident_wrote_words(any_db_services):
    view = any_db_services.tickets.submit(repair("me"))
    resolve(any_db_services, view.number, "wang")
    any_db_services.tickets.rate("me", score=2, not_fixed=False, comment="不太满意，来得太慢")
    assert "2" in events_of(any_db_services, view.number)[-1].reason


def test_not_fixed_reopens_the_ticket_without_a_score(any_db_services):
    view = any_db_services.tickets.submit(repair("me"))
    resolve(any_db_services, view.number, "wang")

    outcome = any_db_services.tickets.rate("me", score=None, not_fixed=True, comment="修完又漏了")

    assert outcome.result == "reopened"
    row = ticket_row(any_db_services, view.number)
    assert (row.status, row.rating) == ("reopened", None)
    assert events_of(any_db_services, view.number)[-1].reason == "修完又漏了"


def test_a_score_of_5_with_not_fixed_still_reopens(any_db_services):
    view = any_db_services.tickets.submit(repair("me"))
    resolve(any_db_services, view.number, "wang")
    outcome = any_db_services.tickets.rate("me", score=5, not_fixed=True, comment="5分钟就来了，但是还是漏")
    assert outcome.result == "reopened"


def test_there_is_nothing_to_rate_before_the_ticket_is_resolved(any_db_services):
    assert any_db_services.tickets.rate("stranger", score=5, not_fixed=False).result == "nothing_to_rate"
    view = any_db_services.tickets.submit(repair("me"))
    assert any_db_services.tickets.rate("me", score=5, not_fixed=False).result == "nothing_to_rate"
    assert ticket_row(any_db_services, view.number).rating is None


def test_a_rating_naming_a_number_rates_that_ticket(any_db_services, clock):
    first = any_db_services.tickets.submit(repair("me", "阳台灯不亮"))
    clock.advance(minutes=5)
    second = any_db_services.tickets.submit(repair("me", "厨房水管漏水"))
    resolve(any_db_services, first.number, "wang")
    resolve(any_db_services, second.number, "wang")

    outcome = any_db_services.tickets.rate("me", score=4, not_fixed=False, number=first.number)

    assert outcome.tickets[0].number == first.number
    assert (ticket_row(any_db_services, first.number).rating, ticket_row(any_db_services, second.number).rating) == (
        4, None)


def test_a_score_without_words_asks_again(any_db_services):
    view = any_db_services.tickets.submit(repair("me"))
    resolve(any_db_services, view.number, "wang")
    outcome = any_db_services.tickets.rate("me", score=None, not_fixed=False, comment="嗯")
    assert outcome.result == "no_score"
    assert ticket_row(any_db_services, view.number).status == "resolved"


def test_a_reopened_ticket_can_be_rated_again_once_it_is_fixed(any_db_services):
    view = any_db_services.tickets.submit(repair("me"))
    resolve(any_db_services, view.number, "wang")
    any_db_services.tickets.rate("me", score=2, not_fixed=False)
    resolve(any_db_services, view.number, "wang")  # reopened → accepted → resolved

    assert [v.number for v in any_db_services.tickets.mine("me")] == [view.number]
    assert any_db_services.tickets.rate("me", score=5, not_fixed=False).result == "rated"


def test_a_bare_score_rates_the_ticket_that_was_resolved_last(any_db_services, clock):
    light = any_db_services.tickets.submit(repair("me", "阳台灯不亮"))
    clock.advance(minutes=5)
    tap = any_db_services.tickets.submit(repair("me", "厨房水龙头滴水"))
    resolve(any_db_services, tap.number, "wang")
    clock.advance(hours=3)
    resolve(any_db_services, light.number, "wang")  # the resident was just asked to rate the light

    outcome = any_db_services.tickets.rate("me", score=5, not_fixed=False)

    assert outcome.tickets[0].number == light.number


# -- chasing -------------------------------------------------------------------------------------
def chase_in_turn(services, clock, number: str, *said: Tuple[int, str]) -> List[str]:
    """Each (minutes later, words) chases the ticket; the result of each."""
    results = []
    for minutes, words in said:
        clock.advance(minutes=minutes)
        results.append(services.tickets.chase("me", [number], words).result)
    return results


def test_a_chase_tells_the_assignee_once_in_two_hours_and_every_chase_is_an_event(any_db_services, clock):
    view = any_db_services.tickets.submit(repair("me"))

    assert chase_in_turn(any_db_services, clock, view.number, (0, "怎么还没人来"), (90, "催一下啊"), (31, "还没人来")) == [
        "chased", "recently_chased", "chased"]

    told = staff_notifications(any_db_services, "ticket_chased")
    assert [(code, text) for code, _, _, text in told] == [
        ("wang", f"居民在催工单 {view.number}（报修）：怎么还没人来 请尽快联系居民：3栋1单元101。"),
        ("wang", f"居民在催工单 {view.number}（报修）：还没人来 请尽快联系居民：3栋1单元101。")]
    chases = [e for e in events_of(any_db_services, view.number) if e.reason.startswith("居民催办")]
    assert [(e.from_status, e.to_status, e.actor) for e in chases] == [("assigned", "assigned", "resident:me")] * 3
    assert ticket_row(any_db_services, view.number).status == "assigned"


def test_an_emergencys_chase_is_urgent_reaches_everyone_alerted_and_may_come_again_in_minutes(
        any_db_services, clock):
    view = any_db_services.tickets.submit(repair("me", "厨房着火了"))
    assert view.emergency == "fire"

    assert chase_in_turn(any_db_services, clock, view.number, (6, "火还没灭 怎么还没人来"), (2, "人呢"), (4, "快点啊")) == [
        "chased", "recently_chased", "chased"]

    told = staff_notifications(any_db_services, "ticket_chased")
    assert [(code, urgent) for code, _, urgent, _ in told] == [("wang", True), ("zhao", True)] * 2


def test_a_complaint_reaches_the_duty_manager_too_once_in_two_hours(any_db_services, clock):
    view = any_db_services.tickets.submit(repair("me"))
    said = (0, "我要投诉 说好的上午来 到现在也没来"), (30, "投诉！"), (91, "态度太差了 我要投诉")

    results = []
    for minutes, words in said:
        clock.advance(minutes=minutes)
        results.append(any_db_services.tickets.chase("me", [view.number], words, complaint=True).result)

    assert results == ["complained", "recently_chased", "complained"]
    told = staff_notifications(any_db_services, "ticket_complained")
    assert [(code, text) for code, _, _, text in told] == [
        ("zhao", f"居民投诉工单 {view.number}（报修）的处理：我要投诉 说好的上午来 到现在也没来 负责人：王秀英。"
                 "请跟进并联系居民：3栋1单元101。"),
        ("zhao", f"居民投诉工单 {view.number}（报修）的处理：态度太差了 我要投诉 负责人：王秀英。请跟进并联系居民：3栋1单元101。")]
    assert [code for code, *_ in staff_notifications(any_db_services, "ticket_chased")] == ["wang", "wang"]
    marks = [e.actor for e in events_of(any_db_services, view.number) if e.reason.startswith("居民投诉")]
    assert marks == ["resident:me"] * 2


def test_a_complaint_about_the_duty_managers_own_ticket_is_one_chase(any_db_services):
    view = any_db_services.tickets.submit(repair("me", building="19", unit="1", room="101"))

    outcome = any_db_services.tickets.chase("me", [view.number], "我要投诉 一直没人来", complaint=True)

    assert outcome.result == "chased"
    assert [(code, kind) for code, kind, _, _ in staff_notifications(any_db_services)
            if kind in ("ticket_chased", "ticket_complained")] == [("zhao", "ticket_chased")]


def test_only_the_residents_open_tickets_can_be_chased(any_db_services):
    view = any_db_services.tickets.submit(repair("me"))

    assert any_db_services.tickets.chase("someone-else", [view.number], "催一下").result == "not_found"
    any_db_services.tickets.cancel("me", view.number)
    assert any_db_services.tickets.chase("me", [view.number], "催一下").result == "not_found"
    assert staff_notifications(any_db_services, "ticket_chased") == []


# -- more said after the report, and broken again after closing -----------------------------------
def test_a_detail_goes_on_the_resident_s_ticket_and_its_assignee_hears_of_it(any_db_services, clock):
    services = any_db_services
    number = services.tickets.submit(repair("wx-1")).number
    clock.advance(minutes=20)

    assert services.tickets.just_reported("wx-1").number == number
    outcome = services.tickets.add_detail("wx-1", number, "已经漏到楼下了")
    again = services.tickets.add_detail("wx-1", number, "已经漏到楼下了")  # a second tap adds nothing

    assert outcome.result == again.result == "added"
    assert ticket_row(services, number).description == "厨房水管漏水；居民补充：已经漏到楼下了"
    assert [e.reason for e in events_of(services, number) if e.reason.startswith("居民补充")] == [
        "居民补充：已经漏到楼下了"]
    assert staff_notifications(services, "detail_added") == [
        ("wang", "detail_added", False, f"居民补充了工单 {number}（报修）的情况：已经漏到楼下了 地址：3栋1单元101。")]


def test_a_detail_only_for_one_s_own_open_ticket(any_db_services, clock):
    services = any_db_services
    number = services.tickets.submit(repair("wx-1")).number

    assert services.tickets.add_detail("wx-2", number, "我也补充一句").result == "not_found"
    assert services.tickets.just_reported("wx-2") is None
    services.tickets.cancel("wx-1", number)
    assert services.tickets.add_detail("wx-1", number, "已经漏到楼下了").result == "not_open"
    assert services.tickets.just_reported("wx-1") is None


def test_a_visit_moved_only_on_one_s_own_open_ticket_and_the_row_keeps_the_new_time(any_db_services, clock):
    services = any_db_services
    number = services.tickets.submit(repair("wx-1", visit_time="明天上午")).number

    assert services.tickets.move_visit("wx-2", number, "明天下午", "改下午").result == "not_found"
    assert services.tickets.move_visit("wx-1", number, "明天下午", "改下午").result == "moved"
    assert services.tickets.move_visit("wx-1", number, "明天下午", "改下午吧").result == "unchanged"
    assert services.tickets.move_visit("wx-1", number, "", "明天我不在家").result == "moved"

    assert ticket_row(services, number).visit_time == "明天下午"  # not knowing when is not a time
    assert [kind for _, kind, _, _ in staff_notifications(services) if kind.startswith("visit_")] == [
        "visit_moved", "visit_not_suitable"]
    services.tickets.cancel("wx-1", number)
    assert services.tickets.move_visit("wx-1", number, "周六上午", "改周六上午").result == "not_open"
    assert ticket_row(services, number).visit_time == "明天下午"


def test_only_a_ticket_reported_within_the_hour_is_just_reported(any_db_services, clock):
    services = any_db_services
    services.tickets.submit(repair("wx-1"))
    clock.advance(minutes=61)

    assert services.tickets.just_reported("wx-1") is None


def test_the_last_closed_ticket_within_thirty_days(any_db_services, clock):
    services = any_db_services
    number = services.tickets.submit(repair("wx-1")).number
    assert services.tickets.last_closed("wx-1") is None  # open
    services.tickets.step(number, Status.ACCEPTED, staff_code="wang")
    services.tickets.step(number, Status.RESOLVED, staff_code="wang")
    services.tickets.rate("wx-1", score=5, not_fixed=False)

    clock.advance(days=29)
    assert services.tickets.last_closed("wx-1").number == number
    clock.advance(days=2)
    assert services.tickets.last_closed("wx-1") is None


# -- cancelling -----------------------------------------------------------------------------------
def test_the_only_open_ticket_is_cancelled_and_the_assignee_told(any_db_services):
    view = any_db_services.tickets.submit(repair("me"))

    unsure = any_db_services.tickets.cancel("me")
    assert unsure.result == "confirm" and ticket_row(any_db_services, view.number).status == "assigned"

    outcome = any_db_services.tickets.cancel("me", view.number)

    assert outcome.result == "cancelled" and outcome.tickets[0].number == view.number
    assert ticket_row(any_db_services, view.number).status == "cancelled"
    last = events_of(any_db_services, view.number)[-1]
    assert (last.from_status, last.to_status, last.actor) == ("assigned", "cancelled", "resident:me")
    [(code, _, _, text)] = staff_notifications(any_db_services, "ticket_cancelled")
    assert code == "wang" and view.number in text and "撤销" in text


def test_with_several_open_tickets_the_resident_must_choose(any_db_services, clock):
    first = any_db_services.tickets.submit(repair("me", "阳台灯不亮"))
    clock.advance(minutes=1)
    second = any_db_services.tickets.submit(NewRequest("me", "parcel", "快递没收到", building="3", unit="1",
                                                       room="101"))

    outcome = any_db_services.tickets.cancel("me")

    assert outcome.result == "choose"
    assert {view.number for view in outcome.tickets} == {first.number, second.number}
    assert {row.status for row in rows(any_db_services, Ticket)} == {"assigned"}


def test_the_kind_the_resident_names_narrows_the_choice(any_db_services, clock):
    repaired = any_db_services.tickets.submit(repair("me", "阳台灯不亮"))
    clock.advance(minutes=1)
    any_db_services.tickets.submit(NewRequest("me", "parcel", "快递没收到", building="3", unit="1", room="101"))

    outcome = any_db_services.tickets.cancel("me", kinds={"repair"})  # 算了不用修了

    assert (outcome.result, [view.number for view in outcome.tickets]) == ("confirm", [repaired.number])
    none_of_that_kind = any_db_services.tickets.cancel("me", kinds={"noise_dispute"})
    assert none_of_that_kind.result == "choose"
    assert {row.status for row in rows(any_db_services, Ticket)} == {"assigned"}


def test_a_ticket_is_cancelled_by_its_number(any_db_services, clock):
    first = any_db_services.tickets.submit(repair("me", "阳台灯不亮"))
    clock.advance(minutes=1)
    second = any_db_services.tickets.submit(repair("me", "厨房水管漏水"))

    outcome = any_db_services.tickets.cancel("me", second.number)

    assert outcome.result == "cancelled"
    assert ticket_row(any_db_services, second.number).status == "cancelled"
    assert ticket_row(any_db_services, first.number).status == "assigned"


def test_cancel_says_when_there_is_nothing_to_cancel(any_db_services):
    assert any_db_services.tickets.cancel("stranger").result == "none_open"
    view = any_db_services.tickets.submit(repair("me"))
    assert any_db_services.tickets.cancel("me", "BX-20261121-0099").result == "not_found"
    assert any_db_services.tickets.cancel("someone-else", view.number).result == "not_found"
    assert ticket_row(any_db_services, view.number).status == "assigned"


def test_a_neighbour_who_joined_a_ticket_leaves_it_and_it_goes_on_for_the_first(any_db_services):
    first = any_db_services.tickets.submit(lift("r-101"))
    any_db_services.tickets.submit(lift("r-203", room="203"))

    assert any_db_services.tickets.cancel("r-203").result == "left"
    assert ticket_row(any_db_services, first.number).status == "assigned"
    assert any_db_services.tickets.mine("r-203") == [] and len(any_db_services.tickets.mine("r-101")) == 1
    assert events_of(any_db_services, first.number)[-1].reason == "同一问题的另一位反映人撤回了反映，不再接收进度通知"
    any_db_services.tickets.step(first.number, Status.ACCEPTED, staff_code="wang")
    told = resident_notifications(any_db_services, "status_changed")
    assert [n.recipient_id for n in told] == [ticket_row(any_db_services, first.number).resident_id]


# -- staff steps ----------------------------------------------------------------------------------
def test_the_butler_accepts_starts_and_resolves_and_the_resident_is_told(any_db_services):
    number = any_db_services.tickets.submit(repair("me")).number
    step = any_db_services.tickets.step

    assert step(number, Status.ACCEPTED, staff_code="wang").status == "accepted"
    assert step(number, Status.IN_PROGRESS, staff_code="wang").status == "in_progress"
    assert step(number, Status.RESOLVED, staff_code="wang", reason="换了新的阀门").status == "resolved"

    told = rows(any_db_services, Notification, Notification.recipient_kind == "resident")
    assert [n.kind for n in told] == ["status_changed", "status_changed", "ticket_resolved"]
    assert {n.recipient_id for n in told} == {resident_id(any_db_services, "me")}
    assert events_of(any_db_services, number)[-1].reason == "换了新的阀门"


def test_another_butler_cannot_resolve_someone_elses_ticket(any_db_services):
    number = any_db_services.tickets.submit(repair("me")).number
    any_db_services.tickets.step(number, Status.ACCEPTED, staff_code="wang")
    before = len(events_of(any_db_services, number))

    with pytest.raises(TicketError):
        any_db_services.tickets.step(number, Status.RESOLVED, staff_code="liu")

    assert ticket_row(any_db_services, number).status == "accepted"
    assert len(events_of(any_db_services, number)) == before


def test_the_duty_manager_may_resolve_any_ticket(any_db_services):
    number = any_db_services.tickets.submit(repair("me")).number
    any_db_services.tickets.step(number, Status.ACCEPTED, staff_code="wang")
    assert any_db_services.tickets.step(number, Status.RESOLVED, staff_code="zhao").status == "resolved"


def test_an_unknown_staff_code_or_number_is_refused(any_db_services):
    number = any_db_services.tickets.submit(repair("me")).number
    with pytest.raises(TicketError):
        any_db_services.tickets.step(number, Status.ACCEPTED, staff_code="nobody")
    with pytest.raises(TicketError):
        any_db_services.tickets.step("BX-20261121-0099", Status.ACCEPTED, staff_code="wang")
    with pytest.raises(TicketError):
        any_db_services.tickets.get("BX-20261121-0099")


def test_a_transfer_needs_the_person_it_goes_to(any_db_services):
    number = any_db_services.tickets.submit(repair("me")).number
    with pytest.raises(TicketError):
        any_db_services.tickets.step(number, Status.TRANSFERRED, staff_code="wang", reason="不是我负责的")
    assert ticket_row(any_db_services, number).status == "assigned"


def test_a_transfer_hands_the_ticket_over(any_db_services):
    number = any_db_services.tickets.submit(repair("me")).number

    view = any_db_services.tickets.step(number, Status.TRANSFERRED, staff_code="wang", reason="水电归刘师傅",
                                        to_staff="liu")

    assert (view.status, view.assignee_name) == ("transferred", "刘建华")
    assert ("liu", "ticket_assigned") in [(c, k) for c, k, _, _ in staff_notifications(any_db_services)]
    with pytest.raises(TicketError):  # no longer wang's to accept
        any_db_services.tickets.step(number, Status.ACCEPTED, staff_code="wang")
    assert any_db_services.tickets.step(number, Status.ACCEPTED, staff_code="liu").status == "accepted"


def test_escalation_goes_to_the_duty_manager(any_db_services):
    number = any_db_services.tickets.submit(repair("me")).number

    view = any_db_services.tickets.step(number, Status.ESCALATED, staff_code="wang", reason="需要更换主管道")

    assert (view.status, view.assignee_name) == ("escalated", "赵志刚")
    assert ticket_row(any_db_services, number).assignee_id == staff_id(any_db_services, "zhao")
    assert ("zhao", "ticket_assigned") in [(c, k) for c, k, _, _ in staff_notifications(any_db_services)]


def test_an_escalated_ticket_shows_the_duty_managers_role(any_db_services):
    number = any_db_services.tickets.submit(repair("me")).number
    view = any_db_services.tickets.step(number, Status.ESCALATED, staff_code="wang", reason="需要更换主管道")
    assert view.assignee_role == "duty_manager"
    assert any_db_services.tickets.mine("me")[0].assignee_role == "duty_manager"


def test_an_illegal_step_raises_and_leaves_nothing_behind(any_db_services):
    number = any_db_services.tickets.submit(repair("me")).number
    any_db_services.tickets.cancel("me", number)
    events_before, outbox_before = len(events_of(any_db_services, number)), count(any_db_services, Notification)

    with pytest.raises(TransitionNotAllowed):
        any_db_services.tickets.step(number, Status.RESOLVED, staff_code="wang")

    assert ticket_row(any_db_services, number).status == "cancelled"
    assert len(events_of(any_db_services, number)) == events_before
    assert count(any_db_services, Notification) == outbox_before


def test_every_change_is_one_event_with_its_actor_and_time(any_db_services, clock):
    number = any_db_services.tickets.submit(repair("me")).number
    clock.advance(minutes=7)
    any_db_services.tickets.step(number, Status.ACCEPTED, staff_code="wang")
    clock.advance(minutes=20)
    any_db_services.tickets.step(number, Status.IN_PROGRESS, staff_code="wang")
    clock.advance(minutes=40)
    any_db_services.tickets.step(number, Status.RESOLVED, staff_code="wang")
    clock.advance(hours=2)
    any_db_services.tickets.rate("me", score=4, not_fixed=False)

    trail = [(e.from_status, e.to_status, e.actor, e.at) for e in events_of(any_db_services, number)]
    assert trail == [
        (None, "new", "resident:me", at(21, 10, 0)),
        ("new", "assigned", "system", at(21, 10, 0)),
        ("assigned", "accepted", "staff:wang", at(21, 10, 7)),
        ("accepted", "in_progress", "staff:wang", at(21, 10, 27)),
        ("in_progress", "resolved", "staff:wang", at(21, 11, 7)),
        ("resolved", "closed", "resident:me", at(21, 13, 7)),
    ]
    assert [e.to_status for e in any_db_services.tickets.events(number)] == [t[1] for t in trail]
    assert ticket_row(any_db_services, number).updated_at == at(21, 13, 7)


def test_the_model_intent_and_confidence_are_kept_on_the_ticket(any_db_services):
    number = any_db_services.tickets.submit(repair("me", intent="repair", confidence=0.87,
                                                   model_id="nlu-20261120-3f2a")).number
    row = ticket_row(any_db_services, number)
    assert (row.intent, row.model_id) == ("repair", "nlu-20261120-3f2a")
    assert row.confidence == pytest.approx(0.87)


def test_staff_see_the_most_urgent_tickets_first(any_db_services, clock):
    normal = any_db_services.tickets.submit(repair("a", "阳台灯不亮"))
    high = any_db_services.tickets.submit(repair("b", "水龙头滴水", unit="2", room="502"))
    urgent = any_db_services.tickets.submit(repair("c", "燃气味很大"))
    elsewhere = any_db_services.tickets.submit(repair("d", "灯不亮", building="5", room="101"))

    assert [v.number for v in any_db_services.tickets.list(staff_code="wang")] == [
        urgent.number, high.number, normal.number]
    assert elsewhere.number in [v.number for v in any_db_services.tickets.list(open_only=True)]


# -- atomicity ------------------------------------------------------------------------------------
def _fail(*args, **kwargs):
    raise RuntimeError("simulated failure half-way through submit")


@pytest.mark.parametrize("target", ["bot.tickets.routing.route", "bot.services.outbox.to_staff"])
def test_a_failure_half_way_through_submit_leaves_no_rows_and_no_gap_in_the_numbers(
        any_db_services, monkeypatch, target):
    with monkeypatch.context() as patch:
        patch.setattr(target, _fail)
        with pytest.raises(RuntimeError, match="simulated"):
            any_db_services.tickets.submit(repair("me"))

    for model in (Ticket, TicketEvent, TicketReporter, Notification, Resident, DailySequence):
        assert count(any_db_services, model) == 0, model.__name__
    assert any_db_services.tickets.submit(repair("me")).number == "BX-20261121-0001"


def test_an_unknown_request_type_is_refused(any_db_services):
    with pytest.raises(TicketError):
        any_db_services.tickets.submit(NewRequest("me", "parking", "车位被占了", building="3", unit="1", room="101"))
    assert count(any_db_services, Ticket) == 0


# -- concurrency ----------------------------------------------------------------------------------
def _submit_together(services, requests: List[NewRequest]) -> Dict[str, object]:
    """Submit each request from its own thread, all released at once; openid -> number or error."""
    start = threading.Barrier(len(requests))
    results: Dict[str, object] = {}

    def run(request: NewRequest) -> None:
        start.wait()
        try:
            results[request.openid] = services.tickets.submit(request).number
        except Exception as error:  # reported by the assertion below
            results[request.openid] = error

    threads = [threading.Thread(target=run, args=(request,)) for request in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_ten_residents_submitting_at_once_get_ten_consecutive_numbers(any_db_services):
    """The day's sequence row exists (an earlier repair); ten more arrive in the same instant."""
    assert any_db_services.tickets.submit(repair("early-bird")).number == "BX-20261121-0001"
    requests = [repair(f"resident-{i}", f"{i}号房水管漏水", building="5", unit="1", room=f"{i // 2 + 1}0{i % 2 + 1}")
                for i in range(10)]

    results = _submit_together(any_db_services, requests)

    errors = [r for r in results.values() if isinstance(r, Exception)]
    assert errors == []
    assert sorted(results.values()) == [f"BX-20261121-{n:04d}" for n in range(2, 12)]


def _pause_after_reading_the_sequence(services, parties: int = 2):
    """Hold every submit at its first flush (just after it read the day's sequence) until all
    of them have read it, or until 3 s pass (a real row lock makes the others wait instead)."""
    meeting = threading.Barrier(parties, timeout=3)

    def hold(session, flush_context, instances):
        if session.info.setdefault("held", False):
            return
        session.info["held"] = True
        try:
            meeting.wait()
        except threading.BrokenBarrierError:
            pass  # the others are blocked on the lock: the database serialises us, as it should

    event.listen(services.factory, "before_flush", hold)


@pytest.mark.parametrize("day_started", [
    pytest.param(True, id="sequence-row-exists"),
    pytest.param(False, id="first-ticket-of-the-day"),
])
def test_two_bound_residents_submitting_in_the_same_instant_get_different_numbers(
        any_db_services, request, day_started):
    for openid, room in (("a", "101"), ("b", "102")):
        any_db_services.residents.bind(openid, building="5", unit="1", room=room)
    if day_started:
        any_db_services.tickets.submit(repair("early-bird", building="6", room="101"))
    _pause_after_reading_the_sequence(any_db_services)

    results = _submit_together(any_db_services, [repair("a", building="5", room="101"),
                                                 repair("b", building="5", room="102")])

    assert not [r for r in results.values() if isinstance(r, Exception)], results
    first = 2 if day_started else 1
    assert sorted(results.values()) == [f"BX-20261121-{first:04d}", f"BX-20261121-{first + 1:04d}"]
