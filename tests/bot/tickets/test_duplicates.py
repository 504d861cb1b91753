"""Five residents writing 电梯坏了 are one ticket; two flats with blocked toilets are two."""

from datetime import datetime, timedelta

from bot.tickets.duplicates import Report, find_duplicate, same_problem

T0 = datetime(2026, 11, 21, 9, 0)


def lift(building="3", room="502", minutes=0, ticket_id=None, facility="电梯"):
    return Report("repair", building, room, facility, T0 + timedelta(minutes=minutes), ticket_id)


def test_a_shared_facility_in_the_same_building_is_the_same_problem():
    assert same_problem(lift(room="1201", minutes=20), lift(room="502"))


def test_other_buildings_other_facilities_and_old_tickets_are_not():
    assert not same_problem(lift(building="4"), lift())
    assert not same_problem(lift(facility="楼道灯"), lift())
    assert not same_problem(lift(minutes=7 * 60), lift())


def test_a_flat_facility_is_the_same_problem_only_in_the_same_flat():
    toilet = Report("repair", "3", "502", "马桶", T0)
    assert not same_problem(Report("repair", "3", "601", "马桶", T0), toilet)
    assert same_problem(Report("repair", "3", "502", "马桶", T0 + timedelta(minutes=5)), toilet)


def test_the_same_room_number_in_another_unit_is_another_flat():
    kitchen = Report("repair", "3", "502", "水管", T0, unit="2")
    assert not same_problem(Report("repair", "3", "502", "水管", T0, unit="1"), kitchen)
    assert same_problem(Report("repair", "3", "502", "水管", T0, unit="2"), kitchen)


def test_a_lift_in_another_unit_is_another_lift():
    unit_one = Report("repair", "3", None, "电梯", T0, unit="1")
    assert not same_problem(Report("repair", "3", None, "电梯", T0, unit="2"), unit_one)
    assert same_problem(Report("repair", "3", "1201", "电梯", T0, unit="1"), unit_one)
    assert same_problem(Report("repair", "3", None, "电梯", T0), unit_one)  # unit unknown: most likely the same
    charger = Report("repair", "3", None, "充电桩", T0, unit="1")  # the building's, whichever unit reports it
    assert same_problem(Report("repair", "3", None, "充电桩", T0, unit="2"), charger)


def test_only_repairs_with_a_known_facility_join():
    assert not same_problem(Report("parcel", "3", "502", "快递柜", T0), Report("parcel", "3", "502", "快递柜", T0))
    assert not same_problem(lift(facility=None), lift(facility=None))


def test_the_newest_matching_ticket_is_chosen():
    tickets = [lift(minutes=0, ticket_id=1), lift(minutes=30, ticket_id=2), lift(building="5", ticket_id=3)]
    assert find_duplicate(lift(minutes=45), tickets).ticket_id == 2
    assert find_duplicate(lift(building="9"), tickets) is None
