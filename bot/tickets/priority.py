"""Priorities and time limits.

Emergencies (电梯困人, 燃气味, 漏电/冒火花, 水管爆裂, 着火) are urgent whatever the model said
about confidence: the resident gets safety instructions at once and the assignee is alerted
at once. Households with elderly people living alone or disabled members get priority and a
home visit; so does a repair that names someone frail (家里有90岁老人), without the visit. Each
request type has a time limit to accept, per compound ("水电维修限时达").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import Enum
from typing import Iterable, Mapping, Optional


class Priority(str, Enum):
    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"


class Emergency(str, Enum):
    ELEVATOR_ENTRAPMENT = "elevator_entrapment"
    GAS = "gas"
    ELECTRIC = "electric"
    BURST_PIPE = "burst_pipe"
    FIRE = "fire"


# Checked in this order: a socket that smokes gets the electrical advice (cut the power, no water),
# a fire that started at a socket is a fire.
_EMERGENCY_PATTERNS = (
    (Emergency.ELECTRIC, r"(插座|插头|电线|开关|电闸|电箱|电表|线路|充电器).{0,4}(冒烟|焦糊|焦味|烧焦)"),
    (Emergency.FIRE, r"(?<![不没])着火|起火|失火|火灾|冒烟|烧起来|(冒|窜|蹿)火苗|火苗.{0,2}(窜|蹿|冒出|烧到)"),
    (Emergency.GAS, r"(燃气|煤气|天然气)(味|泄漏|泄露|报警)|漏气|(燃气|煤气)(表|管)?.{0,4}(漏|呲)"),
    (Emergency.ELEVATOR_ENTRAPMENT,
     r"困人|被困|关人|(困|关|卡|锁)(在|住)?了?.{0,3}(电梯|电悌|梯)(里|内|中)"
     r"|(电梯|电悌)(里|内)(面|头|边)?(还|都)?(困|关着|卡着|出不来|出不去)"
     r"|(电梯|电悌).{0,12}(里|内)(面|头|边)?(还|都)?有(好)?([一二三四五两几\d]+个)?人"
     r"(?=$|[\s，,。.!！?？]|被|困|卡|关|出不|下不)"
     r"|(电梯|电悌|梯).{0,8}(困|关|卡)(住|着|在)?了?.{0,4}(?<![没无])(人|我|孩子|小孩|老人|老太太|老头)"
     r"|(电梯|电悌).{0,10}在(里面|里头|里边|里)(出不来|出不去)"),
    (Emergency.ELECTRIC, r"漏电|触电|电到人|(冒|打|起)火(花|星)"
                         r"|(插座|插头|电线|开关|电闸|电箱|电表|线路|充电器).{0,4}(冒火|烧|焦|炸)"),
    (Emergency.BURST_PIPE, r"(水管|管子|管道|水表).{0,4}(爆|裂|崩|断)|爆管|水.{0,3}喷"),
)
# Everyday faults that share words with emergencies: a stove that will not light (打不着火), a
# radiator or tyre that loses air (暖气漏气), a lift door that closes on someone's hand (夹人);
# and emergencies said not to be there (也没有燃气味, 没人被困, 燃气味散了), past (上次困人) or
# feared (万一着火, 差点着火); and smoke from a neighbour's barbecue, cooking or cigarettes, which is
# a dispute for the mediators (楼下天天烧烤 冒烟 熏得没法开窗), not a fire (厨房冒烟了, 油烟机冒烟).
_NOT_EMERGENCY = re.compile(r"(打|点)(火)?(不|没)着(火)?|(打|点)(得)?着火"
                            r"|(烧烤|烤串|烤肉|撸串|油烟(?!机)|熏肉|腊肉|烧纸|烧香|抽烟|吸烟|烟头|烟囱|柴火|炭火)"
                            r"[^，。,!！?？]{0,8}冒烟"
                            r"|(差点|差一点|险些|容易|会不会|(?<!一)会|怕|担心|万一|要是|如果|小心|防止)"
                            r"[^，。,!！?？]{0,3}(着火|起火|失火|火灾)"
                            r"|(暖气|暖气片|气片|散热器|轮胎|车胎|胎|空调|气球|充气\S{0,3}|气垫)\S{0,2}漏气"
                            r"|夹(到|住|了)?(人|手|脚|腿|孩子|小孩|衣服)"
                            r"|(没有|没|无|并无|不是|没闻到|闻不到)\S{0,3}?(燃气|煤气|天然气)(味|泄漏|泄露)"
                            r"|(没|不)漏气|(没有|没)人(被)?(困|关)"
                            r"|(燃气|煤气|天然气)味(已经|都|也)?(没了|散了|没有了|消了)"
                            r"|(上次|上回|之前|以前|那次|去年)[^，。,]{0,4}(困人|被困|着火|起火)")
VULNERABLE_TAGS = frozenset({"elderly_alone", "disabled"})
# Someone frail named in a repair (家里有90岁老人, 老两口住一楼, 我爸坐轮椅, 楼上好多老人): the fault
# weighs more on them, and the ticket gets priority; the home visit stays with tagged households.
_FRAIL_SAID = re.compile(r"[七八九]十(多|几)?岁|(?<!\d)[789]\d岁|老人|老太太|老爷子|老头子?|老两口|孕妇|婴儿|"
                         r"坐月子|瘫痪|残疾|轮椅|卧床|行动不便|腿脚不(好|便|利索|方便)")


def detect_emergency(text: str) -> Optional[Emergency]:
    """The emergency a message describes, if any."""
    text = _NOT_EMERGENCY.sub(" ", text or "")
    for kind, pattern in _EMERGENCY_PATTERNS:
        if re.search(pattern, text):
            return kind
    return None


@dataclass(frozen=True)
class Assessment:
    priority: Priority
    emergency: Optional[Emergency]
    home_visit: bool


def assess(request_type: str, text: str, household_tags: Iterable[str] = ()) -> Assessment:
    """Priority of a new request from what it says and who it is for."""
    emergency = detect_emergency(text) if request_type == "repair" else None
    vulnerable = bool(VULNERABLE_TAGS & set(household_tags))
    frail_said = request_type == "repair" and bool(_FRAIL_SAID.search(text or ""))
    if emergency:
        priority = Priority.URGENT
    elif vulnerable or frail_said:
        priority = Priority.HIGH
    else:
        priority = Priority.NORMAL
    return Assessment(priority, emergency, home_visit=vulnerable)


@dataclass(frozen=True)
class TimeLimit:
    """How soon a request must be accepted, in minutes of working hours (day_start–day_end).

    Urgent ones are due ``urgent_minutes`` after they arrive, day or night.
    """

    accept_minutes: int
    urgent_minutes: int = 10
    day_start: time = time(8, 0)
    day_end: time = time(20, 0)


DEFAULT_LIMITS: Mapping[str, TimeLimit] = {
    "repair": TimeLimit(accept_minutes=30),
    "noise_dispute": TimeLimit(accept_minutes=12 * 60),  # one working day
    "parcel": TimeLimit(accept_minutes=120),
    "pension_certification": TimeLimit(accept_minutes=12 * 60),
}


def due_at(received: datetime, limit: TimeLimit, priority: Priority) -> datetime:
    """When the ticket must be accepted by (``received`` is timezone-aware local time).

    Minutes count within working hours only: a repair at 19:50 with 30 minutes has 10 of them
    today and is due at 08:20 the next morning; one at 22:15 is due at 08:30.
    """
    if priority is Priority.URGENT:
        return received + timedelta(minutes=limit.urgent_minutes)
    remaining = timedelta(minutes=limit.accept_minutes)
    moment = received
    while True:
        opens = datetime.combine(moment.date(), limit.day_start, moment.tzinfo)
        closes = datetime.combine(moment.date(), limit.day_end, moment.tzinfo)
        if moment < opens:
            moment = opens
        if moment >= closes:
            moment = datetime.combine(moment.date() + timedelta(days=1), limit.day_start, moment.tzinfo)
            continue
        if moment + remaining <= closes:
            return moment + remaining
        remaining -= closes - moment
        moment = datetime.combine(moment.date() + timedelta(days=1), limit.day_start, moment.tzinfo)
