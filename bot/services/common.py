"""Lookups shared by the services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import reception
from bot.db.models import Compound, Resident


class NotSetUp(RuntimeError):
    """The compound this account serves is not in the database (load it first)."""


def compound(session: Session, code: str) -> Compound:
    found = session.execute(select(Compound).where(Compound.code == code)).scalar_one_or_none()
    if found is None:
        raise NotSetUp(f"compound {code!r} is not loaded; run `python -m bot.cli compound load`")
    return found


def resident(session: Session, openid: str) -> Optional[Resident]:
    return session.execute(select(Resident).where(Resident.openid == openid)).scalar_one_or_none()


def resident_or_new(session: Session, openid: str, compound_id: int) -> Resident:
    found = resident(session, openid)
    if found is None:
        found = Resident(openid=openid, compound_id=compound_id)
        session.add(found)
        session.flush()
    return found


def location(building: Optional[str], unit: Optional[str], room: Optional[str]) -> str:
    """3栋2单元502 (the parts that are known)."""
    parts = [f"{building}栋" if building else "", f"{unit}单元" if unit else "", room or ""]
    return "".join(parts) or "地址未知"


@dataclass(frozen=True)
class CompoundInfo:
    code: str
    name: str
    reception_days: Tuple[int, ...]
    elevator_phone: str
    property_phone: str
    calendar: Optional[reception.Calendar] = None  # None: a compound without reception days
    parcel_station: str = ""  # "" when the compound file does not say


def compound_info(session: Session, code: str) -> CompoundInfo:
    row = compound(session, code)
    calendar = calendar_of(row) if row.reception_days.strip() else None
    return CompoundInfo(row.code, row.name, calendar.days_of_month if calendar else (),
                        row.elevator_emergency_phone, row.property_phone, calendar, row.parcel_station)


def calendar_of(row: Compound) -> reception.Calendar:
    """The compound's reception-day calendar as stored (validated when the compound was loaded)."""
    days = tuple(sorted(int(day) for day in row.reception_days.split(",") if day.strip()))
    return reception.Calendar(days or reception.DEFAULT_DAYS_OF_MONTH, row.reception_hours or reception.DEFAULT_HOURS,
                              row.reception_place or "", row.reception_on_holiday or reception.KEEP)
