"""The outbox: messages owed to residents and staff, written in the same transaction as the
change they announce. The WeChat notifier delivers them and records each result."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy.orm import Session

from bot import texts
from bot.db.models import Notification, Ticket


def to_staff(session: Session, staff_id: Optional[int], ticket: Optional[Ticket], kind: str, *,
             urgent: bool = False, at: Optional[datetime] = None, **values: Any) -> None:
    """``at``: when it was owed, on the services' clock (an emergency's alerts: see TicketService)."""
    if staff_id is None:
        return
    _add(session, "staff", staff_id, ticket, kind, urgent, values, at)


def to_resident(session: Session, resident_id: int, ticket: Optional[Ticket], kind: str, *,
                urgent: bool = False, **values: Any) -> None:
    _add(session, "resident", resident_id, ticket, kind, urgent, values)


def _add(session: Session, recipient_kind: str, recipient_id: int, ticket: Optional[Ticket], kind: str,
         urgent: bool, values: dict, at: Optional[datetime] = None) -> None:
    session.add(Notification(recipient_kind=recipient_kind, recipient_id=recipient_id,
                             ticket_id=ticket.id if ticket else None, kind=kind, urgent=urgent,
                             text=texts.notification(kind, **values), **({"created_at": at} if at else {})))
