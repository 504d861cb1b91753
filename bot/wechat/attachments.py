"""Photos residents send: recorded on their most recent open ticket (``ticket_attachments``),
with an event so the ticket's trail shows it and the console shows the photo.

WeChat keeps a temporary media id three days; PicUrl is not promised to last either. Whoever
needs the photo later must fetch it (media/get) within that time.
"""

from __future__ import annotations

import asyncio
from typing import Awaitable, Callable, Optional

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session, sessionmaker

from bot import texts
from bot.db.engine import transaction
from bot.db.models import Resident, Ticket, TicketAttachment, TicketEvent, TicketReporter, utcnow
from bot.tickets.lifecycle import OPEN
from bot.wechat.token_store import Clock

# (openid, media_id, pic_url, dedupe key) -> the number of the ticket it went to, None if none open.
ImageSink = Callable[[str, str, str, str], Awaitable[Optional[str]]]


def attach_image(session: Session, *, openid: str, media_id: str, url: str, source_key: str,
                 now: Clock = utcnow) -> Optional[str]:
    """Record the photo on the resident's newest open ticket (reported or joined); its number."""
    resident = session.execute(select(Resident).where(Resident.openid == openid)).scalar_one_or_none()
    if resident is None:
        return None
    joined = exists().where(TicketReporter.ticket_id == Ticket.id, TicketReporter.resident_id == resident.id)
    ticket = session.execute(
        select(Ticket).where(or_(Ticket.resident_id == resident.id, joined),
                             Ticket.status.in_([s.value for s in OPEN]))
        .order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(1)).scalar_one_or_none()
    if ticket is None:
        return None
    seen = session.execute(select(TicketAttachment.id).where(TicketAttachment.source_key == source_key)).first()
    if seen is None:
        at = now()
        session.add(TicketAttachment(ticket_id=ticket.id, resident_id=resident.id, kind="image", media_id=media_id,
                                     url=url, source_key=source_key, created_at=at))
        session.add(TicketEvent(ticket_id=ticket.id, from_status=ticket.status, to_status=ticket.status,
                                actor=f"resident:{openid}", at=at, reason=texts.text("ticket_events", "resident_photo")))
    return ticket.number


class DbImageSink:
    """An ImageSink writing to the database (in the loop's executor: SQLAlchemy is blocking)."""

    def __init__(self, factory: sessionmaker, clock: Clock = utcnow) -> None:
        self._factory = factory
        self._clock = clock

    async def __call__(self, openid: str, media_id: str, url: str, source_key: str) -> Optional[str]:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, self._attach, openid, media_id, url, source_key)

    def _attach(self, openid: str, media_id: str, url: str, source_key: str) -> Optional[str]:
        with transaction(self._factory) as session:
            return attach_image(session, openid=openid, media_id=media_id, url=url,
                                source_key=source_key, now=self._clock)
