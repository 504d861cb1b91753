"""The database schema. Plain SQLAlchemy; every query elsewhere uses 2.0-style ``select()``.

Times are stored as naive UTC and come back timezone-aware (UTC); presentation converts them
to the compound's time zone.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (Boolean, Column, Date, DateTime, Float, ForeignKey, Integer, LargeBinary, MetaData,
                        String, Table, Text, Unicode, UniqueConstraint, types)
from sqlalchemy.orm import declarative_base, relationship
from sqlalchemy.sql.expression import true

# Stable constraint names, so migrations can alter them on every backend.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
Base = declarative_base(metadata=MetaData(naming_convention=NAMING))


class UTCDateTime(types.TypeDecorator):
    """Aware datetimes in, naive UTC in the database, aware UTC out (SQLite keeps no zone)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("store timezone-aware datetimes only")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=timezone.utc)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Compound(Base):
    __tablename__ = "compounds"
    id = Column(Integer, primary_key=True)
    code = Column(String(40), nullable=False, unique=True)
    name = Column(String(100), nullable=False)
    reception_days = Column(String(100), nullable=False, default="3,15")  # days of the month, "3,15"
    reception_hours = Column(String(20), nullable=False, default="09:00-11:30", server_default="09:00-11:30")
    reception_place = Column(String(100), nullable=False, default="", server_default="")
    # keep | next_working_day: what a reception day that falls on a public holiday does
    reception_on_holiday = Column(String(20), nullable=False, default="keep", server_default="keep")
    elevator_emergency_phone = Column(String(40), nullable=False, default="")
    property_phone = Column(String(40), nullable=False, default="")
    # Where the parcel station and lockers are and when they are open, as residents are told it.
    parcel_station = Column(String(100), nullable=False, default="", server_default="")
    # Routing roles; the duty manager is required (unroutable tickets go there).
    duty_manager_id = Column(Integer, ForeignKey("staff.id", use_alter=True), nullable=True)
    mediation_committee_id = Column(Integer, ForeignKey("staff.id", use_alter=True), nullable=True)
    errand_agent_id = Column(Integer, ForeignKey("staff.id", use_alter=True), nullable=True)

    buildings = relationship("Building", back_populates="compound", order_by="Building.id")
    duty_manager = relationship("Staff", foreign_keys=[duty_manager_id], post_update=True)
    mediation_committee = relationship("Staff", foreign_keys=[mediation_committee_id], post_update=True)
    errand_agent = relationship("Staff", foreign_keys=[errand_agent_id], post_update=True)


class Staff(Base):
    __tablename__ = "staff"
    __table_args__ = (UniqueConstraint("compound_id", "code"),)
    id = Column(Integer, primary_key=True)
    compound_id = Column(Integer, ForeignKey("compounds.id"), nullable=False)
    code = Column(String(40), nullable=False)  # stable handle used by routing files, e.g. "wang"
    name = Column(String(50), nullable=False)
    # butler | mediation_committee | errand_agent | duty_manager | admin
    role = Column(String(30), nullable=False)
    phone = Column(String(20), nullable=False, default="")
    openid = Column(String(64), nullable=True, unique=True)
    active = Column(Boolean, nullable=False, default=True)
    # The console log-in (username: the code): scrypt hash, NULL until a password is set.
    password_hash = Column(String(200), nullable=True)


class Building(Base):
    __tablename__ = "buildings"
    __table_args__ = (UniqueConstraint("compound_id", "number"),)
    id = Column(Integer, primary_key=True)
    compound_id = Column(Integer, ForeignKey("compounds.id"), nullable=False)
    number = Column(String(10), nullable=False)  # canonical, as the address extractor gives it: "3"
    units = Column(Integer, nullable=False, default=1)
    floors = Column(Integer, nullable=False, default=6)
    doors_per_floor = Column(Integer, nullable=False, default=4)
    butler_id = Column(Integer, ForeignKey("staff.id"), nullable=True)

    compound = relationship("Compound", back_populates="buildings")
    butler = relationship("Staff")


class Household(Base):
    __tablename__ = "households"
    __table_args__ = (UniqueConstraint("building_id", "unit", "room"),)
    id = Column(Integer, primary_key=True)
    building_id = Column(Integer, ForeignKey("buildings.id"), nullable=False)
    unit = Column(String(10), nullable=False)
    room = Column(String(10), nullable=False)
    # Comma-separated: party_member, elderly_alone, disabled, children (一户一册 marks).
    tags = Column(String(200), nullable=False, default="")
    care_colour = Column(String(10), nullable=False, default="green")  # red | yellow | green

    building = relationship("Building")

    @property
    def tag_set(self) -> frozenset:
        return frozenset(tag for tag in self.tags.split(",") if tag)


class Resident(Base):
    __tablename__ = "residents"
    id = Column(Integer, primary_key=True)
    openid = Column(String(64), nullable=False, unique=True)  # WeChat openid (REST: the sender id)
    compound_id = Column(Integer, ForeignKey("compounds.id"), nullable=False)
    name = Column(String(50), nullable=False, default="")
    phone = Column(String(20), nullable=False, default="")
    household_id = Column(Integer, ForeignKey("households.id"), nullable=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    # Reception-day reminders (退订提醒 / 订阅提醒 in chat).
    reminders = Column(Boolean, nullable=False, default=True, server_default=true())

    household = relationship("Household")


class TimeLimit(Base):
    """How soon each kind of request must be accepted, per compound."""

    __tablename__ = "time_limits"
    compound_id = Column(Integer, ForeignKey("compounds.id"), primary_key=True)
    request_type = Column(String(30), primary_key=True)
    accept_minutes = Column(Integer, nullable=False)
    urgent_minutes = Column(Integer, nullable=False, default=10)
    day_start = Column(String(5), nullable=False, default="08:00")
    day_end = Column(String(5), nullable=False, default="20:00")


class DailySequence(Base):
    """The last ticket number given out per compound, prefix and day (BX-20261121-0007)."""

    __tablename__ = "daily_sequences"
    compound_id = Column(Integer, ForeignKey("compounds.id"), primary_key=True)
    prefix = Column(String(4), primary_key=True)
    day = Column(String(8), primary_key=True)
    last = Column(Integer, nullable=False)


class Ticket(Base):
    __tablename__ = "tickets"
    id = Column(Integer, primary_key=True)
    number = Column(String(20), nullable=False, unique=True)
    compound_id = Column(Integer, ForeignKey("compounds.id"), nullable=False)
    request_type = Column(String(30), nullable=False)
    status = Column(String(20), nullable=False, index=True)
    description = Column(Text, nullable=False)  # in the resident's words
    resident_id = Column(Integer, ForeignKey("residents.id"), nullable=False)  # who reported it first
    household_id = Column(Integer, ForeignKey("households.id"), nullable=True)
    building = Column(String(10), nullable=True, index=True)
    unit = Column(String(10), nullable=True)
    room = Column(String(10), nullable=True)
    facility = Column(String(20), nullable=True)
    visit_time = Column(String(100), nullable=True)
    # Noise disputes: the other party. The complainant is never shown to them.
    other_party = Column(String(100), nullable=True)
    priority = Column(String(10), nullable=False)
    emergency = Column(String(30), nullable=True)
    home_visit = Column(Boolean, nullable=False, default=False)
    assignee_id = Column(Integer, ForeignKey("staff.id"), nullable=True)
    assignee_role = Column(String(30), nullable=True)
    routing_note = Column(String(200), nullable=False, default="")  # why the duty manager got it
    due_at = Column(UTCDateTime, nullable=True)
    intent = Column(String(40), nullable=True)
    confidence = Column(Float, nullable=True)
    model_id = Column(String(64), nullable=True)
    rating = Column(Integer, nullable=True)
    rating_comment = Column(String(500), nullable=True)
    # The reception day whose agenda carries it (marked by staff, or an overdue dispute).
    reception_date = Column(Date, nullable=True)
    # Set once by the time-limit job: not accepted in time (escalated) / reminded to rate.
    overdue_at = Column(UTCDateTime, nullable=True)
    rating_reminded_at = Column(UTCDateTime, nullable=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow)

    resident = relationship("Resident")
    household = relationship("Household")
    assignee = relationship("Staff")
    events = relationship("TicketEvent", order_by="TicketEvent.id", back_populates="ticket")
    reporters = relationship("TicketReporter", order_by="TicketReporter.id", back_populates="ticket")


class TicketEvent(Base):
    """The audit trail: who changed what, when and why."""

    __tablename__ = "ticket_events"
    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("tickets.id"), nullable=False, index=True)
    from_status = Column(String(20), nullable=True)
    to_status = Column(String(20), nullable=False)
    actor = Column(String(80), nullable=False)  # "resident:<openid>", "staff:<code>", "system"
    at = Column(UTCDateTime, nullable=False)
    reason = Column(String(500), nullable=False, default="")
    assignee_id = Column(Integer, ForeignKey("staff.id"), nullable=True)

    ticket = relationship("Ticket", back_populates="events")


class TicketReporter(Base):
    """Every resident who reported the problem (duplicates join the first ticket)."""

    __tablename__ = "ticket_reporters"
    __table_args__ = (UniqueConstraint("ticket_id", "resident_id"),)
    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("tickets.id"), nullable=False)
    resident_id = Column(Integer, ForeignKey("residents.id"), nullable=False, index=True)
    text = Column(Text, nullable=False, default="")
    at = Column(UTCDateTime, nullable=False, default=utcnow)

    ticket = relationship("Ticket", back_populates="reporters")
    resident = relationship("Resident")


class Notification(Base):
    """Outbox: every message owed to a resident or a staff member. The WeChat notifier delivers
    these and records the result; nothing is reported as sent that was not."""

    __tablename__ = "notifications"
    id = Column(Integer, primary_key=True)
    recipient_kind = Column(String(10), nullable=False)  # resident | staff
    recipient_id = Column(Integer, nullable=False)
    ticket_id = Column(Integer, ForeignKey("tickets.id"), nullable=True)
    kind = Column(String(30), nullable=False)  # ticket_assigned, emergency_alert, ticket_resolved, …
    text = Column(Text, nullable=False)
    urgent = Column(Boolean, nullable=False, default=False)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    sent_at = Column(UTCDateTime, nullable=True)
    attempts = Column(Integer, nullable=False, default=0)
    last_error = Column(String(300), nullable=True)


class MessageCount(Base):
    """Residents' messages the model read, per day (the compound's date) and channel: the
    denominator of the unsure-message rate on the admins' dashboard."""

    __tablename__ = "message_counts"
    day = Column(Date, primary_key=True)
    channel = Column(String(20), primary_key=True)
    count = Column(Integer, nullable=False, default=0)


class LowConfidenceMessage(Base):
    """Messages the model was unsure about, with its ranking, for the admins' review."""

    __tablename__ = "low_confidence_messages"
    id = Column(Integer, primary_key=True)
    sender = Column(String(64), nullable=False)
    text = Column(Text, nullable=False)
    ranking = Column(Text, nullable=False)  # JSON list of {"name", "confidence"}
    top_intent = Column(String(40), nullable=True)
    confidence = Column(Float, nullable=True)
    model_id = Column(String(64), nullable=True)
    # pending | handed_to_butler | accepted | relabelled | ignored
    status = Column(String(20), nullable=False, default="pending")
    label = Column(String(40), nullable=True)
    ticket_id = Column(Integer, ForeignKey("tickets.id"), nullable=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)


class ReminderSend(Base):
    """The send log of reception-day reminders: one row per compound, reception date, audience
    and recipient, written with the outbox notification. The unique key makes every send
    idempotent across restarts and across scheduler processes."""

    __tablename__ = "reminder_sends"
    __table_args__ = (UniqueConstraint("compound_id", "reception_date", "audience", "recipient_kind",
                                       "recipient_id", name="uq_reminder_sends_key"),)
    id = Column(Integer, primary_key=True)
    compound_id = Column(Integer, ForeignKey("compounds.id"), nullable=False)
    reception_date = Column(Date, nullable=False)
    audience = Column(String(30), nullable=False)  # residents_evening | residents_morning | staff_agenda | …
    recipient_kind = Column(String(10), nullable=False)  # resident | staff
    recipient_id = Column(Integer, nullable=False)
    notification_id = Column(Integer, ForeignKey("notifications.id"), nullable=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)


class SchedulerLease(Base):
    """Who runs the scheduled jobs: one process holds the lease and renews it; the others wait
    until it expires (a crashed holder is replaced after at most one lease period)."""

    __tablename__ = "scheduler_leases"
    name = Column(String(40), primary_key=True)
    holder = Column(String(80), nullable=False)
    expires_at = Column(UTCDateTime, nullable=False)


# APScheduler's SQLAlchemyJobStore table, exactly as the job store defines it, so that the
# migrations own the whole schema (the job store then finds it and creates nothing).
apscheduler_jobs = Table(
    "apscheduler_jobs", Base.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)


class ConsoleSession(Base):
    """A staff member logged in to the console. Only a hash of the cookie's token is stored."""

    __tablename__ = "console_sessions"
    token_hash = Column(String(64), primary_key=True)
    staff_id = Column(Integer, ForeignKey("staff.id"), nullable=False, index=True)
    csrf = Column(String(64), nullable=False)  # every form of the session carries it
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    expires_at = Column(UTCDateTime, nullable=False)


class LoginAttempt(Base):
    """Every console log-in attempt, for rate limiting and the audit."""

    __tablename__ = "login_attempts"
    id = Column(Integer, primary_key=True)
    username = Column(String(40), nullable=False, index=True)
    client = Column(String(64), nullable=False)
    ok = Column(Boolean, nullable=False)
    at = Column(UTCDateTime, nullable=False, index=True)


class PhoneReveal(Base):
    """A staff member looked at a resident's full phone number (the console masks it otherwise)."""

    __tablename__ = "phone_reveals"
    id = Column(Integer, primary_key=True)
    staff_id = Column(Integer, ForeignKey("staff.id"), nullable=False)
    ticket_id = Column(Integer, ForeignKey("tickets.id"), nullable=False)
    at = Column(UTCDateTime, nullable=False)


class RoutingChange(Base):
    """An admin changed the compound's routing in the console (who, when, what)."""

    __tablename__ = "routing_changes"
    id = Column(Integer, primary_key=True)
    compound_id = Column(Integer, ForeignKey("compounds.id"), nullable=False, index=True)
    staff_id = Column(Integer, ForeignKey("staff.id"), nullable=False)
    at = Column(UTCDateTime, nullable=False)
    summary = Column(String(500), nullable=False)  # as the console shows it: "3栋红管家：王秀英 → 陈美玲"


class TicketAttachment(Base):
    """A photo on a ticket: sent by a resident over WeChat (media id and url) or uploaded by
    staff in the console (a file under the photos directory)."""

    __tablename__ = "ticket_attachments"
    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("tickets.id"), nullable=False, index=True)
    resident_id = Column(Integer, ForeignKey("residents.id"), nullable=True)  # a resident's WeChat image
    staff_id = Column(Integer, ForeignKey("staff.id"), nullable=True)  # a console upload
    kind = Column(String(10), nullable=False, default="image")
    media_id = Column(String(128), nullable=True)  # WeChat's temporary media id (kept three days)
    url = Column(String(500), nullable=False, default="")  # WeChat's PicUrl
    source_key = Column(String(80), nullable=True, unique=True)  # WeChat's MsgId: recorded once
    file_name = Column(String(80), nullable=True)  # console upload: random name in the photos directory
    content_type = Column(String(40), nullable=True)
    size = Column(Integer, nullable=True)
    note = Column(String(500), nullable=False, default="")
    fetch_attempts = Column(Integer, nullable=False, default=0, server_default="0")  # downloads of the WeChat image tried
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
