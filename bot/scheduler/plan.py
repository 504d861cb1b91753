"""Which reminder goes out when: plain Python, no framework imports.

Each audience has a local time and a distance in days to the reception day it announces. A job
fires every day at that time and sends only if a reception day is that many days ahead; so a
calendar edited in the compound file takes effect without touching the job store, and a day
moved by the holiday rule moves its reminders with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import List, Optional, Tuple
from zoneinfo import ZoneInfo

from bot.reception import Calendar, Holidays, ReceptionDay, reception_day_on, reception_days
from bot.scheduler.config import SchedulerConfig

RESIDENTS_EVENING = "residents_evening"
RESIDENTS_MORNING = "residents_morning"
STAFF_AGENDA = "staff_agenda"
UNREACHABLE_FOLLOWUP = "unreachable_followup"
# audience -> days between the reminder and the reception day
DAYS_BEFORE = {RESIDENTS_EVENING: 1, RESIDENTS_MORNING: 0, STAFF_AGENDA: 1, UNREACHABLE_FOLLOWUP: 1}
AUDIENCES = tuple(DAYS_BEFORE)
RESIDENT_AUDIENCES = (RESIDENTS_EVENING, RESIDENTS_MORNING)


@dataclass(frozen=True)
class Slot:
    audience: str
    at: time  # local time of day
    days_before: int


def slots(config: SchedulerConfig) -> List[Slot]:
    """The reminders that are switched on, in the order of the day."""
    found = [Slot(audience, getattr(config, audience), DAYS_BEFORE[audience])
             for audience in AUDIENCES if getattr(config, audience) is not None]
    return sorted(found, key=lambda s: (-s.days_before, s.at))


def slot_day(now: datetime, at: time, tz: ZoneInfo) -> date:
    """The day of the latest firing at ``at`` that is not after ``now``.

    A job run late (a misfire within its grace time) still knows which reception day it
    announces: the 18:00 reminder run at 00:30 is yesterday's.
    """
    local = now.astimezone(tz)
    return local.date() if local.time() >= at else local.date() - timedelta(days=1)


def announced_day(cal: Calendar, slot: Slot, fired_on: date,
                  holidays: Optional[Holidays] = None) -> Optional[ReceptionDay]:
    """The reception day a firing of ``slot`` on ``fired_on`` announces, or None (send nothing)."""
    return reception_day_on(cal, fired_on + timedelta(days=slot.days_before), holidays)


def send_time(day: ReceptionDay, slot: Slot, tz: ZoneInfo) -> datetime:
    return datetime.combine(day.date - timedelta(days=slot.days_before), slot.at, tzinfo=tz)


def upcoming(cal: Calendar, config: SchedulerConfig, now: datetime, tz: ZoneInfo, count: int = 4,
             holidays: Optional[Holidays] = None) -> List[Tuple[ReceptionDay, List[Tuple[Slot, datetime]]]]:
    """The next ``count`` reception days (not yet over) and, for each, its reminders still to come."""
    local = now.astimezone(tz)
    found = []
    for day in reception_days(cal, local.date(), count, holidays):
        pending = [(slot, send_time(day, slot, tz)) for slot in slots(config)]
        found.append((day, [(slot, at) for slot, at in pending if at > local]))
    return found
