"""Find where a resident lives, and their phone number, in free Chinese text.

Plain Python, no Rasa import: the Rasa component in ``bot.nlu.components`` wraps
:func:`extract`. Values are canonical strings: building ``"3"`` for 3栋 / 三号楼 /
3#, unit ``"2"`` for 2单元 / 二单元, room ``"502"`` for 502 / 502室 / 五零二,
phone ``"13812345678"`` for 138-1234-5678. The compact forms 3-2-502, 3栋2-502
and 3#502 are understood. Floors (12楼, 12层) are not buildings.

Mentions right after 楼上 / 楼下 / 隔壁 / 对门 / 对面 get the role ``neighbour``:
a noise complaint names the other party that way.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import List, Optional, Tuple

ENTITIES = ("building", "unit", "room", "phone")  # what extract() finds
NEIGHBOUR = "neighbour"

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "幺": 1, "二": 2, "两": 2, "三": 3, "四": 4,
              "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN = "零〇一二两三四五六七八九十百千幺"
NUM = rf"(?:\d+|[{_CN}]+)"
_DASH = r"\s*[-—–]\s*"
# A number followed by one of these is a quantity (500-1000元, 3栋500块), not an address.
_NOT_QUANTITY = r"(?!\s*(?:元|块|米|平|天(?!天)|年|月|日|号楼|號樓|点|分|次|个|人|斤|公斤|岁|层|楼(?!道|梯|下|上|顶|里|前|后|门|口)|%|kg|cm))"

# Each pattern is tried on the folded text; named groups b/u/r are building, unit, room.
PHONE = r"(?<!\d)1[3-9]\d(?:[\s-]?\d){8}(?!\d)"  # a mobile number, as residents type it
_PHONE = re.compile(PHONE)
_LONG_DIGITS = re.compile(r"[A-Za-z]*-?\d{5,}(?:-\d+)*")  # ticket numbers, dates, ids
# A parcel's pickup code or waybill number (取件码6-2-1035, 单号后四位3345) is not an address;
# 门牌号码 is.
_CODE = re.compile(r"(?:(?<!号)码|单号|编号)\s*(?:是|为|[:：]|后[四五六]位(?:是)?)?\s*"
                   r"[A-Za-z0-9](?:[A-Za-z0-9]|\s*[-—–]\s*(?=[A-Za-z0-9]))*")
_COMPACT3 = re.compile(rf"(?<![\d\-])(?P<b>\d{{1,3}}){_DASH}(?P<u>\d{{1,2}}){_DASH}(?P<r>\d{{3,4}})(?![\d\-]){_NOT_QUANTITY}")
_BUILDING = re.compile(
    rf"(?<![\d{_CN}同每哪那这几])第?\s*(?P<b>{NUM}|[A-Za-z])\s*"
    r"(?:号楼|號樓|号樓|栋|棟|幢|座|#|＃)"
)
_UNIT = re.compile(rf"(?<![\d{_CN}])(?P<u>{NUM})\s*(?:单元|單元)")
_UNIT_ROOM = re.compile(rf"^\s*(?P<u>\d{{1,2}}){_DASH}(?P<r>\d{{3,4}})(?![\d\-])")
_ROOM_AFTER = re.compile(rf"^\s*(?:的\s*)?(?P<r>\d{{3,4}}|[{_CN}]{{3,5}})(?![\d{_CN}栋幢单]){_NOT_QUANTITY}")
_ROOM_SUFFIX = re.compile(rf"(?<![\d{_CN}\-])(?P<r>\d{{3,4}}|[{_CN}]{{3,5}})\s*(?:室|房间|房|號房|号房)")
_ROOM_HOME = re.compile(rf"(?:住在?|家(?:在|是|住)?)\s*(?P<r>\d{{3,4}})(?![\d栋幢单元\-]){_NOT_QUANTITY}")
_ROOM_NEIGHBOUR = re.compile(rf"(?:楼上|楼下|樓上|樓下|隔壁|对门|对面|對門|對面)(?:的|那家|那户|住的)?\s*(?P<r>\d{{3,4}})(?![\d栋幢单元\-]){_NOT_QUANTITY}")
_COMPACT2 = re.compile(rf"(?<![\d\-])(?P<b>\d{{1,3}}){_DASH}(?P<r>\d{{3,4}})(?![\d\-]){_NOT_QUANTITY}")
_NEIGHBOUR_CUE = re.compile(r"(?:楼上|楼下|樓上|樓下|隔壁|对门|对面|對門|對面|邻居|鄰居)\s*(?:的|是|住的|那家|那户)?\s*$")

# What may stand between the parts of one address (3栋2单元502, 3#502, 3-2-502).
_GROUP_GLUE = re.compile(r"[\s的,，#栋棟幢座号號楼樓单單元室房\-—–]")

_LIMITS = {"building": (1, 999), "unit": (1, 99), "room": (101, 9999)}


@dataclass(frozen=True)
class Mention:
    """One entity found in the text; ``start``/``end`` index the original text."""

    entity: str
    value: str
    start: int
    end: int
    role: Optional[str] = None


def fold(text: str) -> str:
    """Full-width to half-width, one character at a time, so offsets stay valid."""
    out = []
    for char in text:
        folded = unicodedata.normalize("NFKC", char)
        out.append(folded if len(folded) == 1 else char)
    return "".join(out)


def chinese_number(token: str) -> int:
    """Read 3, 十二, 二十三, 一百零二 or the spoken digit string 五零二 (= 502)."""
    token = token.strip()
    if token.isdigit():
        return int(token)
    if all(char in _CN_DIGITS for char in token):
        return int("".join(str(_CN_DIGITS[char]) for char in token))
    total = current = 0
    for char in token:
        if char in _CN_DIGITS:
            current = _CN_DIGITS[char]
        elif char in _CN_UNITS:
            total += (current or 1) * _CN_UNITS[char]
            current = 0
        else:
            raise ValueError(f"not a number: {token!r}")
    return total + current


def _canonical(entity: str, raw: str) -> Optional[str]:
    if entity == "building" and raw.isalpha() and raw.isascii():
        return raw.upper()
    try:
        number = chinese_number(raw)
    except ValueError:
        return None
    low, high = _LIMITS[entity]
    if not low <= number <= high:
        return None
    return str(number)


def _mask(text: str, spans: List[Tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        chars[start:end] = "\x00" * (end - start)
    return "".join(chars)


class _Collector:
    """Accumulates mentions and the spans already taken."""

    def __init__(self) -> None:
        self.mentions: List[Mention] = []

    def taken(self, start: int, end: int) -> bool:
        return any(m.start < end and start < m.end for m in self.mentions)

    def add_groups(self, match: "re.Match[str]", offset: int = 0) -> List[Mention]:
        names = {"b": "building", "u": "unit", "r": "room"}
        found = []
        for group, entity in names.items():
            if group not in match.re.groupindex or match.group(group) is None:
                continue
            value = _canonical(entity, match.group(group))
            if value is None:
                return []
            start, end = match.span(group)
            found.append(Mention(entity, value, start + offset, end + offset))
        if any(self.taken(m.start, m.end) for m in found):
            return []
        self.mentions.extend(found)
        return found


def _after(text: str, position: int) -> Tuple[str, int]:
    return text[position:position + 12], position


def _chain(collector: _Collector, text: str, end: int) -> None:
    """After a building, read an adjacent unit and room: 3栋2单元502, 3栋2-502, 3#502."""
    rest, offset = _after(text, end)
    match = _UNIT_ROOM.match(rest)
    if match:
        collector.add_groups(match, offset)
        return
    unit = re.match(rf"^\s*(?:的\s*)?(?P<u>{NUM})\s*(?:单元|單元)", rest)
    if unit and collector.add_groups(unit, offset):
        rest, offset = _after(text, offset + unit.end())
    room = _ROOM_AFTER.match(rest)
    if room:
        collector.add_groups(room, offset)


def extract(text: str) -> List[Mention]:
    """Return the building, unit, room and phone mentions in ``text``, in order."""
    folded = fold(text)
    collector = _Collector()
    phones = []
    for match in _PHONE.finditer(folded):
        digits = re.sub(r"\D", "", match.group())
        phones.append(Mention("phone", digits, match.start(), match.end()))
    collector.mentions.extend(phones)
    masked = _mask(folded, [(m.start, m.end) for m in phones])
    masked = _mask(masked, [m.span() for m in _LONG_DIGITS.finditer(masked)])
    masked = _mask(masked, [m.span() for m in _CODE.finditer(masked)])

    for match in _COMPACT3.finditer(masked):
        collector.add_groups(match)
    for match in _BUILDING.finditer(masked):
        if _is_counting_phrase(masked, match):
            continue
        if collector.add_groups(match):
            _chain(collector, masked, match.end())
    for match in _UNIT.finditer(masked):
        if collector.add_groups(match):
            rest, offset = _after(masked, match.end())
            room = _ROOM_AFTER.match(rest)
            if room:
                collector.add_groups(room, offset)
    for pattern in (_ROOM_SUFFIX, _ROOM_HOME, _ROOM_NEIGHBOUR):
        for match in pattern.finditer(masked):
            collector.add_groups(match)
    if not any(m.entity == "building" for m in collector.mentions):
        for match in _COMPACT2.finditer(masked):
            collector.add_groups(match)
    return _with_roles(folded, sorted(collector.mentions, key=lambda m: m.start))


def _is_counting_phrase(text: str, match: "re.Match[str]") -> bool:
    """一栋楼 / 两栋楼 count buildings ("整整一栋楼都停电"), they do not name one."""
    number = match.group("b")
    follows = text[match.end():match.end() + 2]
    return number in ("一", "两") and follows.startswith("楼") and not follows.startswith(("楼道", "楼梯"))


def _with_roles(text: str, mentions: List[Mention]) -> List[Mention]:
    """Give the role ``neighbour`` to address groups introduced by 楼上/隔壁/…"""
    result: List[Mention] = []
    role: Optional[str] = None
    previous_end = -10
    for mention in mentions:
        if mention.entity == "phone":
            result.append(mention)
            continue
        gap = _GROUP_GLUE.sub("", text[previous_end:mention.start]) if previous_end >= 0 else ""
        if previous_end < 0 or gap:
            role = NEIGHBOUR if _NEIGHBOUR_CUE.search(text[max(0, mention.start - 8):mention.start]) else None
        result.append(Mention(mention.entity, mention.value, mention.start, mention.end, role))
        previous_end = mention.end
    return result


# A floor and the door on it (5楼2号, 五层02室, 5楼东户): how some residents say their flat. Not
# read by extract(), which feeds the model: the form puts floor and door together (502).
_FLOOR = r"(?<![\d号#])(?P<f>\d{1,2}|[一二三四五六七八九十]{1,3})\s*[楼层](?![道梯下上顶里前后门口])"
_FLOOR_DOOR = re.compile(_FLOOR + r"\s*(?:的\s*)?(?:(?P<d>0?[1-9]|[一二三四五六七八])\s*(?:号|户|室|门)|(?P<d0>0[1-9])(?!\d))?")
# A floor said as the resident's own (2单元5楼东户, 我家住5楼), not where something happened (一楼都返水了).
_OWN_FLOOR = re.compile(r"(?:单元|單元|栋|棟|幢|座|号楼|住在?|家在?|我在)\s*(?:的\s*)?" + _FLOOR)


def floor_and_door(text: str) -> Tuple[Optional[int], Optional[int]]:
    """The floor a message names, and the door on that floor when it is a number: 5楼2号 → (5, 2),
    5楼东户 → (5, None), 漏水 → (None, None)."""
    match = _FLOOR_DOOR.search(fold(text or ""))
    if not match:
        return None, None
    door = match.group("d") or match.group("d0")
    return chinese_number(match.group("f")), (chinese_number(door) if door else None)


def own_floor(text: str) -> Optional[int]:
    """The floor the resident says they live on (6号楼2单元5楼东户, 我家住5楼 → 5); None otherwise."""
    match = _OWN_FLOOR.search(fold(text or ""))
    return chinese_number(match.group("f")) if match else None


# The word that names what a number was, right after it: 3栋, 2单元, 502室, 三号楼.
_MARKER = re.compile(r"\s*(?:号楼|號樓|单元|單元|房间|号房|號房|栋|棟|幢|座|室|#)")


def marker_end(text: str, end: int) -> int:
    """Where an address part ending at ``end`` ends with the word after it (3栋2单元, 502室): the
    end of that 栋/单元/室/号楼, else ``end``."""
    return _marker_end(fold(text), end)


def _marker_end(folded: str, end: int) -> int:
    marker = _MARKER.match(folded, end)
    return marker.end() if marker else end


def address_spans(text: str) -> List[Tuple[int, int, str]]:
    """Where ``text`` gives an address or a phone number: ``(start, end, kind)`` with kind
    ``"address"`` or ``"phone"``, in order. The parts of one address are one span with the
    words between and after them (3栋2单元502室, 3-2-502, 十二栋 一单元), so a classifier can
    be shown that an address is there without the digits that tell one home from another."""
    spans: List[Tuple[int, int, str]] = []
    folded = fold(text)
    for mention in extract(text):
        if mention.entity == "phone":
            spans.append((mention.start, mention.end, "phone"))
            continue
        end = _marker_end(folded, mention.end)
        previous = spans[-1] if spans else None
        joined = previous and previous[2] == "address" and not _GROUP_GLUE.sub("", folded[previous[1]:mention.start])
        if joined:
            spans[-1] = (previous[0], end, "address")
        else:
            spans.append((mention.start, end, "address"))
    return spans
