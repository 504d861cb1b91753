"""The time-limit sweep, run every minute by the scheduler:

- a ticket not accepted by its due time is escalated to the duty manager, and its assignee is
  reminded (once per ticket; the manager's own tickets just remind the manager);
- a dispute still open after its due time goes on the next reception day's agenda, and the
  resident is told when and where it will be discussed;
- a resolved ticket the resident has not rated is reminded once after ``rating_reminder_hours``;
- and closed after ``auto_close_days``.

Each ticket is handled in its own transaction that checks its state again, so a sweep that
fails halfway, or runs twice, changes every ticket at most once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable, List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import reception, texts
from bot.db.engine import transaction
from bot.db.models import Compound, Ticket, TicketEvent
from bot.services import outbox
from bot.services.common import calendar_of
from bot.services.tickets import TicketService
from bot.tickets import lifecycle
from bot.tickets.lifecycle import Status

SYSTEM = "system:time-limits"
# Not accepted in time: still waiting for someone to take it (escalated ones already went up).
WAITING = (Status.NEW.value, Status.ASSIGNED.value, Status.TRANSFERRED.value)
DISPUTE = "noise_dispute"


@dataclass
class SweepReport:
    escalated: List[str] = field(default_factory=list)
    manager_reminded: List[str] = field(default_factory=list)
    on_agenda: List[str] = field(default_factory=list)
    rating_reminded: List[str] = field(default_factory=list)
    closed: List[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return any((self.escalated, self.manager_reminded, self.on_agenda, self.rating_reminded, self.closed))


class TimeLimitService:
    def __init__(self, services, holidays: Optional[reception.Holidays] = None) -> None:
        self.services = services
        self.config = services.settings.scheduler
        self.tz = services.settings.timezone
        self.tickets = TicketService(services)
        self.holidays = holidays

    def sweep(self) -> SweepReport:
        now = self.services.now()
        report = SweepReport()
        resolved_before = now - timedelta(hours=self.config.rating_reminder_hours)
        close_before = now - timedelta(days=self.config.auto_close_days)
        steps: List[tuple] = [
            (select(Ticket.id).where(Ticket.status.in_(WAITING), Ticket.request_type != DISPUTE,
                                     Ticket.due_at < now, Ticket.overdue_at.is_(None)), self._escalate),
            (select(Ticket.id).where(Ticket.status.in_([s.value for s in lifecycle.OPEN]), Ticket.request_type == DISPUTE, Ticket.due_at < now,
                                     Ticket.overdue_at.is_(None)), self._onto_agenda),
            (select(Ticket.id).where(Ticket.status == Status.RESOLVED.value, Ticket.updated_at <= close_before),
             self._close),
            (select(Ticket.id).where(Ticket.status == Status.RESOLVED.value, Ticket.updated_at <= resolved_before,
                                     Ticket.rating_reminded_at.is_(None)), self._remind_rating),
        ]
        for query, handle in steps:
            with transaction(self.services.factory) as session:
                ids = list(session.execute(query.order_by(Ticket.id)).scalars())
            for ticket_id in ids:
                self._one(ticket_id, handle, now, report)
        return report

    def _one(self, ticket_id: int, handle: Callable, now: datetime, report: SweepReport) -> None:
        with transaction(self.services.factory) as session:
            ticket = session.execute(select(Ticket).where(Ticket.id == ticket_id).with_for_update()).scalar_one()
            handle(session, ticket, now, report)

    def _escalate(self, session: Session, ticket: Ticket, now: datetime, report: SweepReport) -> None:
        if ticket.status not in WAITING or ticket.overdue_at is not None or ticket.due_at >= now:
            return  # changed since the sweep looked
        ticket.overdue_at = now
        compound = session.get(Compound, ticket.compound_id)
        manager = compound.duty_manager
        fields = self.tickets.fields(ticket)
        due = ticket.due_at.astimezone(self.tz)
        if manager is None or ticket.assignee_id == manager.id:
            target = manager.id if manager else ticket.assignee_id
            outbox.to_staff(session, target, ticket, "ticket_overdue_manager", urgent=bool(ticket.emergency), **fields)
            self._note(session, ticket, now, f"超时未接单（应在{due:%m-%d %H:%M}前接单），已提醒负责人")
            report.manager_reminded.append(ticket.number)
            return
        previous = ticket.assignee
        self.tickets.change_status(session, ticket, Status.ESCALATED, SYSTEM,
                                   f"超时未接单（应在{due:%m-%d %H:%M}前接单）", manager.id)
        ticket.assignee_role = manager.role
        outbox.to_staff(session, manager.id, ticket, "ticket_escalated", urgent=bool(ticket.emergency),
                        **{**fields, "assignee": previous.name if previous else "未派单"})
        if previous is not None:
            outbox.to_staff(session, previous.id, ticket, "ticket_overdue", **fields)
        self.tickets.tell_residents(session, ticket, Status.ESCALATED)
        report.escalated.append(ticket.number)

    def _onto_agenda(self, session: Session, ticket: Ticket, now: datetime, report: SweepReport) -> None:
        if Status(ticket.status) not in lifecycle.OPEN or ticket.overdue_at is not None or ticket.due_at >= now:
            return
        ticket.overdue_at = now
        if ticket.reception_date is not None and ticket.reception_date >= now.astimezone(self.tz).date():
            return  # already on a coming agenda (marked by staff)
        cal = calendar_of(session.get(Compound, ticket.compound_id))
        day = reception.next_session(cal, now.astimezone(self.tz), self.holidays)
        self.tickets.put_on_agenda(session, ticket, cal, day.date, actor=SYSTEM, kind="dispute_on_agenda",
                                   reason=f"超时未调解，列入{reception.day_label(day.date)}接待日议程")
        report.on_agenda.append(ticket.number)

    def _remind_rating(self, session: Session, ticket: Ticket, now: datetime, report: SweepReport) -> None:
        if ticket.status != Status.RESOLVED.value or ticket.rating_reminded_at is not None:
            return
        ticket.rating_reminded_at = now
        for reporter in ticket.reporters:
            outbox.to_resident(session, reporter.resident_id, ticket, "rating_reminder", number=ticket.number,
                               type=texts.label("request_types", ticket.request_type))
        report.rating_reminded.append(ticket.number)

    def _close(self, session: Session, ticket: Ticket, now: datetime, report: SweepReport) -> None:
        if ticket.status != Status.RESOLVED.value:
            return
        days = self.config.auto_close_days
        self.tickets.change_status(session, ticket, Status.CLOSED, SYSTEM, f"{days}天未评价，自动结单")
        for reporter in ticket.reporters:
            outbox.to_resident(session, reporter.resident_id, ticket, "auto_closed", number=ticket.number,
                               type=texts.label("request_types", ticket.request_type), days=days)
        report.closed.append(ticket.number)

    @staticmethod
    def _note(session: Session, ticket: Ticket, now: datetime, reason: str) -> None:
        """An event that records what the sweep did without changing the status."""
        session.add(TicketEvent(ticket_id=ticket.id, from_status=ticket.status, to_status=ticket.status,
                                actor=SYSTEM, at=now, reason=reason))

