"""The notifier's side of the outbox in the database: claiming notifications so that two
workers never send the same one, reading what to send, and recording what happened.

A claim is one transaction that writes first: an UPDATE of due rows in notification_dispatch
(PostgreSQL: picked FOR UPDATE SKIP LOCKED, so concurrent workers take different rows; SQLite:
the statement holds the database write lock), then an INSERT of rows for notifications never
tried (ON CONFLICT DO NOTHING: a notification another worker inserted first is skipped). A claim
older than the claim timeout is taken over: the worker holding it is presumed dead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Dict, List, Optional, Sequence, Tuple
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.db.models import Notification, Resident, Staff, Ticket, UTCDateTime
from bot.wechat.models import NotificationDelivery, NotificationDispatch
from bot.wechat.templates import field_values

D = NotificationDispatch


@dataclass(frozen=True)
class Job:
    """One notification to send, as read when it was claimed."""

    notification_id: int
    recipient_kind: str  # resident | staff
    openid: Optional[str]
    undeliverable: str  # why it cannot be sent at all ("" if it can)
    text: str
    attempts: int  # attempts before this one
    ticket_id: Optional[int]
    values: Dict[str, str]  # template field sources (bot.wechat.templates.field_values)
    kind: str = ""  # the notification's kind (ticket_assigned, reception_agenda, …)


@dataclass(frozen=True)
class Call:
    """One call to WeChat (channel cs or template), or the decision not to call (channel none)."""

    channel: str
    openid: Optional[str]
    errcode: Optional[int]  # 0 ok; None: no answer
    errmsg: str
    msgid: Optional[str] = None
    outcome: str = "retry"  # sent | fallback | retry | failed


@dataclass(frozen=True)
class Outcome:
    state: str  # sent | pending (retry later) | failed
    last_error: Optional[str]
    next_attempt_at: datetime


def claim(session: Session, *, token: str, now: datetime, limit: int, stale_before: datetime) -> List[int]:
    """Claim up to ``limit`` due notifications for ``token``; their ids, urgent ones first."""
    claimed = _claim_due(session, token, now, limit, stale_before)
    if claimed < limit:
        _claim_new(session, token, now, limit - claimed)
    return list(session.execute(
        select(D.notification_id).join(Notification, Notification.id == D.notification_id)
        .where(D.claimed_by == token).order_by(Notification.urgent.desc(), D.notification_id)).scalars())


def _claim_due(session: Session, token: str, now: datetime, limit: int, stale_before: datetime) -> int:
    due = and_(D.state == "pending", D.next_attempt_at <= now,
               or_(D.claimed_at.is_(None), D.claimed_at < stale_before))
    picked = (select(D.notification_id).join(Notification, Notification.id == D.notification_id).where(due)
              .order_by(Notification.urgent.desc(), D.notification_id).limit(limit)
              .with_for_update(skip_locked=True, of=D))  # SQLite ignores it: its write lock suffices
    result = session.execute(update(D).where(D.notification_id.in_(picked), due)
                             .values(claimed_by=token, claimed_at=now)
                             .execution_options(synchronize_session=False))
    return result.rowcount


def _claim_new(session: Session, token: str, now: datetime, limit: int) -> None:
    at = literal(now, UTCDateTime())
    never_tried = (select(Notification.id, literal("pending"), literal(token), at, at)
                   .where(Notification.sent_at.is_(None),
                          ~exists().where(D.notification_id == Notification.id))
                   .order_by(Notification.urgent.desc(), Notification.id).limit(limit))
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[session.get_bind().dialect.name]
    session.execute(insert(D).from_select(
        ["notification_id", "state", "claimed_by", "claimed_at", "next_attempt_at"], never_tried)
        .on_conflict_do_nothing(index_elements=["notification_id"]))


def load_jobs(session: Session, ids: Sequence[int], *, timezone: ZoneInfo, openid_pattern: str) -> List[Job]:
    """What to send for each claimed notification, in the order of ``ids``."""
    rows = {n.id: n for n in session.execute(select(Notification).where(Notification.id.in_(ids))).scalars()}
    return [_job(session, rows[i], timezone, re.compile(openid_pattern)) for i in ids if i in rows]


def _job(session: Session, notification: Notification, timezone: ZoneInfo, pattern: re.Pattern) -> Job:
    ticket = session.get(Ticket, notification.ticket_id) if notification.ticket_id else None
    openid, why = _recipient(session, notification, pattern)
    return Job(notification.id, notification.recipient_kind, openid, why, notification.text,
               notification.attempts, notification.ticket_id, field_values(notification, ticket, timezone),
               notification.kind)


def _recipient(session: Session, notification: Notification,
               pattern: re.Pattern) -> Tuple[Optional[str], str]:
    """(openid, "") or (None, why there is nobody to send it to)."""
    who = f"{notification.recipient_kind} {notification.recipient_id}"
    if notification.recipient_kind == "resident":
        resident = session.get(Resident, notification.recipient_id)
        if resident is None:
            return None, f"{who} does not exist"
        if not pattern.match(resident.openid):
            return None, f"{who} has no WeChat openid (id {resident.openid!r} is from another channel)"
        return resident.openid, ""
    staff = session.get(Staff, notification.recipient_id) if notification.recipient_kind == "staff" else None
    if staff is None:
        return None, f"{who} does not exist"
    if not staff.active:
        return None, f"staff {staff.code} is no longer active"
    if not staff.openid:
        return None, f"staff {staff.code} has no WeChat openid"
    return staff.openid, ""


def record(session: Session, job: Job, calls: Sequence[Call], outcome: Outcome, *,
           token: str, worker: str, now: datetime) -> None:
    """Log every call, count the attempt, set sent_at only if sent, and release the claim."""
    sent = {"sent_at": now} if outcome.state == "sent" else {}
    session.execute(update(Notification).where(Notification.id == job.notification_id)
                    .values(attempts=Notification.attempts + 1, last_error=_clip(outcome.last_error), **sent)
                    .execution_options(synchronize_session=False))
    session.execute(update(D).where(D.notification_id == job.notification_id, D.claimed_by == token)
                    .values(state=outcome.state, claimed_by=None, claimed_at=None,
                            next_attempt_at=outcome.next_attempt_at)
                    .execution_options(synchronize_session=False))
    session.add_all(NotificationDelivery(
        notification_id=job.notification_id, attempt=job.attempts + 1, channel=call.channel,
        openid=call.openid,
        errcode=call.errcode, errmsg=_clip(call.errmsg) or "", msgid=call.msgid, outcome=call.outcome,
        worker=worker[:80], at=now) for call in calls)


def _clip(text: Optional[str], limit: int = 300) -> Optional[str]:
    return None if text is None else text[:limit]
