"""Only one scheduler process runs the jobs: it holds a lease row and renews it; the others try
to take it and succeed only once it has expired (its holder died or hung).

Taking or renewing is one conditional UPDATE (or the first INSERT), atomic on SQLite and on
PostgreSQL alike. Two holders can overlap only if a holder stalls for longer than the lease
without noticing; the reminders' send log and the time-limit sweep's state checks make even
that harmless.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Callable, Optional

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.db.engine import transaction
from bot.db.models import SchedulerLease, utcnow


class Lease:
    def __init__(self, factory: sessionmaker, holder: str, *, seconds: float = 60, name: str = "scheduler",
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.factory = factory
        self.holder = holder[:80]
        self.seconds = seconds
        self.name = name
        self.clock = clock

    def acquire(self) -> bool:
        """Take the lease if it is free or expired, or renew it if ours. True if we hold it now."""
        now = self.clock()
        until = now + timedelta(seconds=self.seconds)
        with transaction(self.factory) as session:
            taken = session.execute(
                update(SchedulerLease)
                .where(SchedulerLease.name == self.name,
                       or_(SchedulerLease.holder == self.holder, SchedulerLease.expires_at < now))
                .values(holder=self.holder, expires_at=until)
                .execution_options(synchronize_session=False)).rowcount
            if taken:
                return True
            try:
                with session.begin_nested():
                    session.add(SchedulerLease(name=self.name, holder=self.holder, expires_at=until))
                    session.flush()
                return True
            except IntegrityError:
                return False  # someone else holds it

    def holder_now(self) -> Optional[tuple]:
        """(holder, expires_at) of the lease, or None if nobody ever took it."""
        with transaction(self.factory) as session:
            row = session.execute(select(SchedulerLease).where(SchedulerLease.name == self.name)).scalar_one_or_none()
            return (row.holder, row.expires_at) if row else None

    def release(self) -> None:
        """Give the lease up at once (a clean stop), so another process need not wait it out."""
        with transaction(self.factory) as session:
            session.execute(update(SchedulerLease)
                            .where(SchedulerLease.name == self.name, SchedulerLease.holder == self.holder)
                            .values(expires_at=self.clock() - timedelta(seconds=1))
                            .execution_options(synchronize_session=False))
