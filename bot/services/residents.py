"""Residents and the household each is bound to (once; they can change it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, FrozenSet, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import compounds
from bot.db.engine import transaction
from bot.db.models import Building, Household
from bot.services import common


@dataclass(frozen=True)
class Profile:
    openid: str
    building: Optional[str] = None
    unit: Optional[str] = None
    room: Optional[str] = None
    phone: str = ""
    tags: FrozenSet[str] = frozenset()

    @property
    def bound(self) -> bool:
        return self.building is not None


@dataclass(frozen=True)
class Contact:
    """A member of staff a resident may call: their butler."""

    name: str
    phone: str
    building: str


@dataclass(frozen=True)
class Binding:
    """The result of binding: a problem code (unknown_building, …) or the profile now stored."""

    problem: Optional[str]
    profile: Optional[Profile] = None
    changed_from: Optional[str] = None  # the previous address when it was changed


class ResidentService:
    def __init__(self, services) -> None:
        self.services = services

    def profile(self, openid: str) -> Profile:
        with transaction(self.services.factory) as session:
            resident = common.resident(session, openid)
            return _profile(openid, resident)

    def butler(self, openid: str, building: Optional[str] = None) -> Optional[Contact]:
        """The butler of the resident's building (or of ``building``, when they ask about one: 3栋的楼长是谁),
        if the resident is bound to a household (or the compound has that building) whose building has
        an active one with a phone number (routing's rule: inactive staff are left out)."""
        with transaction(self.services.factory) as session:
            if building is not None:
                compound = common.compound(session, self.services.settings.compound)
                place = session.execute(select(Building).where(
                    Building.compound_id == compound.id, Building.number == building)).scalar_one_or_none()
            else:
                resident = common.resident(session, openid)
                place = resident.household.building if resident and resident.household else None
            if place is None:
                return None
            butler = place.butler
            if butler is None or not butler.active or not butler.phone:
                return None
            return Contact(butler.name, butler.phone, place.number)

    def check_address(self, building: str, unit: Optional[str], room: Optional[str],
                      room_needed: bool = True) -> Optional[str]:
        """None if the address exists in the compound, else a problem code (unknown_building, …);
        without ``room_needed``, a building and unit are enough (the place of a lift)."""
        with transaction(self.services.factory) as session:
            compound = common.compound(session, self.services.settings.compound)
            return compounds.check_address(session, compound, building, unit, room, room_needed)

    def address_hint(self, building: Optional[str]) -> Dict[str, str]:
        """The compound's buildings, and the building's units and rooms, to say beside a wrong address."""
        with transaction(self.services.factory) as session:
            compound = common.compound(session, self.services.settings.compound)
            return compounds.address_hint(session, compound, building)

    def units_of(self, building: str) -> Optional[int]:
        """How many units a building has (None if the compound has no such building)."""
        with transaction(self.services.factory) as session:
            compound = common.compound(session, self.services.settings.compound)
            row = session.execute(select(Building).where(
                Building.compound_id == compound.id, Building.number == building)).scalar_one_or_none()
            return row.units if row else None

    def set_phone(self, openid: str, phone: str) -> None:
        """Keep the resident's phone number (they need not be bound to a household yet)."""
        with transaction(self.services.factory) as session:
            compound = common.compound(session, self.services.settings.compound)
            common.resident_or_new(session, openid, compound.id).phone = phone

    def followed(self, openid: str) -> None:
        """Someone followed the official account: a resident of its compound from now on (they get
        reception-day reminders until they say 退订提醒; following again keeps that choice)."""
        with transaction(self.services.factory) as session:
            compound = common.compound(session, self.services.settings.compound)
            common.resident_or_new(session, openid, compound.id)

    def set_reminders(self, openid: str, enabled: bool) -> bool:
        """Turn the resident's reception-day reminders on or off (退订提醒 / 订阅提醒).
        True if that changed anything, False if they were already so."""
        with transaction(self.services.factory) as session:
            compound = common.compound(session, self.services.settings.compound)
            resident = common.resident_or_new(session, openid, compound.id)
            changed = resident.reminders != enabled
            resident.reminders = enabled
            return changed

    def reminders_enabled(self, openid: str) -> bool:
        """Whether the resident gets reception-day reminders (everyone does until they opt out)."""
        with transaction(self.services.factory) as session:
            resident = common.resident(session, openid)
            return True if resident is None else bool(resident.reminders)

    def bind(self, openid: str, *, building: str, unit: Optional[str], room: str,
             phone: Optional[str] = None) -> Binding:
        """Bind (or re-bind) a resident to a household of the account's compound."""
        with transaction(self.services.factory) as session:
            compound = common.compound(session, self.services.settings.compound)
            problem = compounds.check_address(session, compound, building, unit, room)
            if problem:
                return Binding(problem)
            household = household_for(session, compound.id, building, unit, room)
            resident = common.resident_or_new(session, openid, compound.id)
            previous = _profile(openid, resident)
            resident.household = household
            if phone:
                resident.phone = phone
            session.flush()
            now = _profile(openid, resident)
            changed = previous.bound and (previous.building, previous.unit, previous.room) != (
                now.building, now.unit, now.room)
            old = common.location(previous.building, previous.unit, previous.room) if changed else None
            return Binding(None, now, old)


def household_for(session: Session, compound_id: int, building: str, unit: Optional[str],
                  room: str) -> Household:
    """The household at an address checked by compounds.check_address (created on first use)."""
    row = session.execute(select(Building).where(
        Building.compound_id == compound_id, Building.number == building)).scalar_one()
    unit = unit or "1"
    household = session.execute(select(Household).where(
        Household.building_id == row.id, Household.unit == unit, Household.room == room)).scalar_one_or_none()
    if household is None:
        household = Household(building_id=row.id, unit=unit, room=room)
        session.add(household)
        session.flush()
    return household


def _profile(openid: str, resident) -> Profile:
    if resident is None or resident.household is None:
        return Profile(openid, phone=resident.phone if resident else "")
    household = resident.household
    return Profile(openid, household.building.number, household.unit, household.room,
                   resident.phone, household.tag_set)
