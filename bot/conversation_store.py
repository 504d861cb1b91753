"""Where the Rasa server keeps conversations (bot/tracker_store.py), and how long.

Kept apart from the tracker store class so that the scheduler can purge old conversations
without importing Rasa.
"""

from __future__ import annotations

import time
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from bot.db.engine import sqlite_file

CONVERSATIONS_FILE = "conversations.db"
EVENTS = sa.table("events", sa.column("timestamp", sa.Float))  # Rasa's SQLTrackerStore table


def default_url(database_url: str) -> str:
    """Where conversations are kept when TRACKER_STORE_URL is not set.

    With a SQLite database, a file of their own beside it: Rasa writes a conversation's events
    after every message, and in one file those writes would queue behind the action server's
    ticket transactions for SQLite's single write lock. A server database (PostgreSQL) holds
    both: Rasa's table is ``events``, which none of ours is called.
    """
    path = sqlite_file(database_url)
    if path is None:
        return database_url
    return make_url(database_url).set(database=str(path.with_name(CONVERSATIONS_FILE))).render_as_string(
        hide_password=False)


def purge(engine: Engine, older_than_days: float, now: Optional[float] = None) -> int:
    """Delete conversation events older than ``older_than_days``; returns how many went.

    A resident's words stay on their ticket; the conversation around them is kept only as long
    as staff may need to look back at it. The conversation in progress is never cut: a session
    ends after 60 idle minutes (domain.yml), so its events are far younger than any cutoff.
    Nothing to do before the Rasa server has created the table.
    """
    if not sa.inspect(engine).has_table("events"):
        return 0
    cutoff = (time.time() if now is None else now) - older_than_days * 86400
    with engine.begin() as connection:
        return connection.execute(EVENTS.delete().where(EVENTS.c.timestamp < cutoff)).rowcount
