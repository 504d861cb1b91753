"""Sending reception-day reminders: to residents (the evening before, the morning of), the agenda
to staff (the morning before), and to butlers the residents a reminder could not reach.

A reminder is written to the outbox together with its row in the send log (reminder_sends),
whose unique key (compound, reception date, audience, recipient) makes sending idempotent: run
twice, by a restarted process or by two processes at once, it queues each message once. The
WeChat notifier delivers the outbox and records every result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import List, Optional, Sequence, Tuple

from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from bot import reception, texts
from bot.db.engine import transaction
from bot.db.models import Building, Compound, Household, Notification, ReminderSend, Resident, Staff
from bot.scheduler import agenda as agenda_module
from bot.scheduler import plan
from bot.services import common
from bot.services.common import calendar_of, location
from bot.wechat.models import NotificationDispatch

STAFF_AGENDA_ROLES = ("butler", "mediation_committee", "duty_manager")
ELDERLY_FIRST = ("elderly_alone", "disabled")
# A resident's address and butler, loaded with the residents (not one query per resident).
WITH_ADDRESS = selectinload(Resident.household).selectinload(Household.building).selectinload(Building.butler)  # households phoned first when a reminder fails


@dataclass(frozen=True)
class Recipient:
    kind: str  # resident | staff
    id: int
    name: str  # staff name, or the resident's address


@dataclass(frozen=True)
class SendReport:
    """What a send did (or, for a dry run, would do)."""

    compound: str
    audience: str
    reception_date: date
    dry_run: bool
    queued: Tuple[Tuple[Recipient, str], ...] = ()  # (recipient, text) newly queued (or to queue)
    already_sent: int = 0
    opted_out: int = 0
    skipped: str = ""  # why nothing was sent at all

    def summary(self) -> str:
        verb = "would queue" if self.dry_run else "queued"
        if self.skipped:
            return f"{self.compound} {self.audience} {self.reception_date}: nothing sent: {self.skipped}"
        return (f"{self.compound} {self.audience} for {self.reception_date}: {verb} {len(self.queued)}, "
                f"already sent {self.already_sent}, opted out {self.opted_out}")


@dataclass(frozen=True)
class Unreachable:
    """A resident whose reminder failed for good: the butler phones them."""

    resident_id: int
    location: str
    phone: str
    tags: Tuple[str, ...]
    error: str
    butler: str  # staff code of the building's butler ("" if none)

    @property
    def elderly_first(self) -> bool:
        return any(tag in ELDERLY_FIRST for tag in self.tags)


@dataclass(frozen=True)
class CompoundSchedule:
    code: str
    name: str
    calendar: reception.Calendar
    days: List[Tuple[reception.ReceptionDay, List[Tuple[plan.Slot, datetime]]]] = field(default_factory=list)


class ReminderService:
    def __init__(self, services, holidays: Optional[reception.Holidays] = None) -> None:
        self.services = services
        self.settings = services.settings
        self.tz = services.settings.timezone
        self.holidays = holidays

    # -- what is planned -----------------------------------------------------------------
    def schedule(self, count: int = 4) -> List[CompoundSchedule]:
        """Every compound's next ``count`` reception days and the reminders still to go out."""
        now = self.services.now()
        with transaction(self.services.factory) as session:
            compounds = session.execute(select(Compound).order_by(Compound.code)).scalars().all()
            return [CompoundSchedule(c.code, c.name, calendar_of(c),
                                     plan.upcoming(calendar_of(c), self.settings.scheduler, now, self.tz, count,
                                                   self.holidays)) for c in compounds]

    def next_day(self, compound_code: str) -> reception.ReceptionDay:
        """The compound's next reception day (today's counts until it is over)."""
        today = self.services.now().astimezone(self.tz).date()
        with transaction(self.services.factory) as session:
            return reception.reception_days(calendar_of(common.compound(session, compound_code)), today, 1,
                                            self.holidays)[0]

    # -- sending ---------------------------------------------------------------------------
    def run_slot(self, audience: str) -> List[SendReport]:
        """What the scheduled job does: the firing of ``audience`` due now, for every compound."""
        slot = next((s for s in plan.slots(self.settings.scheduler) if s.audience == audience), None)
        if slot is None:
            return []  # switched off since the job was stored
        fired_on = plan.slot_day(self.services.now(), slot.at, self.tz)
        reports = []
        with transaction(self.services.factory) as session:
            compounds = [(c.code, calendar_of(c)) for c in session.execute(select(Compound)).scalars()]
        for code, cal in compounds:
            day = plan.announced_day(cal, slot, fired_on, self.holidays)
            if day is not None:
                reports.append(self.send(code, audience, day.date))
        return reports

    def send(self, compound_code: str, audience: str, reception_date: date, *, dry_run: bool = False) -> SendReport:
        """Queue ``audience``'s reminder of the reception day ``reception_date`` (once per recipient)."""
        if audience not in plan.AUDIENCES:
            raise ValueError(f"unknown audience {audience!r}; expected one of {', '.join(plan.AUDIENCES)}")
        with transaction(self.services.factory) as session:
            compound = common.compound(session, compound_code)
            cal = calendar_of(compound)
            day = reception.reception_day_on(cal, reception_date, self.holidays)
            if day is None:
                return SendReport(compound.code, audience, reception_date, dry_run,
                                  skipped=f"{reception_date} is not a reception day of {compound.code}")
            messages, opted_out = self._messages(session, compound, cal, day, audience)
            sent = self._already_sent(session, compound, reception_date, audience)
            todo = [(r, text) for r, text in messages if (r.kind, r.id) not in sent]
            queued = todo if dry_run else [(r, t) for r, t in todo
                                           if self._queue(session, compound, reception_date, audience, r, t)]
            return SendReport(compound.code, audience, reception_date, dry_run, tuple(queued),
                              len(messages) - len(queued), opted_out)

    def _messages(self, session: Session, compound: Compound, cal: reception.Calendar, day: reception.ReceptionDay,
                  audience: str) -> Tuple[List[Tuple[Recipient, str]], int]:
        if audience in plan.RESIDENT_AUDIENCES:
            residents = session.execute(select(Resident).where(Resident.compound_id == compound.id)
                                        .options(WITH_ADDRESS).order_by(Resident.id)).scalars().all()
            text = self._resident_text(cal, day, audience)
            return ([(Recipient("resident", r.id, _address(r)), text) for r in residents if r.reminders],
                    sum(1 for r in residents if not r.reminders))
        if audience == plan.STAFF_AGENDA:
            now = self.services.now()
            built = agenda_module.build(session, compound, day.date, now, self.tz,
                                        agenda_module.previous_day(cal, day.date, self.holidays))
            text = agenda_module.render(built, cal)
            staff = session.execute(select(Staff).where(Staff.compound_id == compound.id, Staff.active.is_(True),
                                                        Staff.role.in_(STAFF_AGENDA_ROLES))
                                    .order_by(Staff.id)).scalars().all()
            return [(Recipient("staff", s.id, s.name), text) for s in staff], 0
        return self._followups(session, compound, day), 0

    def _followups(self, session: Session, compound: Compound,
                   day: reception.ReceptionDay) -> List[Tuple[Recipient, str]]:
        """To each butler, the residents of their buildings the reminders could not reach; those
        without a butler (or an address) go to the duty manager."""
        missed = self._unreachable(session, compound, day.date)
        by_staff: dict = {}
        for person in missed:
            by_staff.setdefault(person.butler or "", []).append(person)
        staff = {s.code: s for s in session.execute(select(Staff).where(Staff.compound_id == compound.id))
                 .scalars()}
        messages = []
        for code, people in sorted(by_staff.items()):
            member = staff.get(code) if code else compound.duty_manager
            if member is None:
                continue
            lines = "\n".join(f"{i}. {p.location} {p.phone or '无电话'}{' ★' + '、'.join(_tag_names(p.tags)) if p.elderly_first else ''}"
                              for i, p in enumerate(people, start=1))
            messages.append((Recipient("staff", member.id, member.name),
                             texts.notification("reminder_unreachable", date=reception.day_label(day.date),
                                                lines=lines)))
        return messages

    def _resident_text(self, cal: reception.Calendar, day: reception.ReceptionDay, audience: str) -> str:
        moved = texts.notification("reception_moved", nominal=reception.day_label(day.nominal),
                                   holiday=texts.label("holidays", day.holiday or "")) if day.moved else ""
        key = "reception_reminder_evening" if audience == plan.RESIDENTS_EVENING else "reception_reminder_morning"
        return texts.notification(key, date=reception.day_label(day.date), hours=reception.describe_hours(cal.hours),
                                  where=f"，地点：{cal.place}" if cal.place else "", moved=moved)

    @staticmethod
    def _already_sent(session: Session, compound: Compound, reception_date: date, audience: str) -> set:
        rows = session.execute(select(ReminderSend.recipient_kind, ReminderSend.recipient_id).where(
            ReminderSend.compound_id == compound.id, ReminderSend.reception_date == reception_date,
            ReminderSend.audience == audience))
        return {(kind, rid) for kind, rid in rows}

    def _queue(self, session: Session, compound: Compound, reception_date: date, audience: str,
               recipient: Recipient, text: str) -> bool:
        """Log the send and queue the message, or nothing if another process logged it first."""
        kind = {plan.STAFF_AGENDA: "reception_agenda", plan.UNREACHABLE_FOLLOWUP: "reminder_unreachable"}.get(
            audience, "reception_reminder")
        try:
            with session.begin_nested():
                log = ReminderSend(compound_id=compound.id, reception_date=reception_date, audience=audience,
                                   recipient_kind=recipient.kind, recipient_id=recipient.id,
                                   created_at=self.services.now())
                session.add(log)
                session.flush()
        except IntegrityError:
            return False
        notification = Notification(recipient_kind=recipient.kind, recipient_id=recipient.id, kind=kind,
                                    text=text, created_at=self.services.now())
        session.add(notification)
        session.flush()
        log.notification_id = notification.id
        return True

    # -- results -------------------------------------------------------------------------------
    def unreachable(self, compound_code: str, reception_date: date) -> List[Unreachable]:
        """Residents whose reminder of ``reception_date`` failed for good, elderly households first."""
        with transaction(self.services.factory) as session:
            return self._unreachable(session, common.compound(session, compound_code), reception_date)

    def _unreachable(self, session: Session, compound: Compound, reception_date: date) -> List[Unreachable]:
        rows = session.execute(
            select(Resident, Notification.last_error)
            .join(ReminderSend, and_(ReminderSend.recipient_kind == "resident", ReminderSend.recipient_id == Resident.id))
            .join(Notification, Notification.id == ReminderSend.notification_id)
            .join(NotificationDispatch, NotificationDispatch.notification_id == Notification.id)
            .where(ReminderSend.compound_id == compound.id, ReminderSend.reception_date == reception_date,
                   ReminderSend.audience.in_(plan.RESIDENT_AUDIENCES), NotificationDispatch.state == "failed")
            .options(WITH_ADDRESS).order_by(Resident.id)).all()
        found = {}
        for resident, error in rows:  # a resident missed by both reminders is listed once
            household: Optional[Household] = resident.household
            building: Optional[Building] = household.building if household else None
            found.setdefault(resident.id, Unreachable(
                resident.id, _address(resident), resident.phone, tuple(sorted(household.tag_set)) if household else (),
                error or "", building.butler.code if building and building.butler else ""))
        return sorted(found.values(), key=lambda u: (not u.elderly_first, u.butler, u.location))

    def delivery(self, compound_code: str, reception_date: date) -> List[Tuple[str, str, int]]:
        """(audience, state, count) of the reminders of ``reception_date``: sent, pending, failed."""
        with transaction(self.services.factory) as session:
            compound = common.compound(session, compound_code)
            rows = session.execute(
                select(ReminderSend.audience, NotificationDispatch.state, Notification.sent_at)
                .join(Notification, Notification.id == ReminderSend.notification_id)
                .outerjoin(NotificationDispatch, NotificationDispatch.notification_id == Notification.id)
                .where(ReminderSend.compound_id == compound.id, ReminderSend.reception_date == reception_date)).all()
        counts: dict = {}
        for audience, state, sent_at in rows:
            state = "sent" if sent_at else (state or "pending")
            counts[(audience, state)] = counts.get((audience, state), 0) + 1
        return sorted((a, s, n) for (a, s), n in counts.items())

    def agenda(self, compound_code: str, reception_date: date) -> Tuple[agenda_module.Agenda, str]:
        """The agenda of a reception day as it stands now, and its full text."""
        with transaction(self.services.factory) as session:
            compound = common.compound(session, compound_code)
            cal = calendar_of(compound)
            built = agenda_module.build(session, compound, reception_date, self.services.now(), self.tz,
                                        agenda_module.previous_day(cal, reception_date, self.holidays))
            return built, agenda_module.render(built, cal, limit=None)


def _address(resident: Resident) -> str:
    household = resident.household
    if household is None:
        return f"未登记住址（{resident.openid[:12]}）"
    return location(household.building.number, household.unit, household.room)


def _tag_names(tags: Sequence[str]) -> List[str]:
    return [texts.label("household_tags", tag) for tag in tags if tag in ELDERLY_FIRST]
