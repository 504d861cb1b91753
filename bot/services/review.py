"""Messages the model was unsure about: kept with the intent ranking for the admins' review."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot import texts
from bot.db.engine import transaction
from bot.db.models import Household, LowConfidenceMessage, MessageCount, Notification, Ticket
from bot.services import common, outbox
from bot.tickets import REQUEST_TYPES

MAX_TEXT = 2000
COMPLAINT_REPEAT = timedelta(hours=2)  # the same complaint again this soon is not forwarded again


@dataclass(frozen=True)
class Ranked:
    name: str
    confidence: float


@dataclass(frozen=True)
class InboxItem:
    id: int
    text: str
    ranking: Tuple[Ranked, ...]
    top_intent: Optional[str]
    confidence: Optional[float]
    resident_label: Optional[str]  # what the resident picked from the choices offered
    status: str
    ticket_number: Optional[str]
    created_at: datetime


class ReviewError(ValueError):
    """A decision that cannot be taken (unknown intent, already decided)."""


DECISIONS = ("accept", "relabel", "ignore")
LINK_WINDOW = timedelta(hours=1)


class ReviewService:
    def __init__(self, services) -> None:
        self.services = services

    def record(self, sender: str, text: str, ranking: Sequence[Ranked], model_id: Optional[str]) -> int:
        """Store a low-confidence message; returns its id for the resident's later choice."""
        top = ranking[0] if ranking else None
        with transaction(self.services.factory) as session:
            row = LowConfidenceMessage(
                sender=sender, text=text[:MAX_TEXT], model_id=model_id,
                ranking=json.dumps([r.__dict__ for r in ranking], ensure_ascii=False),
                top_intent=top.name if top else None, confidence=top.confidence if top else None,
                created_at=self.services.now())
            session.add(row)
            session.flush()
            return row.id

    def count_message(self, channel: str, messages: int = 1) -> None:
        """``messages`` more resident messages read by the model today (the compound's date), on ``channel``."""
        day = self.services.now().astimezone(self.services.settings.timezone).date()
        for _ in range(2):  # two processes may insert today's row at once: the loser adds to it
            try:
                with transaction(self.services.factory) as session:
                    added = session.execute(update(MessageCount).where(
                        MessageCount.day == day, MessageCount.channel == channel)
                        .values(count=MessageCount.count + messages)).rowcount
                    if not added:
                        session.add(MessageCount(day=day, channel=channel, count=messages))
                return
            except IntegrityError:
                continue

    def resident_chose(self, message_id: int, intent: str) -> None:
        """The resident picked what they meant: a correction the admins see labelled."""
        with transaction(self.services.factory) as session:
            row = session.get(LowConfidenceMessage, message_id)
            if row is not None and row.status == "pending":
                row.label = intent

    def hand_to_butler(self, message_id: int) -> Optional[str]:
        """Pass the message to the resident's butler (or the duty manager); returns their name."""
        with transaction(self.services.factory) as session:
            row = session.get(LowConfidenceMessage, message_id)
            if row is None:
                return None
            compound = common.compound(session, self.services.settings.compound)
            resident = common.resident(session, row.sender)
            household = resident.household if resident else None
            staff = (household.building.butler if household else None) or compound.duty_manager
            row.status = "handed_to_butler"
            outbox.to_staff(session, staff.id if staff else None, None, "handed_to_butler",
                            location=_where(household), text=row.text[:300])
            return staff.name if staff else None

    def forward_complaint(self, sender: str, text: str) -> Optional[str]:
        """A complaint with no request behind it (保安态度太差, 垃圾好几天没人清理) goes to the duty
        manager, the compound's escalation point (else the resident's butler), with where the
        resident lives and their phone when known; returns who has it, role and name
        (值班物业经理赵志刚; None: nobody to send it to, nothing is sent). The same words from the
        same resident within COMPLAINT_REPEAT (sent twice, or WeChat's retry after a slow answer)
        are not sent again."""
        with transaction(self.services.factory) as session:
            resident = common.resident(session, sender)
            household = resident.household if resident else None
            staff = (common.compound(session, self.services.settings.compound).duty_manager
                     or (household.building.butler if household else None))
            if staff is None:
                return None
            phone = f"，电话{resident.phone}" if resident and resident.phone else ""
            values = dict(location=_where(household) + phone, text=text[:300])
            now = self.services.now()
            repeated = session.execute(select(Notification.id).where(
                Notification.recipient_kind == "staff", Notification.recipient_id == staff.id,
                Notification.kind == "complaint_forwarded", Notification.created_at >= now - COMPLAINT_REPEAT,
                Notification.text == texts.notification("complaint_forwarded", **values))).first()
            if repeated is None:
                outbox.to_staff(session, staff.id, None, "complaint_forwarded", at=now, **values)
            return texts.label("roles", staff.role) + staff.name

    def pending(self, limit: int = 100) -> List[LowConfidenceMessage]:
        with transaction(self.services.factory) as session:
            return list(session.execute(select(LowConfidenceMessage).where(
                LowConfidenceMessage.status.in_(("pending", "handed_to_butler"))).order_by(
                LowConfidenceMessage.id.desc()).limit(limit)).scalars())

    # -- the admins' NLU inbox ----------------------------------------------------------------
    def link_ticket(self, sender: str, request_type: str, number: str) -> None:
        """A ticket was recorded after the resident picked ``request_type`` from the choices offered
        for a message the model was unsure about: link the two, so that relabelling the message
        reroutes the ticket."""
        with transaction(self.services.factory) as session:
            since = self.services.now() - LINK_WINDOW
            row = session.execute(select(LowConfidenceMessage).where(
                LowConfidenceMessage.sender == sender, LowConfidenceMessage.label == request_type,
                LowConfidenceMessage.ticket_id.is_(None), LowConfidenceMessage.created_at >= since)
                .order_by(LowConfidenceMessage.id.desc()).limit(1)).scalar_one_or_none()
            ticket = session.execute(select(Ticket).where(Ticket.number == number)).scalar_one_or_none()
            if row is not None and ticket is not None:
                row.ticket_id = ticket.id

    def inbox(self, limit: int = 50) -> List[InboxItem]:
        """Messages waiting for an admin's decision, newest first."""
        with transaction(self.services.factory) as session:
            rows = session.execute(select(LowConfidenceMessage).where(
                LowConfidenceMessage.status.in_(("pending", "handed_to_butler")))
                .order_by(LowConfidenceMessage.id.desc()).limit(limit)).scalars().all()
            return [self._item(session, row) for row in rows]

    def decide(self, message_id: int, decision: str, *, admin: str, intent: Optional[str] = None,
               known_intents: Sequence[str], examples_file: Path) -> InboxItem:
        """accept (the resident's choice, else the model's top intent, is right), relabel (to
        ``intent``) or ignore. Accepted and relabelled messages are added to ``examples_file``; a
        linked ticket is rerouted (or withdrawn when the message was no request)."""
        from bot.nlu import reviewed
        from bot.services.tickets import TicketService
        if decision not in DECISIONS:
            raise ReviewError(f"unknown decision {decision!r}")
        with transaction(self.services.factory) as session:
            row = session.get(LowConfidenceMessage, message_id)
            if row is None or row.status not in ("pending", "handed_to_butler"):
                raise ReviewError(f"message {message_id} is not waiting for a decision")
            label = intent if decision == "relabel" else (row.label or row.top_intent)
            if decision != "ignore" and label not in known_intents:
                raise ReviewError(f"unknown intent {label!r}")
            text, ticket = row.text, session.get(Ticket, row.ticket_id) if row.ticket_id else None
            number, ticket_type = (ticket.number, ticket.request_type) if ticket else (None, None)
            row.status = {"accept": "accepted", "relabel": "relabelled", "ignore": "ignored"}[decision]
            row.label = label if decision != "ignore" else row.label
        if decision != "ignore":
            reviewed.add(examples_file, label, text)
        if decision == "relabel" and number and label != ticket_type:
            target = label if label in REQUEST_TYPES else None
            TicketService(self.services).reclassify(number, target, actor=f"staff:{admin}",
                                                    reason=f"管理员复核留言“{text[:40]}”")
        with transaction(self.services.factory) as session:
            return self._item(session, session.get(LowConfidenceMessage, message_id))

    @staticmethod
    def _item(session, row: LowConfidenceMessage) -> InboxItem:
        ranking = tuple(Ranked(r["name"], float(r["confidence"])) for r in json.loads(row.ranking or "[]"))
        ticket = session.get(Ticket, row.ticket_id) if row.ticket_id else None
        return InboxItem(row.id, row.text, ranking, row.top_intent, row.confidence, row.label, row.status,
                         ticket.number if ticket else None, row.created_at)


def _where(household: Optional[Household]) -> str:
    """The household's address, as staff read it, or that none is on record."""
    if household is None:
        return "住址未登记"
    return common.location(household.building.number, household.unit, household.room)
