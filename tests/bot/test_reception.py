"""Reception-day calendar: the 3rd and 15th by default, across month and year ends."""

from datetime import date

import pytest

from bot.reception import describe_date, describe_days, upcoming


@pytest.mark.parametrize("today, expected", [
    (date(2026, 11, 21), [date(2026, 12, 3), date(2026, 12, 15)]),
    (date(2026, 12, 3), [date(2026, 12, 3), date(2026, 12, 15)]),
    (date(2026, 12, 16), [date(2027, 1, 3), date(2027, 1, 15)]),
    (date(2027, 2, 4), [date(2027, 2, 15), date(2027, 3, 3)]),
])
def test_next_two_reception_days(today, expected):
    assert upcoming(today) == expected


def test_a_day_the_month_lacks_is_skipped():
    assert upcoming(date(2027, 2, 1), days_of_month=(30,), count=2) == [date(2027, 3, 30), date(2027, 4, 30)]
    assert upcoming(date(2028, 2, 1), days_of_month=(29,), count=1) == [date(2028, 2, 29)]


def test_every_third_day_rhythm():
    assert upcoming(date(2026, 11, 21), days_of_month=(3, 13, 23), count=3) == [
        date(2026, 11, 23), date(2026, 12, 3), date(2026, 12, 13)]


def test_bad_days_are_refused():
    with pytest.raises(ValueError):
        upcoming(date(2026, 11, 21), days_of_month=(0, 15))


def test_descriptions_in_chinese():
    assert describe_days((15, 3)) == "3日和15日"
    assert describe_days((3, 13, 23)) == "3日、13日和23日"
    assert describe_date(date(2026, 12, 3), date(2026, 11, 21)) == "12月3日（周四）"
    assert describe_date(date(2026, 12, 3), date(2026, 12, 2)) == "明天 12月3日（周四）"


# -- holidays (China's calendar from the chinese-calendar package, 2004–2026 known) ----------

from bot.reception import (NEXT_WORKING_DAY, Calendar, NoHolidayData, ReceptionDay,  # noqa: E402
                           describe_hours, reception_day_on, reception_days)


def test_a_holiday_keeps_its_reception_day_by_default():
    cal = Calendar((3, 15))
    assert reception_days(cal, date(2026, 10, 1), 2) == [
        ReceptionDay(date(2026, 10, 3), date(2026, 10, 3), holiday="National Day"),
        ReceptionDay(date(2026, 10, 15), date(2026, 10, 15))]


def test_the_next_working_day_rule_moves_a_holiday_past_the_golden_week():
    cal = Calendar((3, 15), on_holiday=NEXT_WORKING_DAY)
    first, second = reception_days(cal, date(2026, 10, 1), 2)
    assert (first.date, first.nominal, first.holiday, first.moved) == (
        date(2026, 10, 8), date(2026, 10, 3), "National Day", True)
    assert second.date == date(2026, 10, 15) and not second.moved


def test_a_make_up_working_day_counts_as_a_working_day():
    """New Year 2026: Jan 1–3 off, Sunday Jan 4 worked (调休): the 3rd moves to that Sunday."""
    cal = Calendar((3,), on_holiday=NEXT_WORKING_DAY)
    assert reception_days(cal, date(2026, 1, 1), 1)[0].date == date(2026, 1, 4)


def test_spring_festival_moves_the_15th_and_an_ordinary_weekend_does_not_move():
    cal = Calendar((3, 15), on_holiday=NEXT_WORKING_DAY)
    days = reception_days(cal, date(2026, 2, 1), 3)
    assert [d.date for d in days] == [date(2026, 2, 3), date(2026, 2, 24), date(2026, 3, 3)]
    # 2026-03-15 is a Sunday but no holiday: kept.
    assert reception_day_on(cal, date(2026, 3, 15)).date == date(2026, 3, 15)


def test_a_day_moved_from_the_previous_month_is_found():
    """Holidays fake: the 31st is a holiday; the next working day is in the next month."""

    class EndOfMonthOff:
        def holiday(self, day):
            return "假日" if day.day == 31 else None

        def is_workday(self, day):
            return day.day not in (31, 1)

    cal = Calendar((31,), on_holiday=NEXT_WORKING_DAY)
    days = reception_days(cal, date(2027, 2, 1), 2, EndOfMonthOff())
    assert [(d.nominal, d.date) for d in days] == [
        (date(2027, 1, 31), date(2027, 2, 2)), (date(2027, 3, 31), date(2027, 4, 2))]


def test_two_days_moved_onto_the_same_working_day_are_held_once():
    cal = Calendar((2, 3), on_holiday=NEXT_WORKING_DAY)
    days = reception_days(cal, date(2026, 10, 1), 2)
    assert [(d.nominal, d.date) for d in days] == [(date(2026, 10, 2), date(2026, 10, 8)),
                                                  (date(2026, 11, 2), date(2026, 11, 2))]


def test_a_year_without_holiday_data_keeps_the_day_and_says_it_is_unchecked():
    cal = Calendar((3, 15), on_holiday=NEXT_WORKING_DAY)
    first = reception_days(cal, date(2027, 1, 1), 1)[0]
    assert first.date == date(2027, 1, 3) and first.unknown_holidays
    assert not reception_days(Calendar((3, 15)), date(2027, 1, 1), 1)[0].unknown_holidays  # keep: nothing to check


@pytest.mark.parametrize("start, days, expected", [
    (date(2027, 2, 1), (29, 30, 31), [date(2027, 3, 29), date(2027, 3, 30), date(2027, 3, 31)]),  # Feb has none
    (date(2028, 2, 1), (29, 30, 31), [date(2028, 2, 29), date(2028, 3, 29), date(2028, 3, 30)]),  # leap year
    (date(2026, 12, 31), (1, 31), [date(2026, 12, 31), date(2027, 1, 1), date(2027, 1, 31)]),  # year end
    (date(2027, 4, 1), (31,), [date(2027, 5, 31), date(2027, 7, 31), date(2027, 8, 31)]),  # 30-day months
])
def test_month_ends_february_and_leap_years(start, days, expected):
    assert [d.date for d in reception_days(Calendar(days), start, 3)] == expected


def test_a_calendar_refuses_what_cannot_be_meant():
    for bad in (dict(days_of_month=()), dict(hours="11:30-09:00"), dict(hours="9点"),
                dict(on_holiday="skip")):
        with pytest.raises(ValueError):
            Calendar(**bad)


def test_the_holiday_source_says_when_it_does_not_know_a_year():
    from bot.reception import ChineseHolidays
    with pytest.raises(NoHolidayData):
        ChineseHolidays().holiday(date(2099, 1, 1))
    assert ChineseHolidays().holiday(date(2026, 10, 1)) == "National Day"
    assert ChineseHolidays().is_workday(date(2026, 10, 10))  # a Saturday worked for National Day


def test_hours_read_naturally():
    assert describe_hours("09:00-11:30") == "9:00–11:30"
    assert describe_hours("14:00-17:00") == "14:00–17:00"
