"""Settings of the scheduler: when reminders go out and how time limits are enforced.

Read from the environment by bot.settings (``Settings.scheduler``); ``.env.example`` lists them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from typing import Mapping, Optional

from bot.settings import SettingsError

_TIME = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")


@dataclass(frozen=True)
class SchedulerConfig:
    # Local times (the compound's time zone); None: that reminder is not sent.
    residents_evening: Optional[time] = time(18, 0)  # the evening before the reception day
    residents_morning: Optional[time] = time(8, 0)  # the morning of
    staff_agenda: Optional[time] = time(8, 30)  # the morning before, with the agenda
    unreachable_followup: Optional[time] = time(20, 0)  # the evening before: butlers get whom to phone
    grace_minutes: int = 180  # a reminder missed while down is still sent this long after its time
    time_limit_check_minutes: int = 1  # how often due times are checked
    rating_reminder_hours: int = 24  # a resolved, unrated ticket: remind the resident once after this
    auto_close_days: int = 7  # a resolved, unrated ticket closes after this many days
    lease_seconds: int = 60  # the running scheduler renews its lease; a dead one is replaced after this
    conversation_retention_days: int = 90  # Rasa's conversation log is deleted after this (tickets keep the words)


def _clock_time(env: Mapping[str, str], key: str, default: Optional[time]) -> Optional[time]:
    raw = env.get(key)
    if raw is None:
        return default
    raw = raw.strip()
    if raw in ("", "off"):
        return None
    match = _TIME.fullmatch(raw)
    if not match:
        raise SettingsError(f"{key} must be a time like 18:00 (or empty/off to not send it), got {raw!r}")
    return time(int(match.group(1)), int(match.group(2)))


def _positive(env: Mapping[str, str], key: str, default: int) -> int:
    raw = env.get(key, str(default)).strip()
    if not raw.isdigit() or int(raw) < 1:
        raise SettingsError(f"{key} must be a whole number of at least 1, got {raw!r}")
    return int(raw)


def from_env(env: Mapping[str, str]) -> SchedulerConfig:
    default = SchedulerConfig()
    return SchedulerConfig(
        residents_evening=_clock_time(env, "REMINDER_RESIDENTS_EVENING", default.residents_evening),
        residents_morning=_clock_time(env, "REMINDER_RESIDENTS_MORNING", default.residents_morning),
        staff_agenda=_clock_time(env, "REMINDER_STAFF_AGENDA", default.staff_agenda),
        unreachable_followup=_clock_time(env, "REMINDER_UNREACHABLE_FOLLOWUP", default.unreachable_followup),
        grace_minutes=_positive(env, "REMINDER_GRACE_MINUTES", default.grace_minutes),
        time_limit_check_minutes=_positive(env, "TIME_LIMIT_CHECK_MINUTES", default.time_limit_check_minutes),
        rating_reminder_hours=_positive(env, "RATING_REMINDER_HOURS", default.rating_reminder_hours),
        auto_close_days=_positive(env, "AUTO_CLOSE_DAYS", default.auto_close_days),
        lease_seconds=_positive(env, "SCHEDULER_LEASE_SECONDS", default.lease_seconds),
        conversation_retention_days=_positive(env, "CONVERSATION_RETENTION_DAYS",
                                              default.conversation_retention_days),
    )
