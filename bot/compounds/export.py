"""A compound as the database has it now, in the shape of its YAML file: what ``load_data``
accepts. The console's routing pages edit this and load it back (the same checks as the file);
`python -m bot.cli compound export` writes it, so that changes made in the console can be kept
in version control.

What the file does not describe is left out: inactive staff (loading keeps them inactive),
and households without marks (created when residents bind their address; loading leaves them).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, List

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.compounds import ROUTING_KEYS
from bot.db.models import Building, Compound, Household, Staff, TimeLimit


def export_data(session: Session, compound: Compound) -> Dict[str, Any]:
    """The compound's file as data (plain dicts and lists, ready for ``load_data`` or YAML)."""
    staff = session.execute(select(Staff).where(Staff.compound_id == compound.id, Staff.active.is_(True))
                            .order_by(Staff.id)).scalars().all()
    codes = {member.id: member.code for member in staff}
    data: Dict[str, Any] = {
        "code": compound.code, "name": compound.name,
        "reception_days": [int(day) for day in compound.reception_days.split(",") if day.strip()],
        "reception_hours": compound.reception_hours, "reception_on_holiday": compound.reception_on_holiday,
        "elevator_emergency_phone": compound.elevator_emergency_phone, "property_phone": compound.property_phone,
        "staff": [_staff(member) for member in staff],
        "routing": {key: codes.get(getattr(compound, f"{key}_id")) for key in ROUTING_KEYS},
        "buildings": _buildings(session, compound, codes),
        "time_limits": _time_limits(session, compound),
        "households": _households(session, compound),
    }
    if compound.reception_place:
        data["reception_place"] = compound.reception_place
    if compound.parcel_station:
        data["parcel_station"] = compound.parcel_station
    return data


def _staff(member: Staff) -> Dict[str, Any]:
    item = {"code": member.code, "name": member.name, "role": member.role, "phone": member.phone}
    if member.openid:
        item["openid"] = member.openid
    return item


def _buildings(session: Session, compound: Compound, codes: Dict[int, str]) -> List[Dict[str, Any]]:
    rows = session.execute(select(Building).where(Building.compound_id == compound.id)
                           .order_by(Building.id)).scalars()
    items = []
    for row in rows:
        item = {"number": row.number, "units": row.units, "floors": row.floors,
                "doors_per_floor": row.doors_per_floor}
        if row.butler_id in codes:
            item["butler"] = codes[row.butler_id]
        items.append(item)
    return items


def _time_limits(session: Session, compound: Compound) -> Dict[str, Dict[str, Any]]:
    rows = session.execute(select(TimeLimit).where(TimeLimit.compound_id == compound.id)
                           .order_by(TimeLimit.request_type)).scalars()
    return {row.request_type: {"accept_minutes": row.accept_minutes, "urgent_minutes": row.urgent_minutes,
                               "day_start": row.day_start, "day_end": row.day_end} for row in rows}


def _households(session: Session, compound: Compound) -> List[Dict[str, Any]]:
    """The households with marks or a follow-up colour other than the default green."""
    rows = session.execute(
        select(Household, Building.number).join(Building, Building.id == Household.building_id)
        .where(Building.compound_id == compound.id).order_by(Building.id, Household.unit, Household.room)).all()
    return [{"building": number, "unit": row.unit, "room": row.room,
             "tags": [tag for tag in row.tags.split(",") if tag], "care_colour": row.care_colour}
            for row, number in rows if row.tags or row.care_colour != "green"]


def to_yaml(data: Dict[str, Any], when: datetime) -> str:
    """The data as a compound file, with a header saying where it came from."""
    header = (f"# Compound {data['code']} as exported from the database on {when:%Y-%m-%d %H:%M} by\n"
              "# `python -m bot.cli compound export`. Load it with `python -m bot.cli compound load FILE`;\n"
              "# bot/compounds/demo.yml explains every key.\n")
    return header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=None, width=110)
