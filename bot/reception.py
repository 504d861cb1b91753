"""Reception-day calendar (业主接待日): plain Python, no framework imports.

A compound meets its residents on fixed days of the month (default the 3rd and the 15th). A
day that falls on a public holiday is kept (the default) or, by the compound's rule, moved to
the next working day. China's holidays and make-up working days (调休) come from the
``chinese-calendar`` package, which knows each year only once the State Council has published
it: for a year it does not know, the day is kept and :attr:`ReceptionDay.unknown_holidays` says
so, so that nobody takes the date for checked.
"""

from __future__ import annotations

import calendar as _calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Iterator, List, Optional, Protocol, Sequence, Tuple

DEFAULT_DAYS_OF_MONTH = (3, 15)
DEFAULT_HOURS = "09:00-11:30"
WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
KEEP, NEXT_WORKING_DAY = "keep", "next_working_day"
HOLIDAY_RULES = (KEEP, NEXT_WORKING_DAY)
HOURS = re.compile(r"([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)")


class NoHolidayData(LookupError):
    """The holiday source does not know the year (not yet published)."""


class Holidays(Protocol):
    def holiday(self, day: date) -> Optional[str]:
        """The holiday's name if ``day`` is a public holiday (a day off for it), else None."""

    def is_workday(self, day: date) -> bool:
        """Whether people work on ``day`` (weekdays, and weekends made working days)."""


class ChineseHolidays:
    """China's public holidays and make-up working days, from the chinese-calendar package."""

    def holiday(self, day: date) -> Optional[str]:
        import chinese_calendar
        try:
            off, name = chinese_calendar.get_holiday_detail(day)
        except NotImplementedError as error:
            raise NoHolidayData(str(error)) from None
        return name if off and name else None

    def is_workday(self, day: date) -> bool:
        import chinese_calendar
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError as error:
            raise NoHolidayData(str(error)) from None


@dataclass(frozen=True)
class Calendar:
    """A compound's reception days: which days of the month, when, where, and the holiday rule."""

    days_of_month: Tuple[int, ...] = DEFAULT_DAYS_OF_MONTH
    hours: str = DEFAULT_HOURS  # "09:00-11:30"
    place: str = ""
    on_holiday: str = KEEP

    def __post_init__(self) -> None:
        days = tuple(sorted(set(self.days_of_month)))
        if not days or any(not 1 <= day <= 31 for day in days):
            raise ValueError(f"days of month must lie in 1..31, got {list(self.days_of_month)}")
        if not HOURS.fullmatch(self.hours) or self.hours[:5] >= self.hours[6:]:
            raise ValueError(f"hours must look like 09:00-11:30, got {self.hours!r}")
        if self.on_holiday not in HOLIDAY_RULES:
            raise ValueError(f"on_holiday must be one of {', '.join(HOLIDAY_RULES)}, got {self.on_holiday!r}")
        object.__setattr__(self, "days_of_month", days)

    @property
    def starts(self) -> Tuple[int, int]:
        return int(self.hours[:2]), int(self.hours[3:5])


@dataclass(frozen=True)
class ReceptionDay:
    date: date  # when it takes place
    nominal: date  # the day of the month it stands for (the same unless moved)
    holiday: Optional[str] = None  # the holiday on the nominal day, if any (kept or moved)
    unknown_holidays: bool = False  # no holiday data for that year: kept as it is, unchecked

    @property
    def moved(self) -> bool:
        return self.date != self.nominal


def _months_from(year: int, month: int) -> Iterator[Tuple[int, int]]:
    while True:
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _nominal_days(year: int, month: int, days: Sequence[int]) -> List[date]:
    """The month's reception days; a day the month does not have (the 31st in April) is skipped."""
    last = _calendar.monthrange(year, month)[1]
    return [date(year, month, day) for day in days if day <= last]


def _apply_rule(nominal: date, cal: Calendar, holidays: Holidays) -> ReceptionDay:
    try:
        name = holidays.holiday(nominal)
    except NoHolidayData:
        return ReceptionDay(nominal, nominal, unknown_holidays=cal.on_holiday == NEXT_WORKING_DAY)
    if name is None or cal.on_holiday == KEEP:
        return ReceptionDay(nominal, nominal, holiday=name)
    day = nominal + timedelta(days=1)
    try:
        while not holidays.is_workday(day):
            day += timedelta(days=1)
    except NoHolidayData:  # the holiday runs into a year nobody has published yet
        return ReceptionDay(nominal, nominal, holiday=name, unknown_holidays=True)
    return ReceptionDay(day, nominal, holiday=name)


def reception_days(cal: Calendar, start: date, count: int, holidays: Optional[Holidays] = None) -> List[ReceptionDay]:
    """The next ``count`` reception days taking place on or after ``start``, in date order.

    Two days moved onto the same working day are held once (the earlier one is kept).
    """
    holidays = holidays or ChineseHolidays()
    found: List[ReceptionDay] = []
    seen = set()
    # A day of the previous month may move into this one (a holiday at the month's end).
    first_year, first_month = (start.year - 1, 12) if start.month == 1 else (start.year, start.month - 1)
    for year, month in _months_from(first_year, first_month):
        # Days only move later: a month starting after the count-th day found adds nothing earlier.
        if len(found) >= count and date(year, month, 1) > sorted(d.date for d in found)[count - 1]:
            break
        for nominal in _nominal_days(year, month, cal.days_of_month):
            day = _apply_rule(nominal, cal, holidays)
            if day.date >= start and day.date not in seen:
                seen.add(day.date)
                found.append(day)
    return sorted(found, key=lambda d: d.date)[:count]


def reception_day_on(cal: Calendar, day: date, holidays: Optional[Holidays] = None) -> Optional[ReceptionDay]:
    """The reception day taking place on ``day``, or None if there is none that day."""
    following = reception_days(cal, day, 1, holidays)
    return following[0] if following and following[0].date == day else None


def next_session(cal: Calendar, now: datetime, holidays: Optional[Holidays] = None) -> ReceptionDay:
    """The next reception day that has not begun at ``now`` (local time): today's until it starts."""
    following = reception_days(cal, now.date(), 2, holidays)
    if following[0].date == now.date() and (now.hour, now.minute) >= cal.starts:
        return following[1]
    return following[0]


def upcoming(today: date, days_of_month: Sequence[int] = DEFAULT_DAYS_OF_MONTH, count: int = 2,
             on_holiday: str = KEEP, holidays: Optional[Holidays] = None) -> List[date]:
    """The dates of the next ``count`` reception days on or after ``today``."""
    cal = Calendar(tuple(days_of_month), on_holiday=on_holiday)
    return [day.date for day in reception_days(cal, today, count, holidays)]


def describe_days(days_of_month: Sequence[int]) -> str:
    """3, 15 -> "3日和15日"; 3, 13, 23 -> "3日、13日和23日"."""
    names = [f"{day}日" for day in sorted(set(days_of_month))]
    return names[0] if len(names) == 1 else "、".join(names[:-1]) + "和" + names[-1]


def day_label(day: date) -> str:
    """11月15日（周日）."""
    return f"{day.month}月{day.day}日（{WEEKDAYS_ZH[day.weekday()]}）"


def describe_date(day: date, today: date) -> str:
    """11月15日（周日）, with 今天 / 明天 in front when it is that close."""
    text = day_label(day)
    delta = (day - today).days
    return {0: "今天 ", 1: "明天 "}.get(delta, "") + text


def describe_hours(hours: str) -> str:
    """09:00-11:30 -> 9:00–11:30."""
    return "–".join(f"{int(part[:2])}:{part[3:]}" for part in hours.split("-"))
