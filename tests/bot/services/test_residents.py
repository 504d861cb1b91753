"""ResidentService: a resident binds their flat once (and may move); wrong addresses are refused
with a problem code the conversation turns into a helpful question, and nothing is written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.db.engine import transaction
from bot.db.models import Household, Resident, Staff
from bot.services.residents import Contact


def count(services, model) -> int:
    with transaction(services.factory) as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def stored_resident(services, openid: str) -> Resident:
    with transaction(services.factory) as session:
        return session.execute(select(Resident).where(Resident.openid == openid)).scalar_one()


def test_binding_a_flat_stores_it_and_the_phone(any_db_services):
    binding = any_db_services.residents.bind("me", building="3", unit="1", room="101", phone="13912345678")

    assert binding.problem is None and binding.changed_from is None
    profile = any_db_services.residents.profile("me")
    assert profile.bound
    assert (profile.building, profile.unit, profile.room, profile.phone) == ("3", "1", "101", "13912345678")
    assert binding.profile == profile


def test_moving_to_another_flat_says_where_from(any_db_services):
    any_db_services.residents.bind("me", building="3", unit="1", room="101")

    binding = any_db_services.residents.bind("me", building="5", unit="2", room="602")

    assert binding.problem is None
    assert binding.changed_from == "3栋1单元101"
    assert (binding.profile.building, binding.profile.unit, binding.profile.room) == ("5", "2", "602")
    assert count(any_db_services, Resident) == 1


def test_binding_the_same_flat_again_is_not_a_change(any_db_services):
    any_db_services.residents.bind("me", building="17", unit=None, room="804")
    binding = any_db_services.residents.bind("me", building="17", unit="1", room="804")
    assert binding.problem is None and binding.changed_from is None


def test_rebinding_keeps_the_phone_when_none_is_given(any_db_services):
    any_db_services.residents.bind("me", building="3", unit="1", room="101", phone="13912345678")
    any_db_services.residents.bind("me", building="3", unit="1", room="102")
    assert any_db_services.residents.profile("me").phone == "13912345678"


def test_a_one_unit_building_needs_no_unit(any_db_services):
    binding = any_db_services.residents.bind("me", building="17", unit=None, room="1203")
    assert binding.problem is None
    assert (binding.profile.unit, binding.profile.tags) == ("1", frozenset({"children"}))


@pytest.mark.parametrize("building, unit, room, problem", [
    ("4", "1", "101", "unknown_building"),      # the compound has no building 4
    ("99", "1", "101", "unknown_building"),
    ("3", "4", "101", "unknown_unit"),          # building 3 has three units
    ("3", None, "101", "unknown_unit"),         # ... so the unit is needed
    ("3", "1", "705", "impossible_room"),       # six floors, four doors per floor
    ("3", "1", "1501", "impossible_room"),
    ("3", "1", "105", "impossible_room"),
    ("3", "1", "五零二", "impossible_room"),
])
def test_an_address_that_does_not_exist_gives_the_problem_and_writes_nothing(any_db_services, building, unit,
                                                                              room, problem):
    households = count(any_db_services, Household)

    binding = any_db_services.residents.bind("me", building=building, unit=unit, room=room, phone="13912345678")

    assert (binding.problem, binding.profile) == (problem, None)
    assert any_db_services.residents.check_address(building, unit, room) == problem
    assert count(any_db_services, Resident) == 0
    assert count(any_db_services, Household) == households
    assert not any_db_services.residents.profile("me").bound


def test_a_refused_move_keeps_the_old_flat(any_db_services):
    any_db_services.residents.bind("me", building="3", unit="1", room="101")
    binding = any_db_services.residents.bind("me", building="3", unit="1", room="901")
    assert binding.problem == "impossible_room"
    assert any_db_services.residents.profile("me").room == "101"


def test_a_new_flat_becomes_a_household_once(any_db_services):
    households = count(any_db_services, Household)
    any_db_services.residents.bind("husband", building="6", unit="1", room="301")
    any_db_services.residents.bind("wife", building="6", unit="1", room="301")

    assert count(any_db_services, Household) == households + 1
    assert stored_resident(any_db_services, "husband").household_id == stored_resident(any_db_services,
                                                                                      "wife").household_id


@pytest.mark.parametrize("building, unit, room, tags", [
    ("3", "2", "502", {"elderly_alone"}),
    ("5", "1", "602", {"elderly_alone", "party_member"}),
    ("19", None, "1101", {"elderly_alone", "disabled"}),
    ("3", "1", "101", set()),
])
def test_the_profile_carries_the_households_marks(any_db_services, building, unit, room, tags):
    any_db_services.residents.bind("me", building=building, unit=unit, room=room)
    assert any_db_services.residents.profile("me").tags == frozenset(tags)


def test_an_unknown_resident_has_an_empty_profile(any_db_services):
    profile = any_db_services.residents.profile("stranger")
    assert not profile.bound and profile.tags == frozenset() and profile.phone == ""


def test_units_of_a_building(any_db_services):
    assert any_db_services.residents.units_of("3") == 3
    assert any_db_services.residents.units_of("17") == 1
    assert any_db_services.residents.units_of("4") is None


def test_reminders_are_on_until_the_resident_opts_out_and_back_in(any_db_services):
    residents = any_db_services.residents
    assert residents.reminders_enabled("oNEW") is True  # never seen: on by default

    assert residents.set_reminders("oNEW", False) is True
    assert residents.reminders_enabled("oNEW") is False
    assert residents.set_reminders("oNEW", False) is False  # already off: nothing changed

    assert residents.set_reminders("oNEW", True) is True
    assert residents.reminders_enabled("oNEW") is True


def test_a_residents_butler_is_the_active_butler_of_their_building(any_db_services):
    residents = any_db_services.residents
    residents.bind("me", building="17", unit="1", room="1201")
    residents.bind("new", building="19", unit="1", room="201")  # a building without a butler yet

    assert residents.butler("me") == Contact("金国强", "13800001004", "17")
    assert residents.butler("new") is None
    assert residents.butler("stranger") is None  # not bound to a household
    with transaction(any_db_services.factory) as session:
        session.execute(select(Staff).where(Staff.code == "jin")).scalar_one().active = False
    assert residents.butler("me") is None  # left: not someone to call
