"""The admins' routing pages on the service layer: who serves which building, the routing roles,
the reception calendar and the time limits, read and changed.

A change never writes rows of its own: it exports the compound as data (the shape of its YAML
file), edits that and loads it back with ``compounds.load_data``, so the console is held to
exactly the checks of `compound load`. All in one transaction with the audit row (and, for a
building's new butler, the hand-over of its open tickets): a refused change leaves nothing.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Optional, Tuple

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from bot import compounds, reception, texts
from bot.compounds.export import export_data
from bot.console.access import StaffUser
from bot.db.engine import transaction
from bot.db.models import Building, Compound, RoutingChange, Staff, Ticket
from bot.services import common, outbox
from bot.services.tickets import TicketService
from bot.tickets import REQUEST_TYPES, lifecycle
from bot.tickets.lifecycle import Status

ROLE_KEYS = compounds.ROUTING_KEYS
# Open tickets that can be handed to someone else (a new ticket is routed the moment it is made).
MOVABLE = [s.value for s in lifecycle.OPEN if Status.TRANSFERRED in lifecycle.ALLOWED[s]]
NO_ONE = "—"


class RoutingProblem(ValueError):
    """A change the compound file's checks refuse; ``message`` says why, in Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class BuildingRow:
    number: str
    butler: str  # staff code, "" if none
    butler_name: str
    open_tickets: int  # open tickets of the building with its butler


@dataclass(frozen=True)
class LimitRow:
    request_type: str
    accept_minutes: int
    urgent_minutes: int
    day_start: str
    day_end: str
    built_in: bool  # not set for the compound: the default applies


@dataclass(frozen=True)
class Overview:
    buildings: Tuple[BuildingRow, ...]
    roles: Dict[str, Tuple[str, str]]  # routing key -> (staff code, name); ("", "") if none
    calendar: reception.Calendar
    next_days: Tuple[str, ...]  # "12月3日（周四）", with a note when moved by a holiday
    limits: Tuple[LimitRow, ...]
    staff: Dict[str, Tuple[Tuple[str, str], ...]]  # role -> ((code, name), …) of active staff
    changes: Tuple[Tuple[str, str, str], ...]  # (local time, who, what), newest first


@dataclass(frozen=True)
class ButlerChange:
    moved: int  # open tickets handed from the old butler to the new one
    left: int  # open tickets left with the old butler (no new butler to hand them to)


class RoutingService:
    def __init__(self, services) -> None:
        self.services = services
        self.tz = services.settings.timezone
        self.tickets = TicketService(services)

    # -- reading ---------------------------------------------------------------------------
    def overview(self) -> Overview:
        with transaction(self.services.factory) as session:
            compound = self._compound(session)
            staff = self._active_staff(session, compound)
            cal = common.calendar_of(compound)
            by_role: Dict[str, List[Tuple[str, str]]] = {}
            for member in staff.values():
                by_role.setdefault(member.role, []).append((member.code, member.name))
            roles = {key: _code_and_name(getattr(compound, key)) for key in ROLE_KEYS}
            return Overview(self._buildings(session, compound), roles, cal, self._next_days(cal),
                            self._limits(session, compound), {k: tuple(v) for k, v in by_role.items()},
                            self._changes(session, compound))

    @staticmethod
    def _buildings(session: Session, compound: Compound) -> Tuple[BuildingRow, ...]:
        rows = session.execute(select(Building).where(Building.compound_id == compound.id)
                               .order_by(Building.id)).scalars().all()
        with_butler = dict(session.execute(
            select(Ticket.building, func.count()).join(Building, and_(
                Building.compound_id == Ticket.compound_id, Building.number == Ticket.building,
                Building.butler_id == Ticket.assignee_id))
            .where(Ticket.compound_id == compound.id, Ticket.status.in_(MOVABLE)).group_by(Ticket.building)).all())
        return tuple(BuildingRow(row.number, *_code_and_name(row.butler), with_butler.get(row.number, 0))
                     for row in rows)

    def _next_days(self, cal: reception.Calendar, count: int = 4) -> Tuple[str, ...]:
        today = self.services.now().astimezone(self.tz).date()
        return tuple(_day_label(day) for day in reception.reception_days(cal, today, count))

    @staticmethod
    def _limits(session: Session, compound: Compound) -> Tuple[LimitRow, ...]:
        own = set(session.execute(select(compounds.TimeLimitRow.request_type).where(
            compounds.TimeLimitRow.compound_id == compound.id)).scalars())
        rows = []
        for request_type in REQUEST_TYPES:
            limit = compounds.time_limit(session, compound, request_type)
            rows.append(LimitRow(request_type, limit.accept_minutes, limit.urgent_minutes,
                                 f"{limit.day_start:%H:%M}", f"{limit.day_end:%H:%M}", request_type not in own))
        return tuple(rows)

    def _changes(self, session: Session, compound: Compound, count: int = 20) -> Tuple[Tuple[str, str, str], ...]:
        rows = session.execute(select(RoutingChange, Staff.name).join(Staff, Staff.id == RoutingChange.staff_id)
                               .where(RoutingChange.compound_id == compound.id)
                               .order_by(RoutingChange.id.desc()).limit(count)).all()
        return tuple((f"{row.at.astimezone(self.tz):%Y-%m-%d %H:%M}", name, row.summary) for row, name in rows)

    # -- changing --------------------------------------------------------------------------
    def change_butler(self, admin: StaffUser, number: str, butler: str) -> ButlerChange:
        """Building ``number`` gets ``butler`` (a staff code, "" for none). Its open tickets with the
        old butler go to the new one as transfers (residents and both butlers are told)."""
        with self._changing(admin) as (session, compound, data):
            item = next((b for b in data["buildings"] if b["number"] == number), None)
            if item is None:
                raise RoutingProblem(texts.text("console_routing_errors", "unknown_building"))
            old = item.get("butler") or ""
            item["butler"] = butler or None
            self._load(session, data)
            if old == butler:
                return ButlerChange(0, 0)
            self._record(session, compound, admin, "butler", building=number, before=self._name(session, compound, old),
                         after=self._name(session, compound, butler))
            return self._hand_over(session, compound, admin, number, old, butler)

    def change_roles(self, admin: StaffUser, chosen: Dict[str, str]) -> None:
        """The duty manager, the mediation committee and the errand agent (staff codes; "" for none)."""
        with self._changing(admin) as (session, compound, data):
            before = dict(data["routing"])
            data["routing"] = {key: chosen.get(key) or None for key in ROLE_KEYS}
            self._load(session, data)
            for key in ROLE_KEYS:
                if (before[key] or None) != data["routing"][key]:
                    self._record(session, compound, admin, "role", role=texts.label("roles", key),
                                 before=self._name(session, compound, before[key]),
                                 after=self._name(session, compound, data["routing"][key]))

    def change_reception(self, admin: StaffUser, *, days: str, hours: str, place: str, on_holiday: str) -> None:
        with self._changing(admin) as (session, compound, data):
            before = _describe_calendar(data)
            data["reception_days"] = [_number(part) for part in re.split(r"[,，、\s]+", days.strip()) if part]
            data["reception_hours"] = hours.strip()
            data["reception_on_holiday"] = on_holiday
            data.pop("reception_place", None)
            if place.strip():
                data["reception_place"] = place.strip()
            self._load(session, data)
            after = _describe_calendar(export_data(session, compound))
            if after != before:
                self._record(session, compound, admin, "reception", before=before, after=after)

    def change_time_limit(self, admin: StaffUser, request_type: str, values: Dict[str, str]) -> None:
        """accept_minutes, urgent_minutes, day_start and day_end of one request type."""
        with self._changing(admin) as (session, compound, data):
            limits = data["time_limits"]
            before = _describe_limit(limits.get(request_type))
            limits[request_type] = {"accept_minutes": _number(values.get("accept_minutes", "")),
                                    "urgent_minutes": _number(values.get("urgent_minutes", "")),
                                    "day_start": values.get("day_start", "").strip(),
                                    "day_end": values.get("day_end", "").strip()}
            self._load(session, data)
            after = _describe_limit(limits[request_type])
            if after != before:
                self._record(session, compound, admin, "time_limit", before=before, after=after,
                             type=texts.label("request_types", request_type))

    # -- internals -------------------------------------------------------------------------
    @contextmanager
    def _changing(self, admin: StaffUser) -> Iterator[Tuple[Session, Compound, Dict[str, Any]]]:
        """One transaction around the compound exported as data; a RoutingProblem rolls it all back."""
        if not admin.is_admin:
            raise PermissionError(f"{admin.code} is not an admin")
        with transaction(self.services.factory) as session:
            compound = self._compound(session)
            yield session, compound, export_data(session, compound)

    @staticmethod
    def _load(session: Session, data: Dict[str, Any]) -> None:
        try:
            compounds.load_data(session, data, source="console")
        except compounds.CompoundFileError as error:
            raise RoutingProblem(_chinese(error)) from error

    def _hand_over(self, session: Session, compound: Compound, admin: StaffUser, number: str, old: str,
                   new: str) -> ButlerChange:
        staff = self._active_staff(session, compound)
        if not old or old not in staff:
            return ButlerChange(0, 0)
        tickets = self._open_with(session, compound, number, staff[old].id)
        if not new:
            return ButlerChange(0, len(tickets))
        target = staff[new]
        reason = texts.text("console_routing", "hand_over_reason", building=number, name=target.name)
        for ticket in tickets:
            self.tickets.hand_over(session, ticket, target, actor=f"staff:{admin.code}", reason=reason)
            outbox.to_staff(session, staff[old].id, ticket, "ticket_reassigned", number=ticket.number,
                            building=number, assignee=target.name)
        return ButlerChange(len(tickets), 0)

    @staticmethod
    def _open_with(session: Session, compound: Compound, number: str, staff_id: Optional[int]) -> List[Ticket]:
        if staff_id is None:
            return []
        return list(session.execute(select(Ticket).where(
            Ticket.compound_id == compound.id, Ticket.building == number, Ticket.assignee_id == staff_id,
            Ticket.status.in_(MOVABLE)).order_by(Ticket.id)).scalars())

    def _record(self, session: Session, compound: Compound, admin: StaffUser, kind: str, **values: str) -> None:
        session.add(RoutingChange(compound_id=compound.id, staff_id=admin.id, at=self.services.now(),
                                  summary=texts.text("console_routing_changes", kind, **values)[:500]))

    def _name(self, session: Session, compound: Compound, code: Optional[str]) -> str:
        member = self._active_staff(session, compound).get(code or "")
        return member.name if member else NO_ONE

    def _compound(self, session: Session) -> Compound:
        return common.compound(session, self.services.settings.compound)

    @staticmethod
    def _active_staff(session: Session, compound: Compound) -> Dict[str, Staff]:
        return {member.code: member for member in session.execute(select(Staff).where(
            Staff.compound_id == compound.id, Staff.active.is_(True)).order_by(Staff.id)).scalars()}


def _day_label(day: reception.ReceptionDay) -> str:
    """12月3日（周四）, and when a holiday moved it, from when and why (or that nobody could check)."""
    label = reception.day_label(day.date)
    if day.unknown_holidays:
        return label + texts.text("console_routing", "unchecked")
    if not day.moved:
        return label
    return label + texts.text("console_routing", "moved", nominal=reception.day_label(day.nominal),
                              holiday=texts.label("holidays", day.holiday or ""))


def _code_and_name(member: Optional[Staff]) -> Tuple[str, str]:
    return (member.code, member.name) if member is not None and member.active else ("", "")


def _number(text: str) -> Any:
    """A whole number typed into a form, else the text as it is (the file's checks refuse it)."""
    text = text.strip()
    return int(text) if re.fullmatch(r"-?\d{1,9}", text) else text


def _chinese(error: compounds.CompoundFileError) -> str:
    """The problem of a refused change, in the admin's words: by the field at fault."""
    field = re.sub(r"\[\d+\]", "", error.key).rsplit(".", 1)[-1]
    problems = texts.labels("console_routing_errors")
    return problems.get(field, problems["default"])


def _describe_calendar(data: Dict[str, Any]) -> str:
    days = reception.describe_days(data["reception_days"])
    rule = texts.label("holiday_rules", data["reception_on_holiday"])
    return f"每月{days} {data['reception_hours']} {data.get('reception_place', '')}（{rule}）"


def _describe_limit(limit: Optional[Dict[str, Any]]) -> str:
    if limit is None:
        return texts.text("console_routing", "built_in")
    return texts.text("console_routing", "limit", **limit)
