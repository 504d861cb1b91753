"""Messages the model was unsure about: kept with the intent ranking for the admins' review."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import List, Optional, Sequence

from sqlalchemy import select

from bot.db.engine import transaction
from bot.db.models import LowConfidenceMessage
from bot.services import common, outbox

MAX_TEXT = 2000


@dataclass(frozen=True)
class Ranked:
    name: str
    confidence: float


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
            location = common.location(household.building.number, household.unit, household.room) \
                if household else "住址未登记"
            outbox.to_staff(session, staff.id if staff else None, None, "handed_to_butler",
                            location=location, text=row.text[:300])
            return staff.name if staff else None

    def pending(self, limit: int = 100) -> List[LowConfidenceMessage]:
        with transaction(self.services.factory) as session:
            return list(session.execute(select(LowConfidenceMessage).where(
                LowConfidenceMessage.status.in_(("pending", "handed_to_butler"))).order_by(
                LowConfidenceMessage.id.desc()).limit(limit)).scalars())
