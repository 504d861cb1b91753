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
