"""Tickets: submit (routed, prioritised, numbered, de-duplicated), list, rate, cancel, and the
staff's steps (accept, start, resolve, transfer, escalate, close). Every change is an event."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Iterable, List, Optional, Tuple, Union

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import compounds, conversation, reception, texts
from bot.db.engine import transaction
from bot.db.models import (Building, Compound, DailySequence, Notification, Resident, Staff, Ticket,
                           TicketEvent, TicketReporter)
from bot.services import common, outbox
from bot.services.residents import household_for
from bot.tickets import duplicates, lifecycle, numbers, priority, routing
from bot.tickets.lifecycle import Status

RATE_REOPENS_AT_OR_BELOW = 2
# A resident chasing a ticket (催一下, 怎么还没人来) tells its assignee at most once in this time;
# each chase is in the ticket's events all the same.
CHASE_INTERVAL = timedelta(hours=2)
# A neighbour or the same resident reporting an open emergency again alerts the staff again,
# unless they were alerted this recently (five neighbours in a trapped lift: not fifteen alerts).
REALERT_AFTER = timedelta(minutes=5)
CHASE_REASON, CHASE_TOLD = "居民催办：", "居民催办，已通知负责人："  # the second marks a chase the assignee heard of
COMPLAINT_TOLD = "居民投诉，已告知值班经理："  # a complaint the duty manager heard of (once per CHASE_INTERVAL)
# A message the assistant did not understand, this soon after the resident reported a ticket, is
# offered as more about it (已经找过他们了 没用); one tap adds it to the ticket.
DETAIL_WINDOW = timedelta(hours=1)
DETAIL_REASON = "居民补充："
VISIT_REASON = "居民改上门时间："
LEFT_REASON = "同一问题的另一位反映人撤回了反映，不再接收进度通知"
# 又不行了 this long after a ticket was closed (rated, or closed unrated by the scheduler): that
# request is offered again, with the earlier ticket named.
RECENTLY_CLOSED = timedelta(days=30)


class TicketError(ValueError):
    """A step that cannot be taken: unknown ticket, not yours, or not allowed in its status."""


@dataclass(frozen=True)
class NewRequest:
    openid: str
    request_type: str
    description: str
    building: Optional[str] = None
    unit: Optional[str] = None
    room: Optional[str] = None
    phone: Optional[str] = None
    facility: Optional[str] = None
    visit_time: Optional[str] = None
    other_party: Optional[str] = None
    intent: Optional[str] = None
    confidence: Optional[float] = None
    model_id: Optional[str] = None


@dataclass(frozen=True)
class TicketView:
    number: str
    request_type: str
    status: str
    priority: str
    assignee_name: str
    assignee_role: str
    assignee_phone: str
    location: str
    description: str
    due_at: Optional[datetime]  # in the compound's time zone
    created_at: datetime
    emergency: Optional[str] = None
    home_visit: bool = False
    routing_note: str = ""
    rating: Optional[int] = None
    reporters: int = 1
    visit_time: str = ""  # when the resident said a visit suits (repairs, the errand)
    joined_existing: bool = False  # this report joined a ticket someone else opened
    # An emergency reported again while its ticket is open: "alerted" (the staff were alerted
    # again) or "recently_alerted" (they were, less than REALERT_AFTER ago). None otherwise.
    reported_again: Optional[str] = None


@dataclass(frozen=True)
class Outcome:
    """What a resident's step did: ``result`` is a short code, ``tickets`` what it concerned."""

    result: str
    tickets: Tuple[TicketView, ...] = ()


class TicketService:
    def __init__(self, services) -> None:
        self.services = services
        self.tz = services.settings.timezone

    # -- residents -------------------------------------------------------------------------
    def submit(self, request: NewRequest) -> TicketView:
        """Record a request as a ticket routed to the right person; or join an open duplicate."""
        if request.request_type not in numbers.PREFIXES:
            raise TicketError(f"unknown request type {request.request_type!r}")
        with transaction(self.services.factory) as session:
            now = self.services.now()
            compound = common.compound(session, self.services.settings.compound)
            resident = common.resident_or_new(session, request.openid, compound.id)
            if request.phone and not resident.phone:
                resident.phone = request.phone
            emergency = priority.detect_emergency(request.description)
            existing = (self._same_emergency(session, compound.id, resident, request, emergency, now)
                        or self._duplicate(session, compound.id, request, now))
            if existing is not None:
                again = self._escalate_if_emergency(session, compound, existing, request, emergency, now)
                return replace(self._join(session, existing, resident, request), reported_again=again)
            ticket = self._new_ticket(session, compound, resident, request, now)
            self._route(session, compound, ticket, now)
            return self._view(ticket)

    def mine(self, openid: str) -> List[TicketView]:
        """The resident's open tickets and those waiting for a rating, newest first."""
        with transaction(self.services.factory) as session:
            resident = common.resident(session, openid)
            if resident is None:
                return []
            return [self._view(t) for t in self._tickets_of(session, resident)
                    if Status(t.status) in lifecycle.OPEN or self._awaits_rating(t)]

    def rate(self, openid: str, *, score: Optional[int], not_fixed: bool, comment: str = "",
             number: Optional[str] = None) -> Outcome:
        """A rating 1–5 closes a resolved ticket; a low one, or 没修好, reopens it."""
        with transaction(self.services.factory) as session:
            resident = common.resident(session, openid)
            waiting = [t for t in self._tickets_of(session, resident) if self._awaits_rating(t)] if resident else []
            if number:
                waiting = [t for t in waiting if t.number == number]
            if not waiting:
                return Outcome("nothing_to_rate")
            ticket = max(waiting, key=lambda t: (t.updated_at, t.id))  # the most recently resolved
            reason = _reopen_reason(score, comment)
            actor = f"resident:{openid}"
            if not_fixed or (score is not None and score <= RATE_REOPENS_AT_OR_BELOW):
                ticket.rating, ticket.rating_comment = score, comment[:500] or None
                self.change_status(session, ticket, Status.REOPENED, actor, reason, ticket.assignee_id)
                outbox.to_staff(session, ticket.assignee_id, ticket, "reopened", urgent=False,
                                number=ticket.number, reason=reason)
                return Outcome("reopened", (self._view(ticket),))
            if score is None:
                return Outcome("no_score", (self._view(ticket),))
            ticket.rating, ticket.rating_comment = score, comment[:500]
            self.change_status(session, ticket, Status.CLOSED, actor, f"评分{score}")
            return Outcome("rated", (self._view(ticket),))

    def cancel(self, openid: str, number: Optional[str] = None, kinds: Iterable[str] = ()) -> Outcome:
        """Cancel the resident's ticket named by its number; without one, say which to name:
        among the open tickets of the ``kinds`` the message names (不用修了: the repairs), if any.
        A ticket a neighbour reported first, which the resident joined, goes on for the others: the
        resident only leaves it ("left": no longer told of its progress)."""
        with transaction(self.services.factory) as session:
            resident = common.resident(session, openid)
            mine = [t for t in self._tickets_of(session, resident) if Status(t.status) in lifecycle.OPEN] \
                if resident else []
            if number:
                mine = [t for t in mine if t.number == number]
                if not mine:
                    return Outcome("not_found")
            else:
                mine = [t for t in mine if t.request_type in kinds] or mine
            if not mine:
                return Outcome("none_open")
            if len(mine) > 1:
                return Outcome("choose", tuple(self._view(t) for t in mine))
            ticket = mine[0]
            if ticket.resident_id != resident.id:  # a neighbour's ticket they joined: they leave it
                joined = next(r for r in ticket.reporters if r.resident_id == resident.id)
                ticket.reporters.remove(joined)
                session.delete(joined)
                session.add(TicketEvent(ticket_id=ticket.id, from_status=ticket.status, to_status=ticket.status,
                                        actor=f"resident:{openid}", at=self.services.now(), reason=LEFT_REASON))
                return Outcome("left", (self._view(ticket),))
            if not number:  # cancelling is final: the resident names the ticket to confirm it
                return Outcome("confirm", (self._view(ticket),))
            self.change_status(session, ticket, Status.CANCELLED, f"resident:{openid}", "居民撤销")
            outbox.to_staff(session, ticket.assignee_id, ticket, "ticket_cancelled", number=ticket.number,
                            type=texts.label("request_types", ticket.request_type))
            return Outcome("cancelled", (self._view(ticket),))

    def chase(self, openid: str, numbers_: List[str], message: str, complaint: bool = False) -> Outcome:
        """The resident chases their open tickets named by number: each chase is an event, and the
        assignee hears of it, unless they heard of it within CHASE_INTERVAL ("recently_chased").
        An emergency's chase (火还没灭 怎么还没人来) is urgent, goes to everyone its alert went to,
        and may come again after REALERT_AFTER. A ``complaint`` (我要投诉…说好的来了又没来) also goes
        to the duty manager, the escalation point, unless they heard one about the ticket within
        CHASE_INTERVAL or it is theirs ("complained" when they are told)."""
        with transaction(self.services.factory) as session:
            resident = common.resident(session, openid)
            chased = [t for t in (self._tickets_of(session, resident) if resident else [])
                      if t.number in numbers_ and Status(t.status) in lifecycle.OPEN]
            if not chased:
                return Outcome("not_found")
            now, told, complained = self.services.now(), False, False
            for ticket in chased:
                if complaint and self._complain(session, ticket, openid, message, now):
                    complained = True
                interval = REALERT_AFTER if ticket.emergency else CHASE_INTERVAL
                recent = self._told_recently(session, ticket, CHASE_TOLD, now - interval)
                reason = (CHASE_REASON if recent else CHASE_TOLD) + message
                session.add(TicketEvent(ticket_id=ticket.id, from_status=ticket.status, to_status=ticket.status,
                                        actor=f"resident:{openid}", at=now, reason=reason[:500]))
                if recent:
                    continue
                told = True
                compound = session.get(Compound, ticket.compound_id)
                recipients = (self._emergency_recipients(session, compound, ticket) if ticket.emergency
                              else [ticket.assignee_id])
                kind = texts.label("request_types", ticket.request_type)
                for staff_id in recipients:
                    outbox.to_staff(session, staff_id, ticket, "ticket_chased", urgent=bool(ticket.emergency),
                                    number=ticket.number, type=kind, text=message[:200],
                                    location=common.location(ticket.building, ticket.unit, ticket.room))
            result = "complained" if complained else "chased" if told else "recently_chased"
            return Outcome(result, tuple(self._view(t) for t in chased))

    @staticmethod
    def _complain(session: Session, ticket: Ticket, openid: str, message: str, now: datetime) -> bool:
        """Tells the duty manager of a complaint about ``ticket`` (an event marks it); False when
        the ticket is theirs or an emergency (they hear its chases anyway), or they were told of
        one within CHASE_INTERVAL."""
        compound = session.get(Compound, ticket.compound_id)
        manager = compound.duty_manager_id
        if manager is None or manager == ticket.assignee_id or ticket.emergency:
            return False
        if TicketService._told_recently(session, ticket, COMPLAINT_TOLD, now - CHASE_INTERVAL):
            return False
        session.add(TicketEvent(ticket_id=ticket.id, from_status=ticket.status, to_status=ticket.status,
                                actor=f"resident:{openid}", at=now, reason=(COMPLAINT_TOLD + message)[:500]))
        assignee = ticket.assignee.name if ticket.assignee else texts.label("fallbacks", "template_value_missing")
        where = common.location(ticket.building, ticket.unit, ticket.room)
        outbox.to_staff(session, manager, ticket, "ticket_complained", number=ticket.number,
                        type=texts.label("request_types", ticket.request_type), text=message[:200],
                        assignee=assignee, location=where)
        return True

    @staticmethod
    def _told_recently(session: Session, ticket: Ticket, prefix: str, since: datetime) -> bool:
        """Whether an event of ``ticket`` whose reason starts with ``prefix`` (CHASE_TOLD,
        COMPLAINT_TOLD: someone was told) happened at or after ``since``."""
        return session.execute(select(TicketEvent.id).where(
            TicketEvent.ticket_id == ticket.id, TicketEvent.reason.startswith(prefix),
            TicketEvent.at >= since).limit(1)).first() is not None

    def just_reported(self, openid: str, within: timedelta = DETAIL_WINDOW) -> Optional[TicketView]:
        """The open ticket the resident reported (or joined) last, if that was less than ``within``
        ago: what a message right after it may be more about. None otherwise."""
        with transaction(self.services.factory) as session:
            resident = common.resident(session, openid)
            if resident is None:
                return None
            ticket = session.execute(
                select(Ticket).join(TicketReporter, TicketReporter.ticket_id == Ticket.id)
                .where(TicketReporter.resident_id == resident.id,
                       TicketReporter.at >= self.services.now() - within,
                       Ticket.status.in_([status.value for status in lifecycle.OPEN]))
                .order_by(TicketReporter.at.desc(), Ticket.id.desc()).limit(1)).scalar_one_or_none()
            return self._view(ticket) if ticket is not None else None

    def last_closed(self, openid: str, within: timedelta = RECENTLY_CLOSED) -> Optional[TicketView]:
        """The resident's ticket closed last (rated, or closed unrated), if less than ``within`` ago."""
        with transaction(self.services.factory) as session:
            resident = common.resident(session, openid)
            since = self.services.now() - within
            closed = [t for t in (self._tickets_of(session, resident) if resident else [])
                      if t.status == Status.CLOSED.value and t.updated_at >= since]
            return self._view(max(closed, key=lambda t: (t.updated_at, t.id))) if closed else None

    def add_detail(self, openid: str, number: str, text: str) -> Outcome:
        """More about an open ticket the resident reported (已经找过他们了 没用, 来的时候带个扳手): added
        to its description and its events, and its assignee told. "not_open" when it is closed or
        withdrawn by now, "not_found" when it is not theirs."""
        with transaction(self.services.factory) as session:
            ticket = self._own_open(session, openid, number)
            if isinstance(ticket, Outcome):
                return ticket
            text = text.strip()[:conversation.MAX_DESCRIPTION]
            if text not in ticket.description:
                ticket.description = f"{ticket.description}；{DETAIL_REASON}{text}"
                session.add(TicketEvent(ticket_id=ticket.id, from_status=ticket.status,
                                        to_status=ticket.status, actor=f"resident:{openid}",
                                        at=self.services.now(), reason=(DETAIL_REASON + text)[:500]))
                outbox.to_staff(session, ticket.assignee_id, ticket, "detail_added", number=ticket.number,
                                type=texts.label("request_types", ticket.request_type), text=text[:200],
                                location=common.location(ticket.building, ticket.unit, ticket.room))
            return Outcome("added", (self._view(ticket),))

    def _own_open(self, session: Session, openid: str, number: str) -> Union[Ticket, Outcome]:
        """The resident's ticket ``number`` if it is open; else why not: "not_found" (not theirs),
        "not_open" (closed or withdrawn by now)."""
        resident = common.resident(session, openid)
        ticket = next((t for t in (self._tickets_of(session, resident) if resident else [])
                       if t.number == number), None)
        if ticket is None:
            return Outcome("not_found")
        if Status(ticket.status) not in lifecycle.OPEN:
            return Outcome("not_open", (self._view(ticket),))
        return ticket

    def move_visit(self, openid: str, number: str, when: str, words: str) -> Outcome:
        """The resident moves the visit of an open ticket they reported: to ``when`` (改成明天下午: the
        ticket's visit time is that now), or, with ``when`` empty, away from a time that no longer
        suits (明天我不在家: the assignee is to arrange another). Their words are an event, and the
        assignee is told. "unchanged" when ``when`` is the visit time already (said twice),
        "not_open" when the ticket is no longer open, "not_found" when it is not theirs."""
        with transaction(self.services.factory) as session:
            ticket = self._own_open(session, openid, number)
            if isinstance(ticket, Outcome):
                return ticket
            when, words = when.strip()[:100], words.strip()[:200]
            if when and when == ticket.visit_time:
                return Outcome("unchanged", (self._view(ticket),))
            if when:
                ticket.visit_time = when
            ticket.updated_at = self.services.now()
            session.add(TicketEvent(ticket_id=ticket.id, from_status=ticket.status, to_status=ticket.status,
                                    actor=f"resident:{openid}", at=ticket.updated_at,
                                    reason=(VISIT_REASON + words)[:500]))
            values = dict(number=ticket.number, type=texts.label("request_types", ticket.request_type),
                          text=words, location=common.location(ticket.building, ticket.unit, ticket.room))
            if when:
                outbox.to_staff(session, ticket.assignee_id, ticket, "visit_moved", time=when, **values)
            else:
                outbox.to_staff(session, ticket.assignee_id, ticket, "visit_not_suitable", **values)
            return Outcome("moved", (self._view(ticket),))

    def complete_location(self, openid: str, *, building: str, unit: Optional[str], room: Optional[str],
                          within: timedelta = timedelta(hours=1)) -> List[str]:
        """An emergency recorded before the resident said where: add the address they give now.
        Without a room (8栋2单元), only an emergency of a shared facility (电梯困人), which needs none."""
        with transaction(self.services.factory) as session:
            resident = common.resident(session, openid)
            if resident is None:
                return []
            since = self.services.now() - within
            updated = []
            for ticket in self._tickets_of(session, resident):
                if not (ticket.emergency and ticket.created_at >= since and Status(ticket.status) in lifecycle.OPEN):
                    continue
                lift_unplaced = ticket.facility in duplicates.SHARED_FACILITIES and unit and not ticket.unit
                if ticket.resident_id == resident.id and not ticket.room and (room or lift_unplaced):
                    ticket.building, ticket.unit, ticket.room = building, unit, room
                elif ticket.resident_id != resident.id and lift_unplaced and building == ticket.building:
                    ticket.unit = unit  # a neighbour who joined says which unit's lift; their flat is not the place
                else:
                    continue
                where = common.location(ticket.building, ticket.unit, ticket.room)
                session.add(TicketEvent(ticket_id=ticket.id, from_status=ticket.status, to_status=ticket.status,
                                        actor=f"resident:{openid}", at=self.services.now(), reason=f"补充地址：{where}"))
                compound = session.get(Compound, ticket.compound_id)
                self._route_placed(session, compound, ticket)
                self._alert_emergency(session, compound, ticket)
                updated.append(ticket.number)
            return updated

    # -- staff -----------------------------------------------------------------------------
    def get(self, number: str) -> TicketView:
        with transaction(self.services.factory) as session:
            return self._view(self._by_number(session, number))

    def events(self, number: str) -> List[TicketEvent]:
        with transaction(self.services.factory) as session:
            return list(self._by_number(session, number).events)

    def step(self, number: str, to: Status, *, staff_code: str, reason: str = "",
             to_staff: Optional[str] = None) -> TicketView:
        """A staff member moves a ticket on: accept, start, resolve, transfer, escalate, close."""
        with transaction(self.services.factory) as session:
            ticket = self._by_number(session, number)
            actor = self._staff(session, ticket.compound_id, staff_code)
            target = self._target(session, ticket, to, to_staff)
            if to in (Status.ACCEPTED, Status.IN_PROGRESS, Status.RESOLVED) and ticket.assignee_id not in (
                    actor.id, None) and actor.role not in ("duty_manager", "admin"):
                raise TicketError(f"{number} is assigned to someone else")
            if target is not None:
                self.hand_over(session, ticket, target, to=to, actor=f"staff:{staff_code}", reason=reason)
                return self._view(ticket)
            self.change_status(session, ticket, to, f"staff:{staff_code}", reason,
                               actor.id if to is Status.ACCEPTED else None)
            self.tell_residents(session, ticket, to)
            return self._view(ticket)

    def hand_over(self, session: Session, ticket: Ticket, target: Staff, *, actor: str, reason: str,
                  to: Status = Status.TRANSFERRED) -> None:
        """Give ``ticket`` to ``target`` (transferred, or escalated) in the caller's transaction: its
        residents are told, and so is the new assignee."""
        self.change_status(session, ticket, to, actor, reason, target.id)
        ticket.assignee_role = target.role
        self.tell_residents(session, ticket, to)
        outbox.to_staff(session, target.id, ticket, "ticket_assigned", urgent=bool(ticket.emergency),
                        **self.fields(ticket))

    def reclassify(self, number: str, request_type: Optional[str], *, actor: str, reason: str) -> TicketView:
        """An admin found the ticket's request misread: route it as ``request_type`` (the people it
        leaves and reaches are told), or withdraw it when it is no request at all (None)."""
        with transaction(self.services.factory) as session:
            ticket = self._by_number(session, number)
            if Status(ticket.status) not in lifecycle.OPEN:
                raise TicketError(f"{number} is {ticket.status}: only open tickets can be rerouted")
            previous = ticket.assignee_id
            if request_type is None:
                self.change_status(session, ticket, Status.CANCELLED, actor, reason)
                outbox.to_staff(session, previous, ticket, "ticket_withdrawn_staff", number=ticket.number)
                for reporter in ticket.reporters:
                    outbox.to_resident(session, reporter.resident_id, ticket, "ticket_withdrawn", number=ticket.number)
                return self._view(ticket)
            if request_type not in numbers.PREFIXES:
                raise TicketError(f"unknown request type {request_type!r}")
            if request_type == ticket.request_type:
                return self._view(ticket)
            compound = session.get(Compound, ticket.compound_id)
            ticket.request_type = request_type
            now = self.services.now()
            limit = compounds.time_limit(session, compound, request_type)
            ticket.due_at = priority.due_at(now.astimezone(self.tz), limit, priority.Priority(ticket.priority))
            decision = routing.route(compounds.routing_table(session, compound), request_type, ticket.building)
            staff = self._staff(session, compound.id, decision.assignee)
            ticket.assignee_role, ticket.routing_note = decision.role, decision.fallback_reason
            label = texts.label("request_types", request_type)
            if staff.id == previous:
                session.add(TicketEvent(ticket_id=ticket.id, from_status=ticket.status, to_status=ticket.status,
                                        actor=actor, at=now, reason=f"改判为{label}：{reason}"))
                return self._view(ticket)
            self.change_status(session, ticket, Status.TRANSFERRED, actor, f"改判为{label}：{reason}", staff.id)
            outbox.to_staff(session, staff.id, ticket, "ticket_assigned", **self.fields(ticket))
            outbox.to_staff(session, previous, ticket, "ticket_moved", number=ticket.number, type=label,
                            assignee=staff.name)
            return self._view(ticket)

    def mark_for_reception(self, number: str, *, staff_code: str, day: Optional[date] = None,
                           reason: str = "") -> date:
        """Put an open ticket on the agenda of a reception day (default: the next one that has not
        begun); the resident is told when and where it will be discussed."""
        with transaction(self.services.factory) as session:
            ticket = self._by_number(session, number)
            self._staff(session, ticket.compound_id, staff_code)
            if Status(ticket.status) not in lifecycle.OPEN:
                raise TicketError(f"{number} is {ticket.status}: only open tickets go on an agenda")
            cal = common.calendar_of(session.get(Compound, ticket.compound_id))
            now = self.services.now().astimezone(self.tz)
            if day is None:
                day = reception.next_session(cal, now).date
            elif reception.reception_day_on(cal, day) is None or day < now.date():
                raise TicketError(f"{day} is not a coming reception day")
            self.put_on_agenda(session, ticket, cal, day, actor=f"staff:{staff_code}", kind="on_agenda",
                               reason=f"列入{reception.day_label(day)}接待日议程"
                               + (f"：{reason.strip()}" if reason.strip() else ""))
            return day

    def put_on_agenda(self, session: Session, ticket: Ticket, cal: "reception.Calendar", day: date, *, actor: str,
                      kind: str, reason: str) -> None:
        """Record ``ticket`` for the reception day ``day`` (an event, no status change) and tell its
        residents when and where (``kind``: on_agenda, dispute_on_agenda). Used by staff marking a
        ticket and by the scheduler's overdue-dispute sweep, in the caller's transaction."""
        ticket.reception_date = day
        session.add(TicketEvent(ticket_id=ticket.id, from_status=ticket.status, to_status=ticket.status,
                                actor=actor, at=self.services.now(), reason=reason))
        for reporter in ticket.reporters:
            outbox.to_resident(session, reporter.resident_id, ticket, kind, number=ticket.number,
                               type=texts.label("request_types", ticket.request_type), date=reception.day_label(day),
                               hours=reception.describe_hours(cal.hours), place=f"在{cal.place}" if cal.place else "")

    def list(self, *, status: Optional[str] = None, staff_code: Optional[str] = None,
             open_only: bool = False) -> List[TicketView]:
        """Tickets of the compound for staff, most urgent and soonest due first."""
        with transaction(self.services.factory) as session:
            compound = common.compound(session, self.services.settings.compound)
            query = select(Ticket).where(Ticket.compound_id == compound.id)
            if status:
                query = query.where(Ticket.status == status)
            if open_only:
                query = query.where(Ticket.status.in_([s.value for s in lifecycle.OPEN]))
            if staff_code:
                query = query.where(Ticket.assignee_id == self._staff(session, compound.id, staff_code).id)
            rank = {"urgent": 0, "high": 1, "normal": 2}
            rows = session.execute(query).scalars().all()
            rows.sort(key=lambda t: (rank.get(t.priority, 3), t.due_at or t.created_at))
            return [self._view(t) for t in rows]

    # -- internals -------------------------------------------------------------------------
    def _new_ticket(self, session: Session, compound, resident: Resident, request: NewRequest,
                    now: datetime) -> Ticket:
        building, unit, room = request.building, request.unit, request.room
        household = resident.household  # the reporter's own, unless they report another flat
        if building and room and not compounds.check_address(session, compound, building, unit, room):
            household = household_for(session, compound.id, building, unit, room)
        tags = household.tag_set if household else frozenset()
        assessment = priority.assess(request.request_type, request.description, tags)
        ticket = Ticket(
            number=self._next_number(session, compound.id, request.request_type, now),
            compound_id=compound.id, request_type=request.request_type, status=Status.NEW.value,
            description=request.description, resident_id=resident.id,
            household_id=household.id if household else None,
            building=building, unit=unit, room=room, facility=request.facility,
            visit_time=request.visit_time, other_party=request.other_party,
            priority=assessment.priority.value,
            emergency=assessment.emergency.value if assessment.emergency else None,
            home_visit=assessment.home_visit, intent=request.intent, confidence=request.confidence,
            model_id=request.model_id, created_at=now, updated_at=now)
        limit = compounds.time_limit(session, compound, request.request_type)
        ticket.due_at = priority.due_at(now.astimezone(self.tz), limit, assessment.priority)
        session.add(ticket)
        session.flush()
        session.add(TicketReporter(ticket_id=ticket.id, resident_id=resident.id, text=request.description, at=now))
        event = lifecycle.created(actor=f"resident:{resident.openid}", at=now, reason=request.intent or "")
        self._record(session, ticket, event)
        return ticket

    def _route(self, session: Session, compound, ticket: Ticket, now: datetime) -> None:
        table = compounds.routing_table(session, compound)
        decision = routing.route(table, ticket.request_type, ticket.building)
        staff = self._staff(session, compound.id, decision.assignee)
        ticket.assignee_role = decision.role
        ticket.routing_note = decision.fallback_reason
        self.change_status(session, ticket, Status.ASSIGNED, "system", decision.fallback_reason, staff.id)
        if ticket.emergency:
            self._alert_emergency(session, compound, ticket)
            return
        kind = "ticket_routed_to_manager" if decision.is_fallback else "ticket_assigned"
        outbox.to_staff(session, staff.id, ticket, kind, **self.fields(ticket))

    @staticmethod
    def _same_emergency(session: Session, compound_id: int, resident: Resident, request: NewRequest,
                        emergency: Optional[priority.Emergency], now: datetime) -> Optional[Ticket]:
        """The open ticket of the same emergency said again (duplicates.same_emergency), if any."""
        if emergency is None:
            return None
        candidates = session.execute(select(Ticket).where(
            Ticket.compound_id == compound_id, Ticket.emergency == emergency.value,
            Ticket.created_at >= now - duplicates.DEFAULT_WINDOW,
            Ticket.status.in_([s.value for s in lifecycle.OPEN]),
        ).order_by(Ticket.created_at.desc())).scalars()
        new = duplicates.Report("repair", request.building, request.room, request.facility, now,
                                unit=request.unit, emergency=emergency.value)
        return next((t for t in candidates if duplicates.same_emergency(
            new, duplicates.Report(t.request_type, t.building, t.room, t.facility, t.created_at, t.id,
                                   unit=t.unit, emergency=t.emergency),
            same_resident=t.resident_id == resident.id)), None)

    def _duplicate(self, session: Session, compound_id: int, request: NewRequest, now: datetime) -> Optional[Ticket]:
        if request.request_type != "repair" or not request.facility or not request.building:
            return None
        since = now - duplicates.DEFAULT_WINDOW
        candidates = session.execute(select(Ticket).where(
            Ticket.compound_id == compound_id, Ticket.request_type == "repair",
            Ticket.building == request.building, Ticket.facility == request.facility,
            Ticket.created_at >= since, Ticket.status.in_([s.value for s in lifecycle.OPEN]),
        )).scalars().all()
        new = duplicates.Report("repair", request.building, request.room, request.facility, now, unit=request.unit)
        reports = [duplicates.Report("repair", t.building, t.room, t.facility, t.created_at, t.id, unit=t.unit)
                   for t in candidates]
        match = duplicates.find_duplicate(new, reports)
        return next((t for t in candidates if match and t.id == match.ticket_id), None)

    def _escalate_if_emergency(self, session: Session, compound, ticket: Ticket, request: NewRequest,
                               emergency: Optional[priority.Emergency], now: datetime) -> Optional[str]:
        """电梯坏了 was reported; now someone is trapped: the open ticket becomes urgent, alerts go out.
        An emergency reported again alerts again (see REALERT_AFTER): "alerted" or "recently_alerted"."""
        if emergency is None:
            return None
        if ticket.emergency:
            placed = not ticket.building and bool(request.building)  # 着火了, then 着火了 在5栋201
            if placed:
                ticket.building, ticket.unit, ticket.room = request.building, request.unit, request.room
            last = session.execute(select(func.max(Notification.created_at)).where(
                Notification.ticket_id == ticket.id, Notification.kind == "emergency_alert")).scalar()
            if not placed and last is not None and now - last < REALERT_AFTER:
                return "recently_alerted"
            where = f"（{common.location(ticket.building, ticket.unit, ticket.room)}）" if placed else ""
            session.add(TicketEvent(ticket_id=ticket.id, from_status=ticket.status, to_status=ticket.status,
                                    actor=f"resident:{request.openid}", at=now,
                                    reason=f"再次反映紧急情况{where}：{request.description[:100]}"))
            if placed:
                self._route_placed(session, compound, ticket)
            self._alert_emergency(session, compound, ticket)  # with the place, when this report gave it
            return "alerted"
        ticket.emergency, ticket.priority = emergency.value, priority.Priority.URGENT.value
        limit = compounds.time_limit(session, compound, ticket.request_type)
        ticket.due_at = priority.due_at(now.astimezone(self.tz), limit, priority.Priority.URGENT)
        session.add(TicketEvent(ticket_id=ticket.id, from_status=ticket.status, to_status=ticket.status,
                                actor=f"resident:{request.openid}", at=now, reason=f"升级为紧急：{request.description[:100]}"))
        self._alert_emergency(session, compound, ticket)
        return None  # newly urgent: announced as a new emergency

    def _route_placed(self, session: Session, compound, ticket: Ticket) -> None:
        """An emergency that went to the duty manager only because nobody knew where it was, now
        placed: it goes to the building's butler, as it would have with the address (the manager is
        still alerted with the rest). Left alone once someone has accepted it, or when the building
        has no butler either."""
        if not (ticket.assignee_role == "duty_manager" and ticket.routing_note == routing.UNKNOWN_BUILDING
                and Status(ticket.status) is Status.ASSIGNED):
            return
        decision = routing.route(compounds.routing_table(session, compound), ticket.request_type, ticket.building)
        if decision.is_fallback:
            return
        staff = self._staff(session, compound.id, decision.assignee)
        self.change_status(session, ticket, Status.TRANSFERRED, "system",
                           f"补充了地址，转给{ticket.building}栋的负责人", staff.id)
        ticket.assignee_role, ticket.routing_note = decision.role, decision.fallback_reason

    def _alert_emergency(self, session: Session, compound, ticket: Ticket) -> None:
        """紧急！… to everyone an emergency must reach at once."""
        for staff_id in self._emergency_recipients(session, compound, ticket):
            outbox.to_staff(session, staff_id, ticket, "emergency_alert", urgent=True, at=self.services.now(),
                            **self.fields(ticket))

    @staticmethod
    def _emergency_recipients(session: Session, compound, ticket: Ticket) -> List[int]:
        """The assignee, the building's butler and the duty manager, each once."""
        building = session.execute(select(Building).where(
            Building.compound_id == compound.id, Building.number == ticket.building)).scalar_one_or_none() \
            if ticket.building else None
        recipients = [ticket.assignee_id, building.butler_id if building else None, compound.duty_manager_id]
        return list(dict.fromkeys(r for r in recipients if r))

    def _join(self, session: Session, ticket: Ticket, resident: Resident, request: NewRequest) -> TicketView:
        if not any(r.resident_id == resident.id for r in ticket.reporters):
            session.add(TicketReporter(ticket_id=ticket.id, resident_id=resident.id,
                                       text=request.description, at=self.services.now()))
            session.flush()
            session.refresh(ticket)
            outbox.to_staff(session, ticket.assignee_id, ticket, "duplicate_joined",
                            number=ticket.number, count=len(ticket.reporters))
        view = self._view(ticket)
        return TicketView(**{**view.__dict__, "joined_existing": ticket.resident_id != resident.id})

    def _next_number(self, session: Session, compound_id: int, kind: str, now: datetime) -> str:
        """The next number of the day. The UPDATE takes the row's write lock first (PostgreSQL row
        lock, SQLite's write lock), so concurrent submits get consecutive, distinct numbers."""
        day = now.astimezone(self.tz).date()
        key = dict(compound_id=compound_id, prefix=numbers.PREFIXES[kind], day=f"{day:%Y%m%d}")
        where = [getattr(DailySequence, column) == value for column, value in key.items()]
        for _ in range(3):
            if session.execute(update(DailySequence).where(*where).values(last=DailySequence.last + 1)).rowcount:
                last = session.execute(select(DailySequence.last).where(*where)).scalar_one()
                return numbers.format_number(kind, day, last)
            try:
                with session.begin_nested():  # the day's first ticket: someone may insert it at the same time
                    session.add(DailySequence(**key, last=1))
                return numbers.format_number(kind, day, 1)
            except IntegrityError:
                continue  # they did: take the next number with the UPDATE
        raise TicketError("could not allocate a ticket number")

    def change_status(self, session: Session, ticket: Ticket, to: Status, actor: str, reason: str = "",
                assignee_id: Optional[int] = None) -> None:
        now = self.services.now()
        assignee = str(assignee_id) if assignee_id else None
        event = lifecycle.transition(Status(ticket.status), to, actor=actor, at=now, reason=reason,
                                     assignee=assignee)
        if assignee_id:
            ticket.assignee_id = assignee_id
        ticket.status, ticket.updated_at = to.value, now
        self._record(session, ticket, event)

    @staticmethod
    def _record(session: Session, ticket: Ticket, event: lifecycle.Event) -> None:
        session.add(TicketEvent(
            ticket_id=ticket.id, from_status=event.from_status.value if event.from_status else None,
            to_status=event.to_status.value, actor=event.actor, at=event.at, reason=event.reason,
            assignee_id=int(event.assignee) if event.assignee else None))
        session.flush()

    def tell_residents(self, session: Session, ticket: Ticket, to: Status) -> None:
        for reporter in ticket.reporters:
            if to is Status.RESOLVED:
                outbox.to_resident(session, reporter.resident_id, ticket, "ticket_resolved", number=ticket.number,
                                   type=texts.label("request_types", ticket.request_type))
            else:
                outbox.to_resident(session, reporter.resident_id, ticket, "status_changed", number=ticket.number,
                                   type=texts.label("request_types", ticket.request_type),
                                   status=texts.label("statuses", to.value))

    def _target(self, session: Session, ticket: Ticket, to: Status, to_staff: Optional[str]) -> Optional[Staff]:
        if to is Status.TRANSFERRED:
            if not to_staff:
                raise TicketError("a transfer needs the staff member it goes to")
            return self._staff(session, ticket.compound_id, to_staff)
        if to is Status.ESCALATED:
            manager = session.get(Compound, ticket.compound_id).duty_manager
            if manager is None:
                raise TicketError("this compound has no duty manager to escalate to")
            return manager
        return None

    @staticmethod
    def _staff(session: Session, compound_id: int, code: str) -> Staff:
        staff = session.execute(select(Staff).where(Staff.compound_id == compound_id, Staff.code == code)
                                ).scalar_one_or_none()
        if staff is None:
            raise TicketError(f"no staff member {code!r} in this compound")
        return staff

    @staticmethod
    def _by_number(session: Session, number: str) -> Ticket:
        ticket = session.execute(select(Ticket).where(Ticket.number == number)).scalar_one_or_none()
        if ticket is None:
            raise TicketError(f"no ticket {number}")
        return ticket

    @staticmethod
    def _tickets_of(session: Session, resident: Resident) -> List[Ticket]:
        """Tickets the resident reported, or joined as a duplicate, newest first."""
        joined = select(TicketReporter.ticket_id).where(TicketReporter.resident_id == resident.id)
        return list(session.execute(select(Ticket).where(Ticket.id.in_(joined)).order_by(
            Ticket.created_at.desc(), Ticket.id.desc())).scalars())

    @staticmethod
    def _awaits_rating(ticket: Ticket) -> bool:
        """Resolved and not yet rated: a rating closes it or reopens it (a reopened ticket that is
        resolved again waits for a new rating; the earlier one stays in its events)."""
        return ticket.status == Status.RESOLVED.value

    def fields(self, ticket: Ticket) -> dict:
        due = ticket.due_at.astimezone(self.tz) if ticket.due_at else None
        return dict(number=ticket.number, type=texts.label("request_types", ticket.request_type),
                    priority=texts.label("priorities", ticket.priority),
                    location=common.location(ticket.building, ticket.unit, ticket.room),
                    description=ticket.description[:200], due=f"{due:%m-%d %H:%M}" if due else "",
                    reason=ticket.routing_note)

    def _view(self, ticket: Ticket) -> TicketView:
        assignee = ticket.assignee
        return TicketView(
            number=ticket.number, request_type=ticket.request_type, status=ticket.status,
            priority=ticket.priority, assignee_name=assignee.name if assignee else "",
            assignee_role=ticket.assignee_role or "", assignee_phone=assignee.phone if assignee else "",
            location=common.location(ticket.building, ticket.unit, ticket.room),
            description=ticket.description,
            due_at=ticket.due_at.astimezone(self.tz) if ticket.due_at else None,
            created_at=ticket.created_at.astimezone(self.tz), emergency=ticket.emergency,
            home_visit=ticket.home_visit, routing_note=ticket.routing_note, rating=ticket.rating,
            reporters=len(ticket.reporters), visit_time=ticket.visit_time or "")


def _reopen_reason(score: Optional[int], comment: str) -> str:
    """The resident's words, with the score in front when the words do not carry it."""
    comment = (comment or "").strip()[:200]
    if not comment:
        return f"评分{score}" if score is not None else "居民反映没修好"
    if score is None or str(score) in comment:
        return comment
    return f"评分{score}：{comment}"
