"""Conversations that survive a restart: Rasa's SQL tracker store on our database engine.

Rasa keeps each conversation (the tracker: messages, slots, the form in progress) in memory
unless endpoints.yml names a tracker store. In memory, a restart of the Rasa server in the middle
of a form forgets it: a resident who wrote 卫生间漏水了 and was asked for the address answers
3栋502 to an assistant that no longer knows what the address is for, and the repair is never
filed. Stored, the conversation goes on where it was.

``TrackerStore`` is Rasa's own ``SQLTrackerStore``: its table, its event format, and the same
reads and writes (the events of the latest conversation session, 60 minutes in domain.yml, so
the cost does not grow with a resident's history; then only the events not yet stored). What
differs, measured under `make bench-wechat` where Rasa's version cost 4-5 ms of the event loop
per message against 0.5 ms in memory:

- one URL (``TRACKER_STORE_URL``) and :func:`bot.db.engine.make_engine`: for a SQLite file,
  pooled connections, WAL and a busy timeout instead of a new connection per query;
- the two queries are SQLAlchemy Core statements built once, not ORM queries rebuilt for every
  message, and new events go in with one INSERT;
- a SQLite store commits with ``synchronous=NORMAL``, safe in WAL mode: a power cut can lose
  the last conversation steps, never corrupt the file (tickets live in the main database,
  which keeps SQLite's default).

Where the store is, and how old conversations are deleted: bot/conversation_store.py.
"""

from __future__ import annotations

import itertools
import json
import logging
from typing import Any, Dict, List, Optional

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from bot.db.engine import make_engine

logger = logging.getLogger(__name__)
EVENTS = SQLTrackerStore.SQLEvent.__table__


def _statements() -> Dict[str, Any]:
    """Rasa's SQLTrackerStore._event_query, as Core statements with the sender as a parameter."""
    sender = EVENTS.c.sender_id == sa.bindparam("sender")
    session_start = (sa.select(sa.func.max(EVENTS.c.timestamp))
                     .where(sender, EVENTS.c.type_name == SessionStarted.type_name).scalar_subquery())
    latest_session = sa.and_(sender, sa.or_(EVENTS.c.timestamp >= session_start, session_start.is_(None)))
    return {
        "all": sa.select(EVENTS.c.data).where(sender).order_by(EVENTS.c.id),
        "latest": sa.select(EVENTS.c.data).where(latest_session).order_by(EVENTS.c.id),
        "stored": sa.select(sa.func.count()).select_from(EVENTS).where(latest_session),
        "insert": EVENTS.insert(),
    }


def _row(sender_id: str, event: Event) -> Dict[str, Any]:
    """One event as Rasa's SQLTrackerStore.save stores it."""
    data = event.as_dict()
    return {"sender_id": sender_id, "type_name": event.type_name, "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            "action_name": data.get("name"), "data": json.dumps(data)}


def _sqlite_synchronous_normal(dbapi_connection, _record) -> None:  # pragma: no cover - trivial
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class TrackerStore(SQLTrackerStore):
    """endpoints.yml: ``tracker_store: {type: bot.tracker_store.TrackerStore, url: …}``."""

    def __init__(self, domain: Optional[Domain] = None, host: Optional[str] = None,
                 event_broker: Optional[EventBroker] = None, **kwargs: Any) -> None:
        # Rasa passes the endpoint's `url` as `host`. It catches ImportError and AttributeError
        # from this constructor and silently keeps conversations in memory instead: anything
        # going wrong here must surface as another error, and stop the server.
        try:
            if not host:
                raise ValueError("the tracker store needs a database URL (TRACKER_STORE_URL)")
            self.engine = make_engine(host, future=False)  # Rasa's own methods use the 1.x API
            if self.engine.dialect.name == "sqlite":
                sa.event.listen(self.engine, "connect", _sqlite_synchronous_normal)
            self.Base.metadata.create_all(self.engine)
            self._sql = _statements()
            self.sessionmaker = sa.orm.sessionmaker(bind=self.engine)
        except (ImportError, AttributeError) as error:
            raise RuntimeError(f"the conversation store could not start: {error}") from error
        logger.info("conversations are kept in %s", self.engine.url.render_as_string(hide_password=True))
        super(SQLTrackerStore, self).__init__(domain, event_broker, **kwargs)

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool
                        ) -> Optional[DialogueStateTracker]:
        query = self._sql["all" if fetch_events_from_all_sessions else "latest"]
        with self.engine.connect() as connection:
            rows: List[str] = connection.execute(query, {"sender": sender_id}).scalars().all()
        if not (self.domain and rows):
            return None
        return DialogueStateTracker.from_dict(sender_id, [json.loads(data) for data in rows], self.domain.slots)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the tracker's events that are not stored yet (those of its latest session that
        are beyond the count already stored, as Rasa does), in one transaction."""
        await self.stream_events(tracker)
        with self.engine.begin() as connection:
            stored = connection.execute(self._sql["stored"], {"sender": tracker.sender_id}).scalar()
            rows = [_row(tracker.sender_id, event) for event in itertools.islice(tracker.events, stored, None)]
            if rows:
                connection.execute(self._sql["insert"], rows)
