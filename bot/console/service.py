"""What the console does, on the service layer: log-in with rate limiting, sessions, the tickets
a staff member may see, their steps and notes, and logged phone reveals. Each call is one
transaction; results are plain dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import List, Optional, Tuple

import yaml

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from bot import texts
from bot.console import photos, security
from bot.console.access import BY_TYPE, StaffUser, may_see
from bot.console.routing import RoutingService
from bot.db.engine import transaction
from bot.db.models import (Building, ConsoleSession, LoginAttempt, PhoneReveal, Staff, Ticket, TicketAttachment,
                           TicketEvent)
from bot.services import common
from bot.services.tickets import TicketError, TicketService
from bot.tickets import lifecycle
from bot.tickets.lifecycle import Status

DOMAIN = Path(__file__).resolve().parents[2] / "domain.yml"
SESSION_HOURS = 12
MAX_FAILURES = 5  # failed log-ins per username (or 4x per client) within the window ...
FAILURE_WINDOW = timedelta(minutes=15)  # ... before log-in is refused for a while
RANK = {"urgent": 0, "high": 1, "normal": 2}
# Console steps: name -> status. Which are offered depends on the ticket's status and the user.
STEPS = {"accept": Status.ACCEPTED, "start": Status.IN_PROGRESS, "resolve": Status.RESOLVED,
         "transfer": Status.TRANSFERRED}


class NotVisible(LookupError):
    """No such ticket, or not one this staff member may see (the console answers 404 for both)."""


@dataclass(frozen=True)
class LoginResult:
    user: Optional[StaffUser] = None
    token: str = ""
    problem: str = ""  # bad_credentials | too_many


@dataclass(frozen=True)
class Row:
    number: str
    request_type: str
    status: str
    priority: str
    location: str
    description: str
    assignee: str
    due: str  # local "11-21 10:30", "" if none
    overdue: bool
    mine: bool


@dataclass(frozen=True)
class Detail:
    row: Row
    tags: Tuple[str, ...]  # labels: 独居老人 …
    home_visit: bool
    visit_time: str
    other_party: str
    phone_masked: str
    reporters: int
    events: Tuple[Tuple[str, str, str, str], ...]  # (local time, status label, who, reason)
    steps: Tuple[str, ...]  # console steps offered (accept, start, resolve, transfer)
    can_note: bool
    reception_date: str = ""
    routing_note: str = ""
    photos: Tuple[photos.Photo, ...] = ()


@dataclass
class Colleagues:
    choices: List[Tuple[str, str]] = field(default_factory=list)  # (code, "role name")


class NotAllowed(PermissionError):
    """The page or step is for another role (the console answers 403)."""


class ConsoleService:
    def __init__(self, services, examples_file: Optional[Path] = None, photos_dir: Optional[Path] = None) -> None:
        self.services = services
        self.photo_store = photos.PhotoStore(photos_dir or services.settings.photos_dir)
        self.tz = services.settings.timezone
        self.tickets = TicketService(services)
        self.routing = RoutingService(services)
        self.examples_file = examples_file or services.settings.reviewed_examples_file

    # -- the admins' NLU inbox -----------------------------------------------------------
    def inbox(self, user: StaffUser):
        self._admin(user)
        return self.services.review.inbox()

    def decide(self, user: StaffUser, message_id: int, decision: str, intent: Optional[str] = None):
        self._admin(user)
        return self.services.review.decide(message_id, decision, admin=user.code, intent=intent,
                                           known_intents=known_intents(), examples_file=self.examples_file)

    @staticmethod
    def _admin(user: StaffUser) -> None:
        if not user.is_admin:
            raise NotAllowed(f"{user.code} is not an admin")

    # -- log-in and sessions -------------------------------------------------------------
    def log_in(self, username: str, password: str, client: str) -> LoginResult:
        username, client = username.strip()[:40], client[:64]
        now = self.services.now()
        with transaction(self.services.factory) as session:
            since = now - FAILURE_WINDOW
            failures = select(func.count()).select_from(LoginAttempt).where(
                LoginAttempt.ok.is_(False), LoginAttempt.at >= since)
            if (session.execute(failures.where(LoginAttempt.username == username)).scalar_one() >= MAX_FAILURES
                    or session.execute(failures.where(LoginAttempt.client == client)).scalar_one()
                    >= 4 * MAX_FAILURES):
                return LoginResult(problem="too_many")
            staff = self._staff_by_code(session, username)
            ok = bool(staff and staff.active and staff.password_hash
                      and security.verify_password(password, staff.password_hash))
            session.add(LoginAttempt(username=username, client=client, ok=ok, at=now))
            if not ok:
                return LoginResult(problem="bad_credentials")
            return LoginResult(self._user(session, staff), self._open_session(session, staff, now))

    @staticmethod
    def _open_session(session: Session, staff: Staff, now) -> str:
        token = security.new_token()
        session.add(ConsoleSession(token_hash=security.token_hash(token), staff_id=staff.id,
                                   csrf=security.new_token(), created_at=now,
                                   expires_at=now + timedelta(hours=SESSION_HOURS)))
        return token

    def log_in_openid(self, openid: str, client: str) -> LoginResult:
        """WeChat said who opened the console (snsapi_base): the active staff member with that openid."""
        now = self.services.now()
        with transaction(self.services.factory) as session:
            compound = common.compound(session, self.services.settings.compound)
            staff = session.execute(select(Staff).where(Staff.compound_id == compound.id, Staff.openid == openid,
                                                        Staff.active.is_(True))).scalar_one_or_none()
            session.add(LoginAttempt(username=f"wechat:{openid}"[:40], client=client[:64], ok=staff is not None,
                                     at=now))
            if staff is None:
                return LoginResult(problem="not_staff")
            return LoginResult(self._user(session, staff), self._open_session(session, staff, now))

    def session_user(self, token: str) -> Optional[Tuple[StaffUser, str]]:
        """The staff member and the CSRF token of a live session, or None."""
        if not token:
            return None
        with transaction(self.services.factory) as session:
            row = session.get(ConsoleSession, security.token_hash(token))
            if row is None or row.expires_at <= self.services.now():
                return None
            staff = session.get(Staff, row.staff_id)
            if staff is None or not staff.active:
                return None
            return self._user(session, staff), row.csrf

    def log_out(self, token: str) -> None:
        with transaction(self.services.factory) as session:
            session.execute(delete(ConsoleSession).where(ConsoleSession.token_hash == security.token_hash(token)))

    def set_password(self, code: str, password: str) -> None:
        hashed = security.hash_password(password)  # refuses a short one
        with transaction(self.services.factory) as session:
            staff = self._staff_by_code(session, code)
            if staff is None:
                raise TicketError(f"no staff member {code!r} in this compound")
            staff.password_hash = hashed
            session.execute(delete(ConsoleSession).where(ConsoleSession.staff_id == staff.id))

    def give_dev_passwords(self, password: str) -> List[Tuple[str, str, str]]:
        """Dev mode: every active staff member without a password gets ``password``; returns
        (code, name, role) of everyone who can log in with it."""
        hashed = None
        with transaction(self.services.factory) as session:
            compound = common.compound(session, self.services.settings.compound)
            staff = session.execute(select(Staff).where(Staff.compound_id == compound.id, Staff.active.is_(True))
                                    .order_by(Staff.id)).scalars().all()
            usable = []
            for member in staff:
                if member.password_hash is None:
                    member.password_hash = hashed = hashed or security.hash_password(password)
                if security.verify_password(password, member.password_hash):
                    usable.append((member.code, member.name, member.role))
            return usable

    # -- tickets -------------------------------------------------------------------------
    def list(self, user: StaffUser, *, open_only: bool = True) -> List[Row]:
        """The tickets the user may see, urgent and soonest due first."""
        with transaction(self.services.factory) as session:
            compound = common.compound(session, self.services.settings.compound)
            query = select(Ticket).where(Ticket.compound_id == compound.id)
            if open_only:
                query = query.where(Ticket.status.in_([s.value for s in lifecycle.OPEN]))
            if not user.sees_all:
                mine = [Ticket.assignee_id == user.id]
                if user.role == "butler" and user.buildings:
                    mine.append(Ticket.building.in_(sorted(user.buildings)))
                if user.role in BY_TYPE:
                    mine.append(Ticket.request_type == BY_TYPE[user.role])
                query = query.where(or_(*mine))
            rows = session.execute(query).scalars().all()
            rows.sort(key=lambda t: (RANK.get(t.priority, 3), t.due_at or t.created_at, t.id))
            return [self._row(t, user) for t in rows]

    def detail(self, user: StaffUser, number: str) -> Detail:
        with transaction(self.services.factory) as session:
            ticket = self._visible(session, user, number)
            return self._detail(session, ticket, user)

    def step(self, user: StaffUser, number: str, step: str, *, reason: str = "", to: Optional[str] = None) -> None:
        """accept / start / resolve / transfer, as TicketService.step does for the CLI (residents are
        told through the outbox). Raises NotVisible, or TicketError if the step is not allowed now."""
        with transaction(self.services.factory) as session:
            ticket = self._visible(session, user, number)
            if step not in self._steps(ticket, user):
                raise TicketError(f"{step} is not possible for {number} now")
        self.tickets.step(number, STEPS[step], staff_code=user.code, reason=reason.strip()[:500], to_staff=to)

    def session_days(self, count: int = 3) -> List[Tuple[str, str]]:
        """The next reception days that have not begun: (YYYY-MM-DD, 12月3日（周四）)."""
        from bot import reception
        with transaction(self.services.factory) as session:
            cal = common.calendar_of(common.compound(session, self.services.settings.compound))
        now = self.services.now().astimezone(self.tz)
        first = reception.next_session(cal, now)
        days = [d for d in reception.reception_days(cal, first.date, count)]
        return [(d.date.isoformat(), reception.day_label(d.date)) for d in days]

    def schedule_session(self, user: StaffUser, number: str, day: str) -> None:
        """Put the ticket on a reception day's agenda (a mediation session); the resident is told."""
        with transaction(self.services.factory) as session:
            self._visible(session, user, number)
        try:
            when = date.fromisoformat(day)
        except ValueError:
            raise TicketError(f"not a date: {day!r}") from None
        self.tickets.mark_for_reception(number, staff_code=user.code, day=when)

    def note(self, user: StaffUser, number: str, text: str) -> None:
        text = " ".join(text.split())[:500]
        if not text:
            raise TicketError("an empty note")
        with transaction(self.services.factory) as session:
            ticket = self._visible(session, user, number)
            self._remark(session, ticket, user, f"备注：{text}")

    def add_photo(self, user: StaffUser, number: str, data: bytes, note: str = "") -> None:
        """A photo (JPEG, PNG or WebP, at most 5 MB) with a note on an open ticket the user may see;
        the trail records it. Raises PhotoError, NotVisible or TicketError, and then stores nothing."""
        kind = photos.content_type(data)
        name = self.photo_store.save(data, kind)
        try:
            with transaction(self.services.factory) as session:
                ticket = self._visible(session, user, number)
                if Status(ticket.status) not in lifecycle.OPEN:
                    raise TicketError(f"{number} is {ticket.status}: photos go on open tickets")
                note, reason = photos.note_suffix(note)
                session.add(TicketAttachment(ticket_id=ticket.id, staff_id=user.id, kind="image", file_name=name,
                                             content_type=kind, size=len(data), note=note,
                                             created_at=self.services.now()))
                self._remark(session, ticket, user, reason)
        except Exception:
            self.photo_store.remove(name)
            raise

    def photo_file(self, user: StaffUser, number: str, photo_id: int) -> Tuple[Path, str]:
        """The stored file of a photo uploaded to a ticket the user may see, and its content type."""
        with transaction(self.services.factory) as session:
            ticket = self._visible(session, user, number)
            photo = session.get(TicketAttachment, photo_id)
            found = photo is not None and photo.ticket_id == ticket.id and photo.file_name
            path = self.photo_store.path(photo.file_name) if found else None
            if path is None:
                raise NotVisible(number)
            return path, photo.content_type

    def _remark(self, session: Session, ticket: Ticket, user: StaffUser, reason: str) -> None:
        """An event on the ticket's trail that changes nothing but says what the user did."""
        session.add(TicketEvent(ticket_id=ticket.id, from_status=ticket.status, to_status=ticket.status,
                                actor=f"staff:{user.code}", at=self.services.now(), reason=reason))

    def reveal_phone(self, user: StaffUser, number: str) -> str:
        """The resident's full phone number; the reveal is logged (who, which ticket, when)."""
        with transaction(self.services.factory) as session:
            ticket = self._visible(session, user, number)
            session.add(PhoneReveal(staff_id=user.id, ticket_id=ticket.id, at=self.services.now()))
            return ticket.resident.phone if ticket.resident else ""

    def colleagues(self, user: StaffUser) -> List[Tuple[str, str]]:
        """Whom a ticket can be transferred to: the other active staff of the compound."""
        with transaction(self.services.factory) as session:
            compound = common.compound(session, self.services.settings.compound)
            staff = session.execute(select(Staff).where(Staff.compound_id == compound.id, Staff.active.is_(True),
                                                        Staff.id != user.id, Staff.role != "admin")
                                    .order_by(Staff.id)).scalars()
            return [(s.code, f"{texts.label('roles', s.role)} {s.name}") for s in staff]

    # -- internals -----------------------------------------------------------------------
    def _staff_by_code(self, session: Session, code: str) -> Optional[Staff]:
        compound = common.compound(session, self.services.settings.compound)
        return session.execute(select(Staff).where(Staff.compound_id == compound.id, Staff.code == code)
                               ).scalar_one_or_none()

    @staticmethod
    def _user(session: Session, staff: Staff) -> StaffUser:
        buildings = frozenset(session.execute(select(Building.number).where(Building.butler_id == staff.id)).scalars())
        return StaffUser(staff.id, staff.code, staff.name, staff.role, buildings)

    def _visible(self, session: Session, user: StaffUser, number: str) -> Ticket:
        compound = common.compound(session, self.services.settings.compound)
        ticket = session.execute(select(Ticket).where(Ticket.number == number, Ticket.compound_id == compound.id)
                                 ).scalar_one_or_none()
        if ticket is None or not may_see(user, assignee_id=ticket.assignee_id, building=ticket.building,
                                         request_type=ticket.request_type):
            raise NotVisible(number)
        return ticket

    def _steps(self, ticket: Ticket, user: StaffUser) -> Tuple[str, ...]:
        status = Status(ticket.status)
        allowed = lifecycle.ALLOWED[status]
        own = ticket.assignee_id in (user.id, None) or user.sees_all
        return tuple(name for name, to in STEPS.items()
                     if to in allowed and (own or name == "transfer" and user.sees_all)
                     and not (name == "accept" and status in lifecycle.WORKING))

    def _row(self, ticket: Ticket, user: StaffUser) -> Row:
        due = ticket.due_at.astimezone(self.tz) if ticket.due_at else None
        waiting = Status(ticket.status) in (lifecycle.OPEN - lifecycle.WORKING)
        return Row(ticket.number, ticket.request_type, ticket.status, ticket.priority,
                   common.location(ticket.building, ticket.unit, ticket.room), ticket.description,
                   ticket.assignee.name if ticket.assignee else "", f"{due:%m-%d %H:%M}" if due else "",
                   bool(due and waiting and ticket.due_at < self.services.now()), ticket.assignee_id == user.id)

    def _detail(self, session: Session, ticket: Ticket, user: StaffUser) -> Detail:
        household = ticket.household
        tags = tuple(texts.label("household_tags", t) for t in sorted(household.tag_set)) if household else ()
        names = dict(session.execute(select(Staff.code, Staff.name).where(Staff.compound_id == ticket.compound_id)).all())
        events = tuple((f"{e.at.astimezone(self.tz):%m-%d %H:%M}", _step(e), _who(e.actor, names),
                        texts.label("intents", e.reason) if e.from_status is None else e.reason)
                       for e in ticket.events)  # a new ticket's reason is the intent the model read
        phone = ticket.resident.phone if ticket.resident else ""
        return Detail(self._row(ticket, user), tags, ticket.home_visit, ticket.visit_time or "",
                      ticket.other_party or "", security.mask_phone(phone), len(ticket.reporters), events,
                      self._steps(ticket, user), Status(ticket.status) in lifecycle.OPEN,
                      f"{ticket.reception_date.month}月{ticket.reception_date.day}日" if ticket.reception_date else "",
                      ticket.routing_note, photos.on_ticket(session, ticket, self.tz))



def _step(event: TicketEvent) -> str:
    """The status a step moved the ticket to; none for a remark (a note, a photo) that moved nothing."""
    return "" if event.from_status == event.to_status else texts.label("statuses", event.to_status)


def _who(actor: str, staff_names: dict) -> str:
    """Who took a step, as the console shows it: a staff name, 居民 (never which resident), 系统."""
    kind, _, ident = actor.partition(":")
    if kind == "staff":
        return staff_names.get(ident, ident)
    return {"resident": "居民", "system": "系统"}.get(kind, actor)


@lru_cache(maxsize=1)
def known_intents() -> Tuple[str, ...]:
    """The intents of domain.yml: what a message can be relabelled to."""
    return tuple(yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))["intents"])
