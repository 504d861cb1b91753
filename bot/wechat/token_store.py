"""The access token, shared by every process through the database.

WeChat allows 2000 token fetches a day, and a new token invalidates the old one five minutes
later: so one process fetches, under a lock, and the others reuse what it stored. The lock is a
row lock on PostgreSQL (SELECT ... FOR UPDATE) and the database write lock on SQLite, taken by
writing first (the upsert below), so the read that follows sees whatever the previous holder
committed. The fetch runs while the lock is held: keep the HTTP timeout well under SQLite's busy
timeout (15 s in bot.db.engine).

The class is also a wechatpy ``SessionStorage`` (get/set/delete by key), with expiry kept in
the database rather than in process memory (wechatpy#684).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Callable, Optional, Tuple

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker
from wechatpy.session import SessionStorage

from bot.db.engine import transaction
from bot.db.models import utcnow
from bot.wechat.models import WeChatToken

Clock = Callable[[], datetime]
# Fetches a new token from WeChat: (token, expires_in seconds).
Fetch = Callable[[], Tuple[str, int]]

DEFAULT_TTL = 7200


class DbTokenStore(SessionStorage):
    def __init__(self, factory: sessionmaker, *, clock: Clock = utcnow,
                 refresh_margin: timedelta = timedelta(minutes=5)) -> None:
        self._factory = factory
        self._clock = clock
        self._margin = refresh_margin

    def fresh(self, key: str, fetch: Fetch) -> str:
        """A token with more than the refresh margin left, fetched (by one process) if needed."""
        token = self._usable(key)
        if token is not None:
            return token
        with transaction(self._factory) as session:
            row = self._lock(session, key)
            if self._is_usable(row):
                return row.value  # another process refreshed it while we waited for the lock
            value, expires_in = fetch()
            now = self._clock()
            row.value, row.expires_at, row.updated_at = value, now + timedelta(seconds=expires_in), now
            return value

    def invalidate(self, key: str, value: str) -> None:
        """WeChat refused ``value``: mark it expired, unless another process already replaced it."""
        with transaction(self._factory) as session:
            session.execute(update(WeChatToken)
                            .where(WeChatToken.key == key, WeChatToken.value == value)
                            .values(expires_at=None, updated_at=self._clock()))

    # wechatpy SessionStorage ------------------------------------------------------------

    def get(self, key: str, default: Any = None) -> Any:
        with transaction(self._factory) as session:
            row = session.get(WeChatToken, key)
            if row is None or row.value is None or row.expires_at is None or row.expires_at <= self._clock():
                return default
            return row.value

    def set(self, key: str, value: Any, ttl: Optional[int] = None) -> None:
        if value is None:
            return
        with transaction(self._factory) as session:
            row = self._lock(session, key)
            now = self._clock()
            row.value, row.updated_at = str(value), now
            row.expires_at = now + timedelta(seconds=ttl or DEFAULT_TTL)

    def delete(self, key: str) -> None:
        with transaction(self._factory) as session:
            session.execute(update(WeChatToken).where(WeChatToken.key == key)
                            .values(value=None, expires_at=None, updated_at=self._clock()))

    # internals --------------------------------------------------------------------------

    def _usable(self, key: str) -> Optional[str]:
        with transaction(self._factory) as session:
            row = session.get(WeChatToken, key)
            return row.value if self._is_usable(row) else None

    def _is_usable(self, row: Optional[WeChatToken]) -> bool:
        return (row is not None and row.value is not None and row.expires_at is not None
                and row.expires_at - self._clock() > self._margin)

    def _lock(self, session: Session, key: str) -> WeChatToken:
        """The row for ``key``, created if missing, locked until the transaction ends."""
        dialect = session.get_bind().dialect.name
        insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
        # A write first: on SQLite it takes the database write lock before anything is read.
        session.execute(insert(WeChatToken).values(key=key, updated_at=self._clock())
                        .on_conflict_do_nothing(index_elements=["key"]))
        return session.execute(select(WeChatToken).where(WeChatToken.key == key)
                               .with_for_update().execution_options(populate_existing=True)).scalar_one()
