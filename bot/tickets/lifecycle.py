"""Ticket statuses and the transitions allowed between them.

new → assigned → accepted → in_progress → resolved → closed, plus transferred (handed to
another person, who must accept), escalated (to the duty manager), reopened and cancelled.
Every change is recorded as an :class:`Event`: who, when, what, why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Dict, FrozenSet, Optional


class Status(str, Enum):
    NEW = "new"
    ASSIGNED = "assigned"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"
    TRANSFERRED = "transferred"
    ESCALATED = "escalated"
    CANCELLED = "cancelled"


S = Status
ALLOWED: Dict[Status, FrozenSet[Status]] = {
    S.NEW: frozenset({S.ASSIGNED, S.ESCALATED, S.CANCELLED}),
    S.ASSIGNED: frozenset({S.ACCEPTED, S.TRANSFERRED, S.ESCALATED, S.CANCELLED}),
    S.TRANSFERRED: frozenset({S.ACCEPTED, S.TRANSFERRED, S.ESCALATED, S.CANCELLED}),
    S.ESCALATED: frozenset({S.ASSIGNED, S.ACCEPTED, S.TRANSFERRED, S.CANCELLED}),
    S.REOPENED: frozenset({S.ACCEPTED, S.TRANSFERRED, S.ESCALATED, S.CANCELLED}),
    S.ACCEPTED: frozenset({S.IN_PROGRESS, S.RESOLVED, S.TRANSFERRED, S.ESCALATED, S.CANCELLED}),
    S.IN_PROGRESS: frozenset({S.RESOLVED, S.TRANSFERRED, S.ESCALATED, S.CANCELLED}),
    S.RESOLVED: frozenset({S.CLOSED, S.REOPENED}),
    S.CLOSED: frozenset(),
    S.CANCELLED: frozenset(),
}
OPEN: FrozenSet[Status] = frozenset(set(Status) - {S.RESOLVED, S.CLOSED, S.CANCELLED})
# Transitions that hand the ticket to someone and so need the new assignee.
NEEDS_ASSIGNEE: FrozenSet[Status] = frozenset({S.ASSIGNED, S.TRANSFERRED, S.ESCALATED})
# Statuses in which the assignee is working on it (time limit to accept is met).
WORKING: FrozenSet[Status] = frozenset({S.ACCEPTED, S.IN_PROGRESS})


class TransitionNotAllowed(ValueError):
    """The ticket cannot go from its status to the one asked for."""


@dataclass(frozen=True)
class Event:
    """One change of a ticket, as stored in its audit trail."""

    from_status: Optional[Status]
    to_status: Status
    actor: str
    at: datetime
    reason: str = ""
    assignee: Optional[str] = None


def transition(current: Status, to: Status, *, actor: str, at: datetime, reason: str = "",
               assignee: Optional[str] = None) -> Event:
    """Check a change and return the event that records it; raise if it is not allowed."""
    if to not in ALLOWED[current]:
        raise TransitionNotAllowed(f"a {current.value} ticket cannot become {to.value}")
    if to in NEEDS_ASSIGNEE and not assignee:
        raise TransitionNotAllowed(f"{to.value} needs the person it goes to")
    if to in (S.TRANSFERRED, S.ESCALATED, S.REOPENED, S.CANCELLED) and not reason.strip():
        raise TransitionNotAllowed(f"{to.value} needs a reason")
    return Event(current, to, actor, at, reason.strip(), assignee)


def created(*, actor: str, at: datetime, reason: str = "") -> Event:
    """The first event of every ticket."""
    return Event(None, S.NEW, actor, at, reason)
