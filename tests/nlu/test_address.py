"""The address/phone extractor, without Rasa: forms residents write, and things that are not addresses."""

import pytest

from bot.nlu.address import ENTITIES, NEIGHBOUR, address_spans, chinese_number, extract
from tests.conftest import address_entities


def values(text):
    found = {}
    for mention in extract(text):
        found.setdefault(mention.entity, []).append(mention.value)
    return found


@pytest.mark.parametrize("text, expected", [
    ("3栋2单元502卫生间漏水了", {"building": ["3"], "unit": ["2"], "room": ["502"]}),
    ("17栋1203楼道的灯不亮了", {"building": ["17"], "room": ["1203"]}),  # 楼道 is not "the 1203rd floor"
    ("三号楼一单元五零二", {"building": ["3"], "unit": ["1"], "room": ["502"]}),
    ("十二栋一单元1802室", {"building": ["12"], "unit": ["1"], "room": ["1802"]}),
    ("二十三号楼三单元", {"building": ["23"], "unit": ["3"]}),
    ("18幢", {"building": ["18"]}),
    ("第5栋", {"building": ["5"]}),
    ("3-2-502 厨房漏水", {"building": ["3"], "unit": ["2"], "room": ["502"]}),
    ("3栋2-502", {"building": ["3"], "unit": ["2"], "room": ["502"]}),
    ("3#502", {"building": ["3"], "room": ["502"]}),
    ("5-1202", {"building": ["5"], "room": ["1202"]}),
    ("B座1602", {"building": ["B"], "room": ["1602"]}),
    ("３棟２單元５０２室", {"building": ["3"], "unit": ["2"], "room": ["502"]}),
    ("电话138-1234-5678", {"phone": ["13812345678"]}),
    ("138 1234 5678 住5号楼1单元", {"phone": ["13812345678"], "building": ["5"], "unit": ["1"]}),
    ("3栋楼道灯不亮", {"building": ["3"]}),
    ("门牌号码是3-2-502", {"building": ["3"], "unit": ["2"], "room": ["502"]}),  # not a pickup code
    ("取件码8-1-3021 我家3栋2单元502", {"building": ["3"], "unit": ["2"], "room": ["502"]}),
])
def test_addresses_are_read_with_canonical_values(text, expected):
    assert values(text) == expected


@pytest.mark.parametrize("text", [
    "我住12楼", "电梯到7层就停", "整整一栋楼都停电了", "交了500-1000元还没修", "15号接待日",
    "工单BX-20261121-0007怎么样了", "等了3天了", "物业费一年2400", "20:00以后还在装修", "",
    "取件码是6-2-1035", "单号后四位3345", "快递柜取件码 3-2-502", "开箱码:502",
])
def test_numbers_that_are_not_addresses_are_ignored(text):
    assert values(text) == {}


def test_neighbours_address_gets_the_neighbour_role():
    mentions = extract("我住3栋502，楼上602天天跺脚")
    own = [(m.entity, m.value) for m in mentions if m.role is None]
    theirs = [(m.entity, m.value) for m in mentions if m.role == NEIGHBOUR]
    assert own == [("building", "3"), ("room", "502")]
    assert theirs == [("room", "602")]


def test_offsets_point_at_the_original_text():
    text = "麻烦来看看 十二栋1802室 漏水"
    for mention in extract(text):
        assert text[mention.start:mention.end] in ("十二", "1802")


@pytest.mark.parametrize("token, number", [
    ("3", 3), ("十", 10), ("十二", 12), ("二十三", 23), ("一百零二", 102), ("五零二", 502), ("两", 2),
])
def test_chinese_numbers(token, number):
    assert chinese_number(token) == number


def test_every_heldout_message_gets_exactly_its_entities(heldout):
    wrong = []
    for item in heldout:
        expected = {key: [str(value)] for key, value in (item.get("entities") or {}).items()}
        found = {key: vals[:1] for key, vals in values(item["text"]).items()}
        if found != expected:
            wrong.append(f"{item['text']!r}: expected {expected}, got {values(item['text'])}")
    assert not wrong, "\n".join(wrong)


def test_every_blind_message_gets_the_residents_own_address(blind):
    """The blind writers marked only the resident's own address: 楼上1202 is the other party's
    (the extractor gives it the role `neighbour`, which the ticket form keeps apart)."""
    wrong = []
    for item in (item for items in blind.values() for item in items):
        expected = {key: [str(value)] for key, value in (item.get("entities") or {}).items()}
        own = {}
        for mention in extract(item["text"]):
            if mention.role != NEIGHBOUR:
                own.setdefault(mention.entity, []).append(mention.value)
        if {key: vals[:1] for key, vals in own.items()} != expected:
            wrong.append(f"{item['text']!r}: expected {expected}, got {own}")
    assert not wrong, "\n".join(wrong)


def test_address_entities_helper_reads_rasa_output():
    parsed = {"entities": [{"entity": "building", "value": "3"}, {"entity": "facility", "value": "电梯"}]}
    assert address_entities(parsed) == {"building": ["3"]}


def test_every_entity_it_finds_is_declared_in_the_domain(domain):
    """The ticket form fills the address from these entities; the domain must declare each one."""
    declared = {next(iter(e)) if isinstance(e, dict) else e for e in domain["entities"]}
    found = {m.entity for m in extract("我住3栋2单元502 楼上1602 电话13812345678")}
    assert found == set(ENTITIES)
    assert set(ENTITIES) <= declared


# -- what the tokenizer shows the classifier in place of an address -----------------------------------
@pytest.mark.parametrize("text, expected", [
    ("3栋2单元502卫生间漏水了", [("3栋2单元502", "address")]),        # the parts of one address, one span
    ("十二栋 一单元1802室 暖气不热", [("十二栋 一单元1802室", "address")]),
    ("3-2-502 厨房漏水 电话138-1234-5678", [("3-2-502", "address"), ("138-1234-5678", "phone")]),
    ("楼上502天天跺脚", [("502", "address")]),                      # a neighbour's flat is an address too
    ("三号楼的电梯坏了", [("三号楼", "address")]),
    ("３栋５０２", [("３栋５０２", "address")]),
    ("我住5栋 孩子住8栋1单元", [("5栋", "address"), ("8栋1单元", "address")]),  # two homes, two spans
    ("整整一栋楼都停电了", []),
    ("电梯坏了三天了", []),
])
def test_address_spans_cover_each_address_whole(text, expected):
    assert [(text[start:end], kind) for start, end, kind in address_spans(text)] == expected
