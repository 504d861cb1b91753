"""Compounds as data: one YAML file per compound (staff, routing, buildings, time limits,
marked households), validated as a whole and then upserted into the database.

``load_file`` / ``load_data`` write nothing unless the whole file is valid; otherwise they
raise :class:`CompoundFileError` naming the file, the key and the problem. The caller owns
the transaction (``with transaction(factory) as session``), so an error raised while writing
rolls everything back. Loading the same file twice changes nothing.

The read side turns the rows back into the plain objects the ticket domain works with:
``routing_table``, ``time_limit`` and ``check_address``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Any, Dict, Mapping, NoReturn, Optional, Sequence, Tuple, Union

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import reception
from bot.db.models import Building, Compound, Household, Staff
from bot.db.models import TimeLimit as TimeLimitRow
from bot.tickets import REQUEST_TYPES
from bot.tickets.priority import DEFAULT_LIMITS, TimeLimit
from bot.tickets.routing import RoutingTable

DEMO_FILE = Path(__file__).with_name("demo.yml")

ROLES = ("butler", "mediation_committee", "errand_agent", "duty_manager", "admin")
ROUTING_KEYS = ("duty_manager", "mediation_committee", "errand_agent")  # each names staff of that role
TAGS = ("party_member", "elderly_alone", "disabled", "children")
CARE_COLOURS = ("red", "yellow", "green")

_TOP_REQUIRED = ("code", "name", "staff", "routing", "buildings")
_TOP_OPTIONAL = ("reception_days", "reception_hours", "reception_place", "reception_on_holiday",
                 "elevator_emergency_phone", "property_phone", "parcel_station", "time_limits", "households")
_HANDLE = re.compile(r"[a-z][a-z0-9_-]*")
_BUILDING_NUMBER = re.compile(r"[1-9]\d{0,2}|[A-Z]")  # as bot.nlu.address gives it
_UNIT = re.compile(r"[1-9]\d?")
_ROOM = re.compile(r"[1-9]\d{2,3}")  # floor, then a two-digit door: 502, 1203
_PHONE = re.compile(r"[0-9+][0-9 -]*")
_CLOCK = re.compile(r"(?:[01]\d|2[0-3]):[0-5]\d")
_OPENID = re.compile(r"[A-Za-z0-9_-]{28}")  # as WeChat gives them (bot.wechat.config.openid_pattern)
_HANDLE_HINT = "use lowercase ASCII letters, digits, - and _"
_PHONE_HINT = "digits, spaces and dashes in quotes, e.g. \"0571-8888 6666\""
_OPENID_HINT = "a WeChat openid is 28 characters: ASCII letters, digits, - and _"


class CompoundFileError(ValueError):
    """A compound file that cannot be loaded: the message names the file, the key and why."""

    def __init__(self, message: str, key: str = "") -> None:
        super().__init__(message)
        self.key = key  # the key at fault ("time_limits.repair.accept_minutes"), "" if no one key


# -- the validated file ---------------------------------------------------------------------
@dataclass(frozen=True)
class StaffSpec:
    code: str
    name: str
    role: str
    phone: str
    openid: Optional[str] = None  # their WeChat openid for the official account: None, no WeChat


@dataclass(frozen=True)
class BuildingSpec:
    number: str
    units: int
    floors: int
    doors_per_floor: int
    butler: Optional[str]


@dataclass(frozen=True)
class LimitSpec:
    accept_minutes: int
    urgent_minutes: int
    day_start: str
    day_end: str


@dataclass(frozen=True)
class HouseholdSpec:
    building: str
    unit: str
    room: str
    tags: str  # comma-separated, in TAGS order
    care_colour: str


@dataclass(frozen=True)
class CompoundSpec:
    code: str
    name: str
    reception_days: str  # "3,15"
    reception_hours: str  # "09:00-11:30"
    reception_place: str
    reception_on_holiday: str  # keep | next_working_day
    elevator_emergency_phone: str
    property_phone: str
    staff: Tuple[StaffSpec, ...]
    routing: Mapping[str, Optional[str]]  # routing key -> staff code
    buildings: Tuple[BuildingSpec, ...]
    time_limits: Mapping[str, LimitSpec]
    households: Tuple[HouseholdSpec, ...]
    parcel_station: str = ""  # where the parcel station and lockers are, when open; told as it is


class _Checker:
    """Typed reads of the raw YAML data; every failure names the file and the key."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, problem: str) -> NoReturn:
        raise CompoundFileError(f"{self.source}: {key or '(top level)'}: {problem}", key)

    def mapping(self, value: Any, key: str, required: Sequence[str], optional: Sequence[str] = ()) -> dict:
        if not isinstance(value, dict):
            self.fail(key, "must be a mapping")
        for name in required:
            if value.get(name) is None:
                self.fail(_join(key, name), "is required")
        unknown = sorted(str(name) for name in value if name not in required and name not in optional)
        if unknown:
            expected = ", ".join((*required, *optional))
            self.fail(_join(key, unknown[0]), f"unknown key; expected one of {expected}")
        return value

    def items(self, value: Any, key: str) -> list:
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(key, "must be a list")
        return value

    def text(self, value: Any, key: str, max_len: int, pattern: Optional[re.Pattern] = None,
             hint: str = "") -> str:
        if isinstance(value, int) and not isinstance(value, bool) and pattern is not _PHONE:
            value = str(value)  # building 3, unit 2, room 502 may be written unquoted
        if not isinstance(value, str) or not value.strip():
            self.fail(key, f"must be a non-empty (quoted) string, not {value!r}")
        value = value.strip()
        if len(value) > max_len or (pattern is not None and not pattern.fullmatch(value)):
            self.fail(key, f"{value!r} is not valid{'; ' + hint if hint else ''}")
        return value

    def integer(self, value: Any, key: str, low: int, high: int) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            self.fail(key, f"must be a whole number from {low} to {high}, not {value!r}")
        return value

    def choice(self, value: Any, key: str, allowed: Sequence[str], what: str) -> str:
        if value not in allowed:
            self.fail(key, f"unknown {what} {value!r}; expected one of {', '.join(allowed)}")
        return value


def _join(key: str, name: Any) -> str:
    return f"{key}.{name}" if key else str(name)


def validate(data: Any, source: str = "<data>") -> CompoundSpec:
    """The whole compound file checked and normalised; raises CompoundFileError on any mistake."""
    check = _Checker(source)
    data = check.mapping(data, "", _TOP_REQUIRED, _TOP_OPTIONAL)
    staff = _staff(check, check.items(data["staff"], "staff"))
    roles = {member.code: member.role for member in staff}
    buildings = _buildings(check, check.items(data["buildings"], "buildings"), roles)
    return CompoundSpec(
        code=check.text(data["code"], "code", 40, _HANDLE, _HANDLE_HINT),
        name=check.text(data["name"], "name", 100),
        reception_days=_reception_days(check, data.get("reception_days", [3, 15])),
        reception_hours=_reception_hours(check, data.get("reception_hours", reception.DEFAULT_HOURS)),
        reception_place=check.text(data["reception_place"], "reception_place", 100)
        if data.get("reception_place") is not None else "",
        reception_on_holiday=check.choice(data.get("reception_on_holiday", reception.KEEP),
                                          "reception_on_holiday", reception.HOLIDAY_RULES, "holiday rule"),
        elevator_emergency_phone=_phone(check, data.get("elevator_emergency_phone"),
                                        "elevator_emergency_phone", 40),
        property_phone=_phone(check, data.get("property_phone"), "property_phone", 40),
        parcel_station=check.text(data["parcel_station"], "parcel_station", 100)
        if data.get("parcel_station") is not None else "",
        staff=staff,
        routing=_routing(check, data["routing"], roles),
        buildings=buildings,
        time_limits=_time_limits(check, data.get("time_limits")),
        households=_households(check, check.items(data.get("households"), "households"), buildings),
    )


def _reception_days(check: _Checker, value: Any) -> str:
    days = check.items(value, "reception_days")
    if not days:
        check.fail("reception_days", "must list at least one day of the month")
    numbers = sorted({check.integer(day, f"reception_days[{i}]", 1, 31) for i, day in enumerate(days)})
    return ",".join(str(day) for day in numbers)


def _reception_hours(check: _Checker, value: Any) -> str:
    hours = check.text(value, "reception_hours", 11, reception.HOURS, "write the hours like 09:00-11:30")
    if hours[:5] >= hours[6:]:
        check.fail("reception_hours", f"{hours!r} must end after it starts")
    return hours


def _phone(check: _Checker, value: Any, key: str, max_len: int) -> str:
    if value is None or value == "":
        return ""
    return check.text(value, key, max_len, _PHONE, _PHONE_HINT)


def _staff(check: _Checker, items: list) -> Tuple[StaffSpec, ...]:
    staff: Dict[str, StaffSpec] = {}
    openids: Dict[str, str] = {}  # openid -> key of the staff member who has it
    for i, item in enumerate(items):
        key = f"staff[{i}]"
        item = check.mapping(item, key, ("code", "name", "role"), ("phone", "openid"))
        code = check.text(item["code"], f"{key}.code", 40, _HANDLE, _HANDLE_HINT)
        if code in staff:
            check.fail(f"{key}.code", f"duplicate staff code {code!r}")
        openid = _openid(check, item.get("openid"), f"{key}.openid")
        if openid in openids:
            check.fail(f"{key}.openid", f"duplicate openid {openid!r} (also {openids[openid]})")
        if openid:
            openids[openid] = key
        staff[code] = StaffSpec(code, check.text(item["name"], f"{key}.name", 50),
                                check.choice(item["role"], f"{key}.role", ROLES, "role"),
                                _phone(check, item.get("phone"), f"{key}.phone", 20), openid)
    return tuple(staff.values())


def _openid(check: _Checker, value: Any, key: str) -> Optional[str]:
    if value is None or value == "":
        return None
    return check.text(value, key, 28, _OPENID, _OPENID_HINT)


def _staff_ref(check: _Checker, value: Any, key: str, roles: Mapping[str, str], role: str) -> str:
    """A staff code that exists in the file and belongs to someone with ``role``."""
    if not isinstance(value, str) or value not in roles:
        known = ", ".join(sorted(roles)) or "nobody"
        check.fail(key, f"unknown staff code {value!r}; the staff list has {known}")
    if roles[value] != role:
        check.fail(key, f"staff {value!r} has role {roles[value]}, expected {role}")
    return value


def _routing(check: _Checker, value: Any, roles: Mapping[str, str]) -> Dict[str, Optional[str]]:
    data = check.mapping(value, "routing", ("duty_manager",), ROUTING_KEYS[1:])
    return {name: None if data.get(name) is None else
            _staff_ref(check, data[name], f"routing.{name}", roles, name) for name in ROUTING_KEYS}


def _buildings(check: _Checker, items: list, roles: Mapping[str, str]) -> Tuple[BuildingSpec, ...]:
    buildings: Dict[str, BuildingSpec] = {}
    for i, item in enumerate(items):
        key = f"buildings[{i}]"
        item = check.mapping(item, key, ("number", "units", "floors", "doors_per_floor"), ("butler",))
        number = check.text(item["number"], f"{key}.number", 10, _BUILDING_NUMBER,
                            "write it as residents say it: \"3\" (no leading zeros) or one capital letter")
        if number in buildings:
            check.fail(f"{key}.number", f"duplicate building number {number!r}")
        butler = item.get("butler")
        buildings[number] = BuildingSpec(
            number, check.integer(item["units"], f"{key}.units", 1, 99),
            check.integer(item["floors"], f"{key}.floors", 1, 99),
            check.integer(item["doors_per_floor"], f"{key}.doors_per_floor", 1, 99),
            None if butler is None else _staff_ref(check, butler, f"{key}.butler", roles, "butler"))
    if not buildings:
        check.fail("buildings", "must list at least one building")
    return tuple(buildings.values())


def _time_limits(check: _Checker, value: Any) -> Dict[str, LimitSpec]:
    if not isinstance(value or {}, dict):
        check.fail("time_limits", "must be a mapping of request type to limits")
    limits = {}
    for request_type, item in (value or {}).items():
        key = f"time_limits.{request_type}"
        check.choice(request_type, key, REQUEST_TYPES, "request type")
        item = check.mapping(item, key, ("accept_minutes",), ("urgent_minutes", "day_start", "day_end"))
        start, end = (check.text(item.get(name, default), f"{key}.{name}", 5, _CLOCK, "quoted \"HH:MM\"")
                      for name, default in (("day_start", "08:00"), ("day_end", "20:00")))
        if start >= end:
            check.fail(f"{key}.day_end", f"working hours must end after they start ({start})")
        limits[request_type] = LimitSpec(
            check.integer(item["accept_minutes"], f"{key}.accept_minutes", 1, 30 * 24 * 60),
            check.integer(item.get("urgent_minutes", 10), f"{key}.urgent_minutes", 1, 24 * 60), start, end)
    return limits


def _households(check: _Checker, items: list, buildings: Sequence[BuildingSpec]) -> Tuple[HouseholdSpec, ...]:
    by_number = {building.number: building for building in buildings}
    households: Dict[Tuple[str, str, str], HouseholdSpec] = {}
    for i, item in enumerate(items):
        key = f"households[{i}]"
        item = check.mapping(item, key, ("building", "room"), ("unit", "tags", "care_colour"))
        number = check.text(item["building"], f"{key}.building", 10)
        building = by_number.get(number) or check.fail(f"{key}.building",
                                                       f"building {number!r} is not in buildings")
        unit, room = _household_address(check, key, building, item)
        tags = [check.choice(tag, f"{key}.tags[{j}]", TAGS, "tag")
                for j, tag in enumerate(check.items(item.get("tags"), f"{key}.tags"))]
        if (number, unit, room) in households:
            check.fail(key, f"household {number}-{unit}-{room} is listed twice")
        households[(number, unit, room)] = HouseholdSpec(
            number, unit, room, ",".join(tag for tag in TAGS if tag in tags),
            check.choice(item.get("care_colour", "green"), f"{key}.care_colour", CARE_COLOURS, "care colour"))
    return tuple(households.values())


def _household_address(check: _Checker, key: str, building: BuildingSpec, item: dict) -> Tuple[str, str]:
    """The canonical unit and room of a listed household, checked against its building."""
    unit = None if item.get("unit") is None else check.text(item["unit"], f"{key}.unit", 10)
    room = check.text(item["room"], f"{key}.room", 10)
    problem = address_problem(building.units, building.floors, building.doors_per_floor, unit, room)
    if problem == "unknown_unit" and unit is None:
        check.fail(f"{key}.unit", f"is required: building {building.number} has {building.units} units")
    if problem == "unknown_unit":
        check.fail(f"{key}.unit", f"building {building.number} has units 1 to {building.units}, not {unit!r}")
    if problem == "impossible_room":
        check.fail(f"{key}.room", f"room {room!r} does not exist in building {building.number} "
                   f"({building.floors} floors, {building.doors_per_floor} doors per floor)")
    return unit or "1", room


# -- loading ----------------------------------------------------------------------------------
def load_file(session: Session, path: Union[str, Path]) -> Compound:
    """Validate the YAML file at ``path`` and upsert its compound (see :func:`load_data`)."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise CompoundFileError(f"{path}: (file): not valid YAML: {error}") from error
    return load_data(session, data, source=str(path))


def load_data(session: Session, data: Any, source: str = "<data>") -> Compound:
    """Validate ``data`` (a parsed compound file) and make the database match it.

    Matched by compound code; nothing is written unless all of it is valid. Staff no longer
    listed are deactivated, never deleted. Runs in the caller's transaction.
    """
    spec = validate(data, source)
    compound = session.execute(select(Compound).where(Compound.code == spec.code)).scalar_one_or_none()
    _check_openids_free(session, compound, spec, source)
    if compound is None:
        compound = Compound(code=spec.code, name=spec.name)
        session.add(compound)
    else:
        _check_removed_buildings(session, compound, spec, source)
    _assign(compound, name=spec.name, reception_days=spec.reception_days, reception_hours=spec.reception_hours,
            reception_place=spec.reception_place, reception_on_holiday=spec.reception_on_holiday,
            property_phone=spec.property_phone, elevator_emergency_phone=spec.elevator_emergency_phone,
            parcel_station=spec.parcel_station)
    session.flush()
    staff = _save_staff(session, compound, spec.staff)
    _assign(compound, **{f"{name}_id": staff[code].id if code else None
                         for name, code in spec.routing.items()})
    buildings = _save_buildings(session, compound, spec.buildings, staff)
    _save_time_limits(session, compound, spec.time_limits)
    _save_households(session, buildings, spec.households)
    session.flush()
    return compound


def _assign(row: Any, **values: Any) -> None:
    """Set only the attributes that differ, so an unchanged file leaves rows untouched."""
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)


def _check_removed_buildings(session: Session, compound: Compound, spec: CompoundSpec, source: str) -> None:
    """A building may leave the file only while no household belongs to it (nothing to orphan)."""
    listed = {building.number for building in spec.buildings}
    rows = session.execute(
        select(Building.number, func.count(Household.id))
        .join(Household, Household.building_id == Building.id)
        .where(Building.compound_id == compound.id).group_by(Building.number)).all()
    for number, households in rows:
        if number not in listed:
            raise CompoundFileError(f"{source}: buildings: building {number!r} is no longer listed but "
                                    f"{households} household(s) in the database belong to it; "
                                    "keep it in the file")


def _check_openids_free(session: Session, compound: Optional[Compound], spec: CompoundSpec,
                        source: str) -> None:
    """An openid is one person: staff of another compound may not have it already."""
    keys = {member.openid: f"staff[{i}].openid" for i, member in enumerate(spec.staff) if member.openid}
    if not keys:
        return
    query = (select(Staff.openid, Staff.code, Compound.code).join(Compound, Compound.id == Staff.compound_id)
             .where(Staff.openid.in_(keys)))
    if compound is not None:
        query = query.where(Staff.compound_id != compound.id)
    taken = session.execute(query.order_by(Staff.openid)).first()
    if taken is not None:
        openid, code, other = taken
        raise CompoundFileError(f"{source}: {keys[openid]}: openid {openid!r} already belongs to staff "
                                f"{code!r} of compound {other!r}")


def _save_staff(session: Session, compound: Compound, specs: Sequence[StaffSpec]) -> Dict[str, Staff]:
    rows = {row.code: row for row in session.execute(
        select(Staff).where(Staff.compound_id == compound.id)).scalars()}
    _release_openids(session, rows, {spec.code: spec.openid for spec in specs})
    for spec in specs:
        row = rows.get(spec.code)
        if row is None:
            row = rows[spec.code] = Staff(compound_id=compound.id, code=spec.code)
            session.add(row)
        _assign(row, name=spec.name, role=spec.role, phone=spec.phone, openid=spec.openid, active=True)
    listed = {spec.code for spec in specs}
    for code, row in rows.items():
        if code not in listed:
            _assign(row, active=False)  # tickets and events still reference them
    session.flush()
    return rows


def _release_openids(session: Session, rows: Mapping[str, Staff], wanted: Mapping[str, Optional[str]]) -> None:
    """Clear the openids that change or go (staff no longer listed included) before any is given
    out again: staff.openid is unique after every statement, so two staff swapping openids, or a
    departed member's openid going to a newcomer, would otherwise fail half-way."""
    changing = [row for code, row in rows.items() if row.openid is not None and wanted.get(code) != row.openid]
    for row in changing:
        row.openid = None
    if changing:
        session.flush()


def _save_buildings(session: Session, compound: Compound, specs: Sequence[BuildingSpec],
                    staff: Mapping[str, Staff]) -> Dict[str, Building]:
    rows = {row.number: row for row in session.execute(
        select(Building).where(Building.compound_id == compound.id)).scalars()}
    for spec in specs:
        row = rows.get(spec.number)
        if row is None:
            row = rows[spec.number] = Building(compound_id=compound.id, number=spec.number)
            session.add(row)
        _assign(row, units=spec.units, floors=spec.floors, doors_per_floor=spec.doors_per_floor,
                butler_id=staff[spec.butler].id if spec.butler else None)
    listed = {spec.number for spec in specs}
    for number in [number for number in rows if number not in listed]:
        session.delete(rows.pop(number))  # no households: checked before writing
    session.flush()
    return rows


def _save_time_limits(session: Session, compound: Compound, specs: Mapping[str, LimitSpec]) -> None:
    rows = {row.request_type: row for row in session.execute(
        select(TimeLimitRow).where(TimeLimitRow.compound_id == compound.id)).scalars()}
    for request_type, spec in specs.items():
        row = rows.get(request_type)
        if row is None:
            row = TimeLimitRow(compound_id=compound.id, request_type=request_type)
            session.add(row)
        _assign(row, accept_minutes=spec.accept_minutes, urgent_minutes=spec.urgent_minutes,
                day_start=spec.day_start, day_end=spec.day_end)
    for request_type, row in rows.items():
        if request_type not in specs:
            session.delete(row)  # back to DEFAULT_LIMITS


def _save_households(session: Session, buildings: Mapping[str, Building],
                     specs: Sequence[HouseholdSpec]) -> None:
    """Upsert the listed households; households created by residents binding are left alone."""
    ids = [building.id for building in buildings.values()]
    rows = {(row.building_id, row.unit, row.room): row for row in session.execute(
        select(Household).where(Household.building_id.in_(ids))).scalars()}
    for spec in specs:
        building_id = buildings[spec.building].id
        row = rows.get((building_id, spec.unit, spec.room))
        if row is None:
            row = Household(building_id=building_id, unit=spec.unit, room=spec.room)
            session.add(row)
        _assign(row, tags=spec.tags, care_colour=spec.care_colour)


# -- reading ----------------------------------------------------------------------------------
def routing_table(session: Session, compound: Compound) -> RoutingTable:
    """The compound's routing data by staff code; inactive staff are left out."""
    active = dict(session.execute(select(Staff.id, Staff.code).where(
        Staff.compound_id == compound.id, Staff.active.is_(True))).all())
    buildings = session.execute(select(Building.number, Building.butler_id).where(
        Building.compound_id == compound.id)).all()
    return RoutingTable(
        duty_manager=active.get(compound.duty_manager_id, ""),
        butlers={number: active[butler_id] for number, butler_id in buildings if butler_id in active},
        mediation_committee=active.get(compound.mediation_committee_id),
        errand_agent=active.get(compound.errand_agent_id),
    )


def time_limit(session: Session, compound: Compound, request_type: str) -> TimeLimit:
    """The compound's time limit for a request type, else the built-in default."""
    row = session.get(TimeLimitRow, (compound.id, request_type))
    if row is None:
        if request_type not in DEFAULT_LIMITS:
            raise KeyError(f"no time limit for request type {request_type!r}")
        return DEFAULT_LIMITS[request_type]
    return TimeLimit(accept_minutes=row.accept_minutes, urgent_minutes=row.urgent_minutes,
                     day_start=time.fromisoformat(row.day_start), day_end=time.fromisoformat(row.day_end))


def check_address(session: Session, compound: Compound, building: Optional[str], unit: Optional[str],
                  room: Optional[str], room_needed: bool = True) -> Optional[str]:
    """None if the address exists in the compound, else a problem code:
    ``unknown_building``, ``unknown_unit`` or ``impossible_room``. Values are canonical
    ("3", "2", "502"); in a one-unit building the unit may be missing. Without ``room_needed``
    (the place of a lift) a building and unit are a whole address."""
    number = str(building).strip() if building is not None else ""
    row = session.execute(select(Building).where(
        Building.compound_id == compound.id, Building.number == number)).scalar_one_or_none()
    if row is None:
        return "unknown_building"
    return address_problem(row.units, row.floors, row.doors_per_floor, unit, room, room_needed)


def address_hint(session: Session, compound: Compound, building: Optional[str]) -> Dict[str, str]:
    """What exists, to say beside an address that does not: the compound's buildings (1–3、5、6、
    17–19), and for a building its units (1–2) and rooms (101 to 604)."""
    rows = session.execute(select(Building).where(Building.compound_id == compound.id)).scalars().all()
    hint = {"buildings": describe_numbers(row.number for row in rows), "units": "", "rooms": ""}
    row = next((row for row in rows if row.number == str(building or "").strip()), None)
    if row is not None:
        hint["units"] = describe_numbers(str(n) for n in range(1, row.units + 1))
        hint["rooms"] = f"{row.floors}层、每层{row.doors_per_floor}户，101到{row.floors}{row.doors_per_floor:02d}"
    return hint


def describe_numbers(numbers) -> str:
    """1、2、3、5、6、17、18、19 → 1–3、5、6、17–19 (runs of three or more joined); names sorted
    by number, other names after them."""
    given = sorted(set(numbers), key=lambda n: (0, int(n), "") if n.isdigit() else (1, 0, n))
    parts, run = [], []
    for name in given + [None]:
        if name is not None and name.isdigit() and run and int(name) == int(run[-1]) + 1:
            run.append(name)
            continue
        if run:
            parts += [f"{run[0]}–{run[-1]}"] if len(run) >= 3 else run
        run = [name] if name is not None and name.isdigit() else []
        if name is not None and not name.isdigit():
            parts.append(name)
    return "、".join(parts)


def address_problem(units: int, floors: int, doors_per_floor: int, unit: Optional[str],
                    room: Optional[str], room_needed: bool = True) -> Optional[str]:
    """The problem code of a unit and room in a building of this shape, or None if they exist.

    Room "502" is floor 5, door 02; "1905" is floor 19, door 05.
    """
    unit = "1" if unit in (None, "") and units == 1 else str(unit or "").strip()
    if not _UNIT.fullmatch(unit) or int(unit) > units:
        return "unknown_unit"
    if not room and not room_needed:
        return None
    room = str(room or "").strip()
    if not _ROOM.fullmatch(room):
        return "impossible_room"
    floor, door = int(room[:-2]), int(room[-2:])
    if not (1 <= floor <= floors and 1 <= door <= doors_per_floor):
        return "impossible_room"
    return None
