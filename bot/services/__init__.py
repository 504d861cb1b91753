"""The service layer: what the conversation, the consoles and the commands call.

Each call is one transaction: it completes or leaves nothing behind. Services return plain
dataclasses, never ORM objects, so callers cannot lazy-load across sessions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable, Optional

from sqlalchemy.orm import sessionmaker

from bot.settings import Settings

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Services:
    """Everything a caller needs, built once by the entry point (or by a test)."""

    settings: Settings
    factory: sessionmaker
    now: Clock = field(default=utcnow)

    def compound_info(self):
        """Name, reception days and phone numbers of the compound this account serves."""
        from bot.db.engine import transaction
        from bot.services.common import compound_info
        with transaction(self.factory) as session:
            return compound_info(session, self.settings.compound)

    @property
    def residents(self):
        from bot.services.residents import ResidentService
        return ResidentService(self)

    @property
    def tickets(self):
        from bot.services.tickets import TicketService
        return TicketService(self)

    @property
    def review(self):
        from bot.services.review import ReviewService
        return ReviewService(self)


def build(settings: Settings) -> Services:
    from bot.db.engine import make_engine, make_session_factory
    return Services(settings, make_session_factory(make_engine(settings.database_url)))


_current: Optional[Services] = None


def current() -> Services:
    """The process's services, built from the settings on first use (never at import)."""
    global _current
    if _current is None:
        from bot import settings
        _current = build(settings.get())
    return _current


def use(services: Optional[Services]) -> None:
    """Replace the process's services (tests, or an entry point that built its own)."""
    global _current
    _current = services
