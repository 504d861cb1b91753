"""Reception-day calendar (业主接待日): plain Python, no framework imports."""

from __future__ import annotations

import calendar
from datetime import date
from typing import Iterator, List, Sequence

DEFAULT_DAYS_OF_MONTH = (3, 15)
WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


def _months_from(start: date) -> Iterator[tuple]:
    year, month = start.year, start.month
    while True:
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def upcoming(today: date, days_of_month: Sequence[int] = DEFAULT_DAYS_OF_MONTH,
             count: int = 2) -> List[date]:
    """The next ``count`` reception days on or after ``today``.

    A day that a month does not have (the 31st in April) is skipped in that month.
    """
    days = sorted(set(days_of_month))
    if not days or any(not 1 <= day <= 31 for day in days):
        raise ValueError(f"days of month must lie in 1..31, got {list(days_of_month)}")
    found: List[date] = []
    for year, month in _months_from(today):
        last = calendar.monthrange(year, month)[1]
        for day in days:
            if day <= last and date(year, month, day) >= today:
                found.append(date(year, month, day))
                if len(found) == count:
                    return found


def describe_days(days_of_month: Sequence[int]) -> str:
    """3, 15 -> "3日和15日"; 3, 13, 23 -> "3日、13日和23日"."""
    names = [f"{day}日" for day in sorted(set(days_of_month))]
    return names[0] if len(names) == 1 else "、".join(names[:-1]) + "和" + names[-1]


def describe_date(day: date, today: date) -> str:
    """11月15日（周日）, with 今天 / 明天 in front when it is that close."""
    text = f"{day.month}月{day.day}日（{WEEKDAYS_ZH[day.weekday()]}）"
    delta = (day - today).days
    return {0: "今天 ", 1: "明天 "}.get(delta, "") + text
