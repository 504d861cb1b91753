"""Exact reminder times: the evening before (18:00) and the morning of (08:00) for residents, the
morning before (08:30) for staff, across month ends, February, leap years and holidays."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.reception import NEXT_WORKING_DAY, Calendar
from bot.scheduler import plan
from bot.scheduler.config import SchedulerConfig, from_env
from bot.settings import SettingsError

SH = ZoneInfo("Asia/Shanghai")
CONFIG = SchedulerConfig()


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


def reminders(cal: Calendar, now: datetime, count: int = 2):
    return [(day.date, [(slot.audience, when) for slot, when in pending])
            for day, pending in plan.upcoming(cal, CONFIG, now, SH, count)]


def test_the_reminders_of_the_next_reception_day():
    [(day, pending)] = reminders(Calendar((3, 15)), at(2026, 11, 21, 10, 0), count=1)
    assert day == date(2026, 12, 3)
    assert pending == [("staff_agenda", at(2026, 12, 2, 8, 30)), ("residents_evening", at(2026, 12, 2, 18, 0)),
                       ("unreachable_followup", at(2026, 12, 2, 20, 0)), ("residents_morning", at(2026, 12, 3, 8, 0))]


@pytest.mark.parametrize("days, now, expected_evenings", [
    # The 1st: the evening before is the last day of the previous month (30 or 31 days).
    ((1,), at(2026, 11, 21), [at(2026, 11, 30, 18), at(2026, 12, 31, 18)]),
    # February: 28 days in 2027, 29 in 2028 (leap year).
    ((1,), at(2027, 2, 2), [at(2027, 2, 28, 18), at(2027, 3, 31, 18)]),
    ((1,), at(2028, 2, 2), [at(2028, 2, 29, 18), at(2028, 3, 31, 18)]),
    # The 29th: February 2027 has none; leap February 2028 has.
    ((29,), at(2027, 2, 1), [at(2027, 3, 28, 18), at(2027, 4, 28, 18)]),
    ((29,), at(2028, 2, 1), [at(2028, 2, 28, 18), at(2028, 3, 28, 18)]),
    # Year end.
    ((3, 15), at(2026, 12, 16), [at(2027, 1, 2, 18), at(2027, 1, 14, 18)]),
])
def test_evening_before_across_month_ends_february_and_leap_years(days, now, expected_evenings):
    evenings = [when for _, pending in reminders(Calendar(days), now) for audience, when in pending
                if audience == "residents_evening"]
    assert evenings == expected_evenings


def test_a_day_moved_by_a_holiday_moves_its_reminders():
    cal = Calendar((3, 15), on_holiday=NEXT_WORKING_DAY)
    [(day, pending)] = reminders(cal, at(2026, 9, 20), count=1)
    assert day == date(2026, 10, 8)  # National Day: the 3rd moves to the first working day
    assert ("residents_evening", at(2026, 10, 7, 18)) in pending
    assert ("residents_morning", at(2026, 10, 8, 8)) in pending
    # Firing on the 2nd announces nothing; firing on the 7th announces the 8th.
    evening = next(s for s in plan.slots(CONFIG) if s.audience == "residents_evening")
    assert plan.announced_day(cal, evening, date(2026, 10, 2)) is None
    assert plan.announced_day(cal, evening, date(2026, 10, 7)).nominal == date(2026, 10, 3)


def test_reminders_already_past_are_not_listed():
    [(day, pending)] = reminders(Calendar((3, 15)), at(2026, 12, 2, 19, 0), count=1)
    assert day == date(2026, 12, 3)
    assert [a for a, _ in pending] == ["unreachable_followup", "residents_morning"]


def test_a_late_run_knows_which_firing_it_is():
    """The 18:00 job run at 00:30 (a misfire within its grace time) is still yesterday's."""
    assert plan.slot_day(at(2026, 12, 3, 0, 30), time(18), SH) == date(2026, 12, 2)
    assert plan.slot_day(at(2026, 12, 2, 18, 0), time(18), SH) == date(2026, 12, 2)
    assert plan.slot_day(at(2026, 12, 2, 17, 59), time(18), SH) == date(2026, 12, 1)


def test_reminder_times_are_configurable_and_can_be_switched_off():
    config = from_env({"REMINDER_RESIDENTS_EVENING": "19:30", "REMINDER_RESIDENTS_MORNING": "off",
                       "REMINDER_UNREACHABLE_FOLLOWUP": ""})
    assert [(s.audience, s.at) for s in plan.slots(config)] == [("staff_agenda", time(8, 30)),
                                                                ("residents_evening", time(19, 30))]
    for bad in ({"REMINDER_STAFF_AGENDA": "8点"}, {"REMINDER_GRACE_MINUTES": "0"}, {"AUTO_CLOSE_DAYS": "x"}):
        with pytest.raises(SettingsError):
            from_env(bad)
