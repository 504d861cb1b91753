"""The database copy of the answers owed to residents (bot.wechat.inbox), so that a restart of
the Rasa server does not lose them.

The inbox keeps working from memory; every change is written here too, in the order it
happened, by one background thread (the event loop never waits for the database). A failed
write is logged and the answer stays owed in memory. At start the channel reads back what is
still owed and has not expired.
"""

from __future__ import annotations

import json
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable, List, Optional

from sqlalchemy import delete, select
from sqlalchemy.orm import sessionmaker

from bot.db.engine import transaction
from bot.wechat.models import OwedAnswer

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Owed:
    openid: str
    key: str
    chunks: List[str]
    seconds_left: float


class OwedStore:
    def __init__(self, factory: Callable[[], sessionmaker],
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self._get_factory = factory  # called on first use: the database is not touched before
        self._clock = clock
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wechat-owed")  # in order

    def load(self) -> List[Owed]:
        """What is still owed, oldest first; expired rows are deleted."""
        now = self._clock()
        with transaction(self._get_factory()) as session:
            session.execute(delete(OwedAnswer).where(OwedAnswer.expires_at <= now))
            rows = session.execute(select(OwedAnswer).order_by(OwedAnswer.id)).scalars().all()
            return [Owed(row.openid, row.push_key, json.loads(row.chunks),
                         (row.expires_at - now).total_seconds()) for row in rows]

    def add(self, openid: str, key: str, chunks: List[str], seconds: float) -> None:
        expires = self._clock() + timedelta(seconds=seconds)
        self._write("keep", openid, key, lambda session: session.add(
            OwedAnswer(openid=openid, push_key=key, chunks=json.dumps(chunks, ensure_ascii=False),
                       expires_at=expires)))

    def remove(self, openid: str, key: Optional[str] = None) -> None:
        """Owed no more: the answer to ``key``, or (None) everything owed to ``openid``."""
        condition = [OwedAnswer.openid == openid] + ([OwedAnswer.push_key == key] if key is not None else [])
        self._write("drop", openid, key, lambda session: session.execute(delete(OwedAnswer).where(*condition)))

    def flush(self) -> None:
        """Wait until every write so far is done."""
        self._writer.submit(lambda: None).result()

    def _write(self, what: str, openid: str, key: Optional[str], work) -> None:
        def run() -> None:
            try:
                with transaction(self._get_factory()) as session:
                    work(session)
            except Exception:
                logger.exception("wechat: could not %s the owed answer %s for %s in the database", what, key, openid)
        self._writer.submit(run)
