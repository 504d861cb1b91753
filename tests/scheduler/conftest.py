"""Scheduler tests run on the `services` / `any_db_services` databases (demo compound loaded;
now is 2026-11-21 10:00 in Shanghai unless a test moves the clock) and, for delivery, on the
fake WeChat API of tests/wechat."""

from __future__ import annotations

from typing import List

import pytest
from sqlalchemy import select

from bot.db.engine import transaction
from bot.db.models import Notification, Resident, Staff
from tests.wechat.conftest import config, fake, notifier_for, openid  # noqa: F401  (fixtures)

__all__ = ["config", "fake", "notifier_for", "openid"]


def resident(services, name: str, address=("3", "2", "502"), reminders: bool = True, phone: str = "") -> int:
    """A resident bound to a flat of the demo compound; their id."""
    who = openid(name)
    building, unit, room = address
    services.residents.bind(who, building=building, unit=unit, room=room, phone=phone or None)
    if not reminders:
        services.residents.set_reminders(who, False)
    with transaction(services.factory) as session:
        return session.execute(select(Resident.id).where(Resident.openid == who)).scalar_one()


def outbox(services, kind: str = None) -> List[Notification]:
    with transaction(services.factory) as session:
        query = select(Notification).order_by(Notification.id)
        if kind:
            query = query.where(Notification.kind == kind)
        return list(session.execute(query).scalars())


def staff_id(services, code: str) -> int:
    with transaction(services.factory) as session:
        return session.execute(select(Staff.id).where(Staff.code == code)).scalar_one()


@pytest.fixture
def reminders(services):
    from bot.scheduler.reminders import ReminderService
    return ReminderService(services)
