"""Compounds are data: a YAML file, validated as a whole, upserted by compound code, read back
as routing tables, time limits and address checks."""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path
from typing import Callable, Dict, List

import pytest
import yaml
from sqlalchemy import event, select

from bot import compounds
from bot.compounds import DEMO_FILE, CompoundFileError
from bot.db.engine import make_engine, make_session_factory, transaction
from bot.db.models import Base, Building, Compound, Household, Staff
from bot.db.models import TimeLimit as TimeLimitRow
from bot.tickets.priority import DEFAULT_LIMITS, TimeLimit
from bot.tickets.routing import route


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'bot.db'}")
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def factory(engine):
    return make_session_factory(engine)


@pytest.fixture
def demo() -> Dict:
    return yaml.safe_load(DEMO_FILE.read_text(encoding="utf-8"))


def write(tmp_path: Path, data: Dict, name: str = "edited.yml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def load(factory, path: Path = DEMO_FILE) -> int:
    with transaction(factory) as session:
        return compounds.load_file(session, path).id


def snapshot(engine) -> Dict[str, List[tuple]]:
    """Every row of every table, to compare the database before and after."""
    with engine.connect() as connection:
        return {table.name: sorted(map(tuple, connection.execute(table.select()).all()), key=repr)
                for table in Base.metadata.sorted_tables}


def rows(factory, model, **where) -> list:
    with transaction(factory) as session:
        return list(session.execute(select(model).filter_by(**where)).scalars())


def building(data: Dict, number: str) -> Dict:
    return next(item for item in data["buildings"] if str(item["number"]) == number)


def staff_id(factory, code: str) -> int:
    return rows(factory, Staff, code=code)[0].id


# -- loading ---------------------------------------------------------------------------------------
def test_the_demo_file_loads(factory):
    compound_id = load(factory)
    compound = rows(factory, Compound)[0]
    assert (compound.id, compound.code, compound.name) == (compound_id, "demo", "红星家园")
    assert compound.reception_days == "3,15"
    assert compound.elevator_emergency_phone == "96333" and compound.property_phone
    assert compound.parcel_station == "南门东侧菜鸟驿站（每天8:00–21:00），各楼栋门口有丰巢快递柜"
    assert compound.duty_manager_id == staff_id(factory, "zhao")
    counts = [len(rows(factory, model)) for model in (Staff, Building, Household, TimeLimitRow)]
    assert counts == [8, 8, 10, 4]
    assert sorted(s.code for s in rows(factory, Staff, role="butler")) == ["chen", "jin", "liu", "wang"]
    assert rows(factory, Building, number="19")[0].butler_id is None
    building_3 = rows(factory, Building, number="3")[0]
    elderly = rows(factory, Household, building_id=building_3.id, unit="2", room="502")[0]
    assert (elderly.tag_set, elderly.care_colour) == ({"elderly_alone"}, "red")
    assert any("disabled" in household.tag_set for household in rows(factory, Household))


def test_loading_the_same_file_twice_changes_nothing(engine, factory):
    first = load(factory)
    before = snapshot(engine)
    writes = []

    def record(_conn, _cursor, statement, *_args) -> None:
        if statement.lstrip().split()[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            writes.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        assert load(factory) == first
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert writes == []
    assert snapshot(engine) == before


def test_an_edited_file_updates_the_rows(tmp_path, factory, demo):
    load(factory)
    ids = {row.number: row.id for row in rows(factory, Building)}
    wang = staff_id(factory, "wang")
    building(demo, "3")["butler"] = "chen"
    demo["staff"] = [member for member in demo["staff"] if member["code"] != "wang"]
    demo["time_limits"]["parcel"] = {"accept_minutes": 60}
    load(factory, write(tmp_path, demo))

    removed = rows(factory, Staff, code="wang")[0]
    assert (removed.id, removed.active) == (wang, False)  # kept: tickets reference staff
    assert rows(factory, Building, number="3")[0].butler_id == staff_id(factory, "chen")
    assert {row.number: row.id for row in rows(factory, Building)} == ids
    with transaction(factory) as session:
        compound = session.execute(select(Compound)).scalar_one()
        table = compounds.routing_table(session, compound)
        assert compounds.time_limit(session, compound, "parcel").accept_minutes == 60
    assert table.butlers["3"] == "chen" and "wang" not in table.butlers.values()

    load(factory)  # the original file again: wang is back, with the same row
    assert rows(factory, Staff, code="wang")[0].active is True
    assert rows(factory, Building, number="3")[0].butler_id == wang


def test_a_removed_time_limit_falls_back_to_the_default_and_new_values_are_read(tmp_path, factory, demo):
    del demo["time_limits"]["noise_dispute"]
    demo["time_limits"]["repair"] = {"accept_minutes": 45, "urgent_minutes": 5, "day_start": "07:30",
                                     "day_end": "21:00"}
    load(factory)
    load(factory, write(tmp_path, demo))
    with transaction(factory) as session:
        compound = session.execute(select(Compound)).scalar_one()
        assert compounds.time_limit(session, compound, "repair") == TimeLimit(45, 5, time(7, 30), time(21, 0))
        assert compounds.time_limit(session, compound, "noise_dispute") is DEFAULT_LIMITS["noise_dispute"]
    assert len(rows(factory, TimeLimitRow)) == 3


def test_a_building_leaves_the_file_only_while_no_household_belongs_to_it(tmp_path, engine, factory, demo):
    load(factory)
    demo["buildings"].append({"number": "20", "units": 1, "floors": 6, "doors_per_floor": 2})
    load(factory, write(tmp_path, demo))
    demo["buildings"].pop()
    load(factory, write(tmp_path, demo))
    assert not rows(factory, Building, number="20")

    demo["buildings"] = [item for item in demo["buildings"] if item["number"] != "19"]
    demo["households"] = [item for item in demo["households"] if item["building"] != "19"]
    before = snapshot(engine)
    with pytest.raises(CompoundFileError, match=r"edited\.yml: buildings: building '19' .* household"):
        load(factory, write(tmp_path, demo))
    assert snapshot(engine) == before


# -- validation ------------------------------------------------------------------------------------
def _set(path: str, value) -> Callable[[Dict], None]:
    """A mutation of the demo data: ``path`` is dotted, list items by index."""
    def mutate(data: Dict) -> None:
        *parents, last = path.split(".")
        target = data
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        if isinstance(target, list):
            target[int(last)] = value
        elif value is _DELETE:
            del target[last]
        else:
            target[last] = value
    return mutate


_DELETE = object()


def _duplicate_building(data: Dict) -> None:
    data["buildings"].append(dict(building(data, "3")))


# households[0] is 3-2-502, in building 3 (3 units, 6 floors, 4 doors per floor); staff[0] is wang.
INVALID = {  # name: (mutation, what the message must say after the file name)
    "unknown staff in routing": (
        _set("routing.mediation_committee", "nobody"),
        "routing.mediation_committee: unknown staff code 'nobody'"),
    "unknown staff as butler": (
        _set("buildings.2.butler", "nobody"), "buildings[2].butler: unknown staff code 'nobody'"),
    "missing duty manager": (_set("routing.duty_manager", _DELETE), "routing.duty_manager: is required"),
    "routing to the wrong role": (
        _set("routing.duty_manager", "wang"), "routing.duty_manager: staff 'wang' has role butler"),
    "duplicate building": (_duplicate_building, "buildings[8].number: duplicate building number '3'"),
    "unit outside the building": (
        _set("households.0.unit", "9"), "households[0].unit: building 3 has units 1 to 3"),
    "unit missing in a multi-unit building": (
        _set("households.0.unit", _DELETE), "households[0].unit: is required"),
    "room above the top floor": (
        _set("households.0.room", "1905"),
        "households[0].room: room '1905' does not exist in building 3 (6 floors"),
    "door beyond the doors per floor": (
        _set("households.0.room", "507"),
        "households[0].room: room '507' does not exist in building 3 (6 floors, 4 doors per floor)"),
    "door 00": (_set("households.0.room", "500"), "households[0].room: room '500' does not exist"),
    "household in an unknown building": (
        _set("households.0.building", "99"), "households[0].building: building '99' is not in buildings"),
    "unknown tag": (_set("households.0.tags", ["vip"]), "households[0].tags[0]: unknown tag 'vip'"),
    "unknown care colour": (
        _set("households.0.care_colour", "blue"), "households[0].care_colour: unknown care colour 'blue'"),
    "unknown request type": (
        _set("time_limits.cleaning", {"accept_minutes": 60}),
        "time_limits.cleaning: unknown request type 'cleaning'"),
    "unknown role": (_set("staff.0.role", "cleaner"), "staff[0].role: unknown role 'cleaner'"),
    "duplicate staff code": (_set("staff.1.code", "wang"), "staff[1].code: duplicate staff code 'wang'"),
    "unquoted phone": (
        _set("staff.0.phone", 13800001001), "staff[0].phone: must be a non-empty (quoted) string"),
    "bad working hours": (
        _set("time_limits.repair.day_start", "8am"), "time_limits.repair.day_start: '8am' is not valid"),
    "reception hours ending before they start": (
        _set("reception_hours", "11:30-09:00"), "reception_hours: '11:30-09:00' must end after it starts"),
    "typo in a key": (_set("buildings.0.butlr", "liu"), "buildings[0].butlr: unknown key"),
    "parcel station too long": (_set("parcel_station", "驿站" * 51), "parcel_station: '驿站驿站"),
    "openid too short": (
        _set("staff.0.openid", "oDEMO_wang"), "staff[0].openid: 'oDEMO_wang' is not valid; a WeChat openid"),
    "openid too long": (_set("staff.0.openid", "o" * 29), "staff[0].openid: " + repr("o" * 29) + " is not valid"),
    "openid with other characters": (
        _set("staff.0.openid", "oDEMO王秀英" + "_" * 20), "staff[0].openid: 'oDEMO王秀英"),
    "openid not a string": (_set("staff.0.openid", ["oDEMO"]), "staff[0].openid: must be a non-empty"),
    "duplicate openid": (
        _set("staff.1.openid", "oDEMO_wang__________________"),
        "staff[1].openid: duplicate openid 'oDEMO_wang__________________' (also staff[0])"),
}


@pytest.mark.parametrize("mutate, message", INVALID.values(), ids=INVALID.keys())
def test_an_invalid_file_is_refused_with_the_file_key_and_problem_and_nothing_changes(
        tmp_path, engine, factory, demo, mutate, message):
    load(factory)
    before = snapshot(engine)
    mutate(demo)
    path = write(tmp_path, demo, "broken.yml")
    with pytest.raises(CompoundFileError) as error:
        load(factory, path)
    assert str(error.value).startswith(f"{path}: ")
    assert message in str(error.value)
    assert isinstance(error.value, ValueError)
    assert snapshot(engine) == before


def test_an_invalid_file_leaves_an_empty_database_empty(tmp_path, engine, factory, demo):
    before = snapshot(engine)
    _set("routing.duty_manager", "nobody")(demo)
    with pytest.raises(CompoundFileError, match="unknown staff code 'nobody'"):
        load(factory, write(tmp_path, demo))
    assert snapshot(engine) == before


def test_a_failure_while_writing_rolls_everything_back(tmp_path, engine, factory, demo, monkeypatch):
    load(factory)
    before = snapshot(engine)
    building(demo, "3")["butler"] = "chen"

    def fail(*_args) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(compounds, "_save_households", fail)
    with pytest.raises(RuntimeError):
        load(factory, write(tmp_path, demo))
    assert snapshot(engine) == before


def test_invalid_yaml_is_a_compound_file_error(tmp_path, factory):
    path = tmp_path / "bad.yml"
    path.write_text("code: [demo\n", encoding="utf-8")
    with pytest.raises(CompoundFileError, match="bad.yml: .*not valid YAML"):
        load(factory, path)


# -- staff openids ---------------------------------------------------------------------------------
def openids(factory) -> Dict[str, object]:
    return {row.code: row.openid for row in rows(factory, Staff)}


def test_every_demo_staff_member_has_a_fixed_openid_shaped_like_wechats(factory, demo):
    load(factory)
    stored = openids(factory)
    assert stored == {member["code"]: member["openid"] for member in demo["staff"]}
    assert all(re.fullmatch(r"oDEMO_[A-Za-z0-9_-]{22}", openid) for openid in stored.values())
    assert len(set(stored.values())) == len(stored)


def test_the_openid_is_optional_and_the_file_decides_it(tmp_path, factory, demo):
    load(factory)
    del demo["staff"][0]["openid"]  # wang
    demo["staff"][1]["openid"] = "oPfx0t4Lz-Wq2J9cAbCdEfGhIjKl"  # liu: a new phone, a new WeChat
    load(factory, write(tmp_path, demo))
    assert openids(factory)["wang"] is None
    assert openids(factory)["liu"] == "oPfx0t4Lz-Wq2J9cAbCdEfGhIjKl"


def test_staff_can_swap_openids_and_a_departed_members_openid_can_go_to_a_newcomer(tmp_path, factory, demo):
    load(factory)
    wang, liu = (member["openid"] for member in demo["staff"][:2])
    demo["staff"][0]["openid"], demo["staff"][1]["openid"] = liu, wang
    load(factory, write(tmp_path, demo))
    assert (openids(factory)["wang"], openids(factory)["liu"]) == (liu, wang)

    zhou = demo["staff"].pop()  # the admin leaves; a new admin gets the same WeChat account
    demo["staff"].append({**zhou, "code": "qian", "name": "钱进"})
    load(factory, write(tmp_path, demo))
    left = rows(factory, Staff, code="zhou")[0]
    assert (left.active, left.openid) == (False, None)
    assert openids(factory)["qian"] == zhou["openid"]


def test_an_openid_of_another_compounds_staff_is_refused_and_nothing_changes(tmp_path, engine, factory, demo):
    load(factory)
    before = snapshot(engine)
    other = {**demo, "code": "other", "name": "另一个小区", "households": []}
    other["staff"] = [{**member, "openid": member["openid"] if member["code"] == "du" else None}
                      for member in demo["staff"]]
    path = write(tmp_path, other, "other.yml")
    with pytest.raises(CompoundFileError) as error:
        load(factory, path)
    assert str(error.value) == (f"{path}: staff[5].openid: openid 'oDEMO_du____________________' already "
                                "belongs to staff 'du' of compound 'demo'")
    assert snapshot(engine) == before


# -- reading ---------------------------------------------------------------------------------------
@pytest.fixture
def loaded(factory):
    load(factory)
    with transaction(factory) as session:
        yield session, session.execute(select(Compound)).scalar_one()


@pytest.mark.parametrize("request_type, number, assignee, role", [
    ("repair", "3", "wang", "butler"),
    ("parcel", "3", "wang", "butler"),
    ("repair", "17", "jin", "butler"),
    ("repair", "18", "jin", "butler"),  # one butler serves 17 and 18
    ("noise_dispute", "3", "mediation", "mediation_committee"),
    ("pension_certification", "3", "du", "errand_agent"),
])
def test_routing_table_sends_requests_to_the_right_staff(loaded, request_type, number, assignee, role):
    session, compound = loaded
    decision = route(compounds.routing_table(session, compound), request_type, number)
    assert (decision.assignee, decision.role, decision.is_fallback) == (assignee, role, False)


def test_the_building_without_a_butler_goes_to_the_duty_manager_with_the_reason(loaded):
    session, compound = loaded
    decision = route(compounds.routing_table(session, compound), "repair", "19")
    assert (decision.assignee, decision.role) == ("zhao", "duty_manager")
    assert decision.fallback_reason == "19栋没有红管家"


def test_inactive_staff_are_not_routed_to(loaded):
    session, compound = loaded
    session.execute(select(Staff).where(Staff.code == "wang")).scalar_one().active = False
    table = compounds.routing_table(session, compound)
    assert "3" not in table.butlers and route(table, "repair", "3").assignee == "zhao"


def test_time_limits_come_from_the_file(loaded):
    session, compound = loaded
    assert compounds.time_limit(session, compound, "repair") == TimeLimit(30, 10, time(8, 0), time(20, 0))
    assert [compounds.time_limit(session, compound, kind).accept_minutes
            for kind in ("parcel", "noise_dispute", "pension_certification")] == [120, 720, 720]


@pytest.mark.parametrize("number, unit, room, problem", [
    ("3", "2", "502", None),
    ("17", None, "1203", None),  # one unit: the unit may be left out
    ("17", "1", "1804", None),
    ("6", "2", "701", None),
    ("99", "1", "101", "unknown_building"),
    (None, "1", "101", "unknown_building"),
    ("3", "9", "101", "unknown_unit"),
    ("3", None, "502", "unknown_unit"),  # three units: which one?
    ("3", "2", "1905", "impossible_room"),  # 6 floors
    ("3", "2", "507", "impossible_room"),  # 4 doors per floor
    ("3", "2", "500", "impossible_room"),
    ("3", "2", "0502", "impossible_room"),
    ("3", "2", "5o2", "impossible_room"),
    ("3", "2", None, "impossible_room"),
])
def test_check_address(loaded, number, unit, room, problem):
    session, compound = loaded
    assert compounds.check_address(session, compound, number, unit, room) == problem


@pytest.mark.parametrize("number, unit, problem", [
    ("3", "2", None), ("17", None, None),  # a lift's place: its building and unit
    ("3", "9", "unknown_unit"), ("3", None, "unknown_unit"), ("99", "1", "unknown_building"),
])
def test_a_place_without_a_room(loaded, number, unit, problem):
    session, compound = loaded
    assert compounds.check_address(session, compound, number, unit, None, room_needed=False) == problem


@pytest.mark.parametrize("numbers, said", [
    (["1", "2", "3", "5", "6", "17", "18", "19"], "1–3、5、6、17–19"),
    (["12", "10", "11", "9"], "9–12"), (["1", "2"], "1、2"), (["A", "2", "1"], "1、2、A"), ([], ""),
])
def test_the_buildings_a_resident_is_told_of(numbers, said):
    assert compounds.describe_numbers(numbers) == said
