"""Answers "when is the reception day" from the compound's calendar (RECEPTION_DAYS when it has
none): the next two days, the hours and place with the next one, and a day moved by a holiday."""

import re
from datetime import date
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import common
from actions.common import guarded
from bot import reception, settings, texts
from bot.nlu import address


class ActionReceptionDay(Action):
    def name(self) -> Text:
        return "action_reception_day"

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        text = common.text(tracker)
        say_if_past(dispatcher, text)  # 这个月15号有接待吗, on the 24th: that one is past
        if answer_follow_up(dispatcher, tracker):  # 在哪, 几点开始 (read as the same question)
            return []
        # 接待日要预约吗, 我想在接待日反映一下电梯的问题 需要预约吗: no appointment, and the offer to record it now
        say_reception_days(dispatcher, "appointment" if _APPOINTMENT.search(text) else
                           "anyone" if _WHO_MAY_COME.search(text) else "raise" if _RAISE.search(text) else
                           "who" if _WHO.search(text) else None)
        return []


# Asked right after the reception days were told: when, where, which day (那15号几点到几点, 几点开始,
# 下个月呢, 那3号呢). The model reads such fragments as out of scope or is unsure of them.
_WHEN_OR_WHERE = re.compile(r"几点|时间|多久|哪|地点|地方|下个?月|下次|下回|几号|\d{1,2}[号日]|[三五]号|十五|周末|星期|礼拜")
_WHICH_DAY = re.compile(r"哪天|哪一天|下个?月|下次|下回|几号|\d{1,2}[号日]|[三五]号|十五|周末|星期|礼拜")
_WHERE = re.compile(r"哪[里儿个]?(?!天)|地点|地方|位置")
_HOURS = re.compile(r"几点|时间|多久|开始|结束")
_RAISE = re.compile(r"(能|可以|能不能|可不可以|让不让|行不行)[^，,。]{0,4}(反映|反应|说说?|提|讲|投诉|问)")
# 可以带孩子去吗, 租户能去吗, 让我儿子替我去行吗: who may come
_WHO_MAY_COME = re.compile(r"带(上|着)?(孩子|小孩|家人|家里人|邻居|老人|朋友|老伴|儿子|女儿|几个|别人)|替我|代我|"
                           r"谁都(能|可以)|租户|租房|租客|家属|(儿子|女儿|老伴|孩子)[^，,。]{0,3}(去|来)")
_THIS_MONTH = re.compile(r"(这个月|这月|本月)")
_THIS_MONTHS_DAY = re.compile(r"(这个月|这月|本月)的?(?P<day>\d{1,2}|[一二三四五六七八九十]{1,3})[号日]")
_APPOINTMENT = re.compile(r"预约|提前约|要约|挂号|排号|报名")
# 那天书记在吗, 接待日都有谁在, 物业的人来不来: who receives residents there
_WHO = re.compile(r"谁(?!都)|书记|主任|领导|干部|业委会|物业的?(人|经理|负责人)")
TOLD = ("utter_reception_days", "utter_reception_place", "utter_reception_hours", "utter_reception_raise",
        "utter_reception_appointment", "utter_reception_who", "utter_reception_anyone",
        "utter_reception_complaint", "utter_reception_complaint_forwarded")


def answer_follow_up(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """A question about when or where, right after the reception days were told, is about them:
    where (在哪) gets the place, what time (几点开始) the hours, each with the next day; a question
    about the day (下个月呢, 那15号几点到几点) the whole answer again; whether something can be raised
    there (我能去反映楼上噪音的事吗) a yes, and the offer to record it now; who is there (那天书记在吗)
    who receives residents; who may come (可以带孩子去吗) that anyone may. False for anything else."""
    text = common.text(tracker)
    if common.last_response(tracker) not in TOLD or tracker.active_loop_name or len(text) > 20:
        return False
    if _WHO_MAY_COME.search(text):  # 可以带孩子去吗 (out of scope): any resident may come
        say_reception_days(dispatcher, "anyone")
        return True
    if _RAISE.search(text):  # 我能去反映楼上噪音的事吗 (read as a check): yes, or tell us now
        say_reception_days(dispatcher, "raise")
        return True
    if _WHO.search(text):  # 那天书记在吗: who receives residents
        say_reception_days(dispatcher, "who")
        return True
    if not _WHEN_OR_WHERE.search(text):
        return False
    part = None if _WHICH_DAY.search(text) else "place" if _WHERE.search(text) else \
        "hours" if _HOURS.search(text) else None
    say_reception_days(dispatcher, part)
    return True


def say_if_past(dispatcher: CollectingDispatcher, text: str) -> bool:
    """本月15日的接待日已经过了, when the message asks about a reception day of this month (这个月15号,
    本月三号) that is past; 本月的接待日（3日和15日）都已经过了, when it asks about this month's
    (这个月的接待日是几号) and all are past. False, and nothing said, otherwise."""
    if not _THIS_MONTH.search(text or ""):
        return False
    today, cal = _today_and_calendar()
    asked = _THIS_MONTHS_DAY.search(text)
    if asked is None:  # this month's, no day named
        if not cal.days_of_month or max(cal.days_of_month) >= today.day:
            return False
        dispatcher.utter_message(response="utter_reception_month_past",
                                 days=reception.describe_days(cal.days_of_month))
        return True
    day = address.chinese_number(asked.group("day"))
    if not (day < today.day and day in cal.days_of_month):
        return False
    dispatcher.utter_message(response="utter_reception_day_past", day=day)
    return True


def say_reception_days(dispatcher: CollectingDispatcher, part: Optional[str] = None, **values: Any) -> None:
    """The next two reception days after today (the services' clock, in the compound's time zone),
    with the hours and the place of the first; or only the ``part`` asked (place, hours), with the
    next day; or (raise) that anything can be raised there, or now; or (appointment) that no
    appointment is needed, and it can be raised now; or (who) who receives residents there; or
    (anyone) that any resident may come, family and tenants too; or
    (complaint) where a complaint with no request behind it goes: the property phone, or that day;
    or (complaint_forwarded) that, besides ``who`` has it now."""
    today, cal = _today_and_calendar()
    following, after = reception.reception_days(cal, today, 2)
    where = f"，在{cal.place}" if cal.place else ""
    day, hours = _day(following, today), reception.describe_hours(cal.hours)
    if part == "place" and cal.place:
        dispatcher.utter_message(response="utter_reception_place", place=cal.place, next_date=f"{day}{hours}")
    elif part in ("raise", "appointment", "who", "anyone", "complaint", "complaint_forwarded"):
        dispatcher.utter_message(response=f"utter_reception_{part}", place=cal.place or "现场",
                                 next_date=f"{day}{hours}",
                                 property_phone=common.services().compound_info().property_phone, **values)
    elif part == "hours":
        dispatcher.utter_message(response="utter_reception_hours", hours=hours, next_date=f"{day}{where}")
    else:
        dispatcher.utter_message(response="utter_reception_days",
                                 days_of_month=reception.describe_days(cal.days_of_month),
                                 next_date=f"{day}{hours}{where}", after_date=_day(after, today))


def _today_and_calendar() -> Tuple[date, reception.Calendar]:
    """Today (the services' clock, in the compound's time zone) and the compound's reception
    calendar (RECEPTION_DAYS when it has none)."""
    config, services = settings.get(), common.services()
    today = services.now().astimezone(config.timezone).date()
    return today, services.compound_info().calendar or reception.Calendar(config.reception_days)


def _day(day: reception.ReceptionDay, today: date) -> str:
    """12月3日（周四）, and why when a holiday moved it: 10月8日（周四，国庆节顺延）."""
    text = reception.describe_date(day.date, today)
    if day.moved:
        holiday = texts.label("holidays", day.holiday or "")
        text = text[:-1] + f"，{day.nominal.month}月{day.nominal.day}日{holiday}顺延）"
    return text
