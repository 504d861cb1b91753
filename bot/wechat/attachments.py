"""Photos residents send: recorded on their most recent open ticket.

The table ``ticket_attachments`` does not exist yet. Until a migration creates it (and the
table moves to bot.wechat.models on ``Base``), it is described here on a MetaData of its own,
so that nothing comparing ``Base.metadata`` with the database sees it, and the channel only
uses it when told to (``attach_images: true`` in credentials.yml).

WeChat keeps a temporary media id three days; PicUrl is not promised to last either. Whoever
needs the photo later must fetch it (media/get) within that time.
"""

from __future__ import annotations

import asyncio
from typing import Awaitable, Callable, Optional

from sqlalchemy import Column, Integer, MetaData, String, Table, exists, insert, or_, select
from sqlalchemy.orm import Session, sessionmaker

from bot.db.engine import transaction
from bot.db.models import Resident, Ticket, TicketReporter, UTCDateTime, utcnow
from bot.tickets.lifecycle import OPEN
from bot.wechat.token_store import Clock

# (openid, media_id, pic_url, dedupe key) -> the number of the ticket it went to, None if none open.
ImageSink = Callable[[str, str, str, str], Awaitable[Optional[str]]]

metadata = MetaData()
ticket_attachments = Table(
    "ticket_attachments", metadata,
    Column("id", Integer, primary_key=True),
    Column("ticket_id", Integer, nullable=False, index=True),  # FK tickets.id in the migration
    Column("resident_id", Integer, nullable=False),  # FK residents.id in the migration
    Column("kind", String(10), nullable=False),  # image
    Column("media_id", String(128), nullable=False),
    Column("url", String(500), nullable=False, default=""),
    Column("source_key", String(80), nullable=False, unique=True),  # WeChat's MsgId: recorded once
    Column("created_at", UTCDateTime, nullable=False),
)


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
    seen = session.execute(select(ticket_attachments.c.id)
                           .where(ticket_attachments.c.source_key == source_key)).first()
    if seen is None:
        session.execute(insert(ticket_attachments).values(
            ticket_id=ticket.id, resident_id=resident.id, kind="image", media_id=media_id,
            url=url, source_key=source_key, created_at=now()))
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
