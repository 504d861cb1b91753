"""What the staff review on a reception day: tickets marked for it, open disputes, tickets not
accepted in time and low ratings since the previous reception day. Each ticket appears once, in
the first section it belongs to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import List, Optional, Tuple
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import reception, texts
from bot.db.models import Compound, Ticket, TicketEvent
from bot.services.common import location
from bot.tickets import lifecycle

OPEN = [s.value for s in lifecycle.OPEN]
# Waiting for someone to accept it. A reopened ticket keeps its first due time: it is listed
# under low ratings instead.
NOT_ACCEPTED = [s.value for s in lifecycle.OPEN - lifecycle.WORKING - {lifecycle.Status.REOPENED}]
SECTION_LIMIT = 8  # items per section in a WeChat message; the command shows all


@dataclass(frozen=True)
class Item:
    number: str
    request_type: str
    location: str
    description: str
    assignee: str
    detail: str = ""  # the low rating and its words


@dataclass(frozen=True)
class Agenda:
    compound: str
    day: date
    since: Optional[date]  # the previous reception day (low ratings are counted from it)
    sections: Tuple[Tuple[str, Tuple[Item, ...]], ...]  # (section key, items)

    @property
    def empty(self) -> bool:
        return not any(items for _, items in self.sections)


def build(session: Session, compound: Compound, day: date, now: datetime, tz: ZoneInfo,
          previous: Optional[date]) -> Agenda:
    """The agenda of ``compound``'s reception day ``day`` as it stands at ``now``."""
    base = select(Ticket).where(Ticket.compound_id == compound.id)
    marked = session.execute(base.where(Ticket.reception_date.is_not(None), Ticket.reception_date <= day,
                                        Ticket.status.in_(OPEN)).order_by(Ticket.created_at)).scalars().all()
    disputes = session.execute(base.where(Ticket.request_type == "noise_dispute", Ticket.status.in_(OPEN))
                               .order_by(Ticket.created_at)).scalars().all()
    overdue = session.execute(base.where(Ticket.status.in_(NOT_ACCEPTED), Ticket.due_at < now)
                              .order_by(Ticket.due_at)).scalars().all()
    low = _low_ratings(session, compound, previous, tz)
    seen: set = set()
    sections = []
    for key, tickets in (("marked", marked), ("disputes", disputes), ("overdue", overdue), ("low_ratings", low)):
        items = []
        for ticket, detail in ((t, "") if isinstance(t, Ticket) else t for t in tickets):
            if ticket.id not in seen:
                seen.add(ticket.id)
                items.append(_item(ticket, detail))
        sections.append((key, tuple(items)))
    return Agenda(compound.name, day, previous, tuple(sections))


def _low_ratings(session: Session, compound: Compound, since: Optional[date],
                 tz: ZoneInfo) -> List[Tuple[Ticket, str]]:
    """Tickets a resident reopened (a rating of 1–2, or 没修好) since the previous reception day."""
    query = (select(Ticket, TicketEvent).join(TicketEvent, TicketEvent.ticket_id == Ticket.id)
             .where(Ticket.compound_id == compound.id, TicketEvent.to_status == lifecycle.Status.REOPENED.value,
                    TicketEvent.actor.like("resident:%")).order_by(TicketEvent.at))
    if since is not None:
        query = query.where(TicketEvent.at >= datetime.combine(since, time(0), tzinfo=tz))
    return [(ticket, event.reason) for ticket, event in session.execute(query)]


def _item(ticket: Ticket, detail: str) -> Item:
    return Item(ticket.number, ticket.request_type, location(ticket.building, ticket.unit, ticket.room),
                " ".join(ticket.description.split())[:40], ticket.assignee.name if ticket.assignee else "未派单",
                detail)


def render(agenda: Agenda, cal: reception.Calendar, *, limit: Optional[int] = SECTION_LIMIT) -> str:
    """The agenda as a WeChat text (``limit`` items per section; None: all)."""
    where = f"，{cal.place}" if cal.place else ""
    lines = [texts.text("agenda", "title", date=reception.day_label(agenda.day), compound=agenda.compound,
                        hours=reception.describe_hours(cal.hours), where=where)]
    if agenda.empty:
        return "\n".join([*lines, texts.text("agenda", "empty")])
    numerals = "一二三四五六七八九"
    shown = 0
    for key, items in agenda.sections:
        if not items:
            continue
        since = f"{agenda.since.month}月{agenda.since.day}日" if agenda.since else "上次"
        heading = texts.text("agenda", key, since=since)
        lines.append(f"{numerals[shown]}、{heading}（{len(items)}）")
        shown += 1
        for index, item in enumerate(items[:limit] if limit else items, start=1):
            description = f"{item.description} {item.detail}".strip()
            lines.append(texts.text("agenda", "item", index=index, number=item.number,
                                    type=texts.label("request_types", item.request_type), location=item.location,
                                    description=description, assignee=item.assignee))
        if limit and len(items) > limit:
            lines.append(texts.text("agenda", "more", count=len(items) - limit))
    return "\n".join(lines)


def previous_day(cal: reception.Calendar, day: date, holidays: Optional[reception.Holidays] = None) -> Optional[date]:
    """The reception day before ``day`` (within the last three months), or None."""
    start = date(day.year - 1, day.month + 9, 1) if day.month <= 3 else date(day.year, day.month - 3, 1)
    count = 4 * len(cal.days_of_month) + 1  # more than three months hold
    earlier = [d.date for d in reception.reception_days(cal, start, count, holidays) if d.date < day]
    return earlier[-1] if earlier else None
