"""Residents' photos, kept: WeChat keeps a temporary media id three days and promises nothing
of PicUrl, so the notifier worker downloads each image a resident sent (media/get) into the
photos directory, where the console serves it to the staff who may see the ticket.

Each attachment is tried at most MAX_ATTEMPTS times, by one worker at a time (an attempt is
claimed by bumping its counter from the value read), and only while WeChat still has it. Until
then, and if it never succeeds, the console shows the PicUrl.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Optional

import requests
from sqlalchemy import select, update
from sqlalchemy.orm import sessionmaker
from wechatpy.exceptions import WeChatClientException

from bot.console.photos import PhotoError, PhotoStore, content_type
from bot.db.engine import transaction
from bot.db.models import TicketAttachment, utcnow
from bot.wechat.token_store import Clock

logger = logging.getLogger("red_butler.media")

MAX_ATTEMPTS = 5
KEPT_BY_WECHAT = timedelta(days=3)
GONE = {40007}  # invalid media_id: expired or never there; trying again will not help


class MediaKeeper:
    def __init__(self, factory: sessionmaker, client, store: PhotoStore, clock: Clock = utcnow) -> None:
        self.factory = factory
        self.client = client
        self.store = store
        self.clock = clock

    def keep_pending(self, limit: int = 10) -> int:
        """Download up to ``limit`` residents' images not kept yet; how many were stored."""
        with transaction(self.factory) as session:
            pending = session.execute(select(TicketAttachment.id, TicketAttachment.fetch_attempts).where(
                TicketAttachment.resident_id.isnot(None), TicketAttachment.file_name.is_(None),
                TicketAttachment.media_id.isnot(None), TicketAttachment.fetch_attempts < MAX_ATTEMPTS,
                TicketAttachment.created_at > self.clock() - KEPT_BY_WECHAT)
                .order_by(TicketAttachment.id).limit(limit)).all()
        return sum(self._keep(attachment_id, seen) for attachment_id, seen in pending)

    def _claim(self, attachment_id: int, seen: int, attempts: Optional[int] = None) -> Optional[str]:
        """Count an attempt (or set the count); the media id, unless another worker got there first."""
        with transaction(self.factory) as session:
            claimed = session.execute(update(TicketAttachment).where(
                TicketAttachment.id == attachment_id, TicketAttachment.fetch_attempts == seen,
                TicketAttachment.file_name.is_(None)).values(
                fetch_attempts=seen + 1 if attempts is None else attempts)).rowcount
            return session.get(TicketAttachment, attachment_id).media_id if claimed else None

    def _keep(self, attachment_id: int, seen: int) -> bool:
        media_id = self._claim(attachment_id, seen)
        if media_id is None:
            return False
        try:
            data = self._download(media_id)
            kind = content_type(data)
        except WeChatClientException as error:
            logger.warning("media %s of attachment %s: WeChat error %s", media_id, attachment_id, error.errcode)
            if error.errcode in GONE:
                self._claim(attachment_id, seen + 1, attempts=MAX_ATTEMPTS)
            return False
        except (requests.RequestException, PhotoError) as error:
            logger.warning("media %s of attachment %s not kept: %s", media_id, attachment_id, error)
            return False
        name = self.store.save(data, kind)
        try:
            with transaction(self.factory) as session:
                stored = session.execute(update(TicketAttachment).where(
                    TicketAttachment.id == attachment_id, TicketAttachment.file_name.is_(None)).values(
                    file_name=name, content_type=kind, size=len(data))).rowcount
        except Exception:
            self.store.remove(name)
            raise
        if not stored:
            self.store.remove(name)
        return bool(stored)

    def _download(self, media_id: str) -> bytes:
        """The file's bytes; WeChat's errors (JSON with an errcode) raise WeChatClientException."""
        response = self.client.media.download(media_id)
        if isinstance(response, dict):  # JSON without an errcode: not a file
            raise PhotoError("not_image")
        return response.content
