"""Emergencies are urgent, vulnerable households come first, and due times follow working hours."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.tickets.priority import DEFAULT_LIMITS, Emergency, Priority, assess, detect_emergency, due_at

SH = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize("text, kind", [
    ("电梯困人了!!!快来人啊", Emergency.ELEVATOR_ENTRAPMENT),
    ("救命 电梯卡在7楼和8楼中间 里面有三个人", Emergency.ELEVATOR_ENTRAPMENT),
    ("楼道里一股燃气味 好像是谁家漏气了", Emergency.GAS),
    ("燃气报警器一直在叫", Emergency.GAS),
    ("插座冒火花了 啪啪响", Emergency.ELECTRIC),
    ("水管爆了 水喷得满屋都是", Emergency.BURST_PIPE),
    ("楼道里的电动车着火了", Emergency.FIRE),
    ("厨房水管漏水了", None),
    ("电梯坏了 爬楼好累", None),
    ("楼道灯不亮", None),
    ("电梯停了 里面还有人", Emergency.ELEVATOR_ENTRAPMENT),
    ("电梯坏了 我家孩子在里面出不来", Emergency.ELEVATOR_ENTRAPMENT),
    ("插座烧了 一股焦味", Emergency.ELECTRIC),
    ("插座冒烟了 有股焦糊味", Emergency.ELECTRIC),  # cut the power, no water: not the fire advice
    ("插座着火了", Emergency.FIRE),
    ("厨房冒烟了", Emergency.FIRE),
    # Everyday faults with an emergency's words: a fire alarm at night for a stove that will not light
    ("燃气灶打不着火了", None),
    ("热水器打火打不着 一直咔咔响", None),
    ("燃气灶火苗很小 发黄", None),
    ("暖气片漏气 嘶嘶响", None),
    ("电动车胎漏气了", None),
    ("电梯关门夹人 太危险了", None),
    ("电梯卡在5楼不动了 没人", None),
    ("电梯里的风扇关不掉", None),
    ("电梯里有人抽烟", None),
    ("电梯停了 楼上老人出不去", None),
    ("燃气灶打不着火 还有一股燃气味", Emergency.GAS),  # the smell is what counts
    ("燃气味已经散了 不用来了", None),
    ("电梯里的对讲按钮是坏的 上次困人按了没反应", None),  # a past entrapment: the intercom is the repair
    ("上次困人 这次又困人了", Emergency.ELEVATOR_ENTRAPMENT),
    # A neighbour's smoke is a dispute, a fire feared is not one burning; a smoking hood still is
    ("楼下天天在院子里烧烤 冒烟 熏得我家没法开窗", None),
    ("对门在楼道里抽烟 冒烟冒得楼道里全是味", None),
    ("楼上扔烟头 差点把我家雨棚点着了 万一着火了算谁的", None),
    ("电动车天天在楼道里充电 怕着火", None),
    ("油烟机冒烟了", Emergency.FIRE),
    ("楼下烧烤摊着火了 火苗窜得老高", Emergency.FIRE),
    ("一会儿就着火了 快来", Emergency.FIRE),
])
def test_emergencies_are_recognised(text, kind):
    assert detect_emergency(text) is kind


def test_an_emergency_repair_is_urgent_and_a_vulnerable_household_gets_priority_and_a_visit():
    assert assess("repair", "燃气味很重").priority is Priority.URGENT
    elderly = assess("repair", "马桶堵了", ["elderly_alone"])
    assert (elderly.priority, elderly.home_visit) == (Priority.HIGH, True)
    assert assess("repair", "马桶堵了", ["party_member"]).priority is Priority.NORMAL


@pytest.mark.parametrize("text", ["我们家暖气片不热 摸着冰凉的 家里有90岁老人", "老两口住一楼 暖气一点都不热",
                                  "无障碍坡道的扶手掉了 我爸坐轮椅出门很不方便", "我妈八十多岁了 马桶堵了"])
def test_a_repair_that_names_someone_frail_gets_priority_without_a_visit(text):
    said = assess("repair", text)
    assert (said.priority, said.home_visit) == (Priority.HIGH, False)
    assert assess("repair", "厨房水管漏水 3栋1单元301").priority is Priority.NORMAL
    assert assess("parcel", "快递丢了 老人等着吃药").priority is Priority.NORMAL  # a repair's fault only


def test_emergency_words_outside_a_repair_do_not_make_it_urgent():
    assert assess("noise_dispute", "楼上天天吵 我都要着火了").priority is Priority.NORMAL


@pytest.mark.parametrize("received, due", [
    (datetime(2026, 11, 21, 10, 0, tzinfo=SH), datetime(2026, 11, 21, 10, 30, tzinfo=SH)),
    (datetime(2026, 11, 21, 22, 15, tzinfo=SH), datetime(2026, 11, 22, 8, 30, tzinfo=SH)),
    (datetime(2026, 11, 21, 6, 0, tzinfo=SH), datetime(2026, 11, 21, 8, 30, tzinfo=SH)),
    (datetime(2026, 12, 31, 21, 0, tzinfo=SH), datetime(2027, 1, 1, 8, 30, tzinfo=SH)),
    # Minutes count within working hours: 10 today, 20 tomorrow morning.
    (datetime(2026, 11, 21, 19, 50, tzinfo=SH), datetime(2026, 11, 22, 8, 20, tzinfo=SH)),
    (datetime(2026, 11, 21, 20, 0, tzinfo=SH), datetime(2026, 11, 22, 8, 30, tzinfo=SH)),
])
def test_repairs_are_due_thirty_minutes_into_working_hours(received, due):
    assert due_at(received, DEFAULT_LIMITS["repair"], Priority.NORMAL) == due


def test_urgent_is_due_in_minutes_even_at_night():
    received = datetime(2026, 11, 21, 23, 40, tzinfo=SH)
    assert due_at(received, DEFAULT_LIMITS["repair"], Priority.URGENT) == datetime(2026, 11, 21, 23, 50, tzinfo=SH)


def test_a_limit_of_one_working_day_ends_at_the_same_time_the_next_working_day():
    received = datetime(2026, 11, 21, 15, 0, tzinfo=SH)
    assert due_at(received, DEFAULT_LIMITS["noise_dispute"], Priority.NORMAL) == datetime(2026, 11, 22, 15, 0, tzinfo=SH)
