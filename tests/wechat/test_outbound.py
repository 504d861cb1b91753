"""Splitting to WeChat's byte limit, buttons as numbered text, and the passive reply's XML."""

from __future__ import annotations

import xmltodict
from wechatpy import parse_message

from bot.wechat.outbound import (TEXT_LIMIT, Button, ButtonMemory, bot_texts, pack, phrase, render_text_reply,
                                 size, split_text)
from tests.wechat.sim import text


def test_short_texts_are_untouched():
    assert split_text("  您好！  ") == ["您好！"]
    assert split_text("") == []


def test_long_texts_are_cut_after_sentences():
    sentences = [f"第{i}句，说明上门维修的安排。" for i in range(200)]
    pieces = split_text("".join(sentences))
    assert len(pieces) > 1 and all(size(p) <= TEXT_LIMIT for p in pieces)
    assert all(p.endswith("。") for p in pieces)
    assert "".join(pieces) == "".join(sentences)


def test_other_sentence_ends_and_line_breaks_count():
    body = "".join(f"问题{i}？好的！“已登记。”\n" for i in range(150))
    pieces = split_text(body, limit=300)
    assert all(size(p) <= 300 for p in pieces)
    assert all(p.endswith(("？", "！", "。”")) for p in pieces)


def test_a_sentence_longer_than_the_limit_is_cut_between_characters():
    pieces = split_text("长" * 1000)  # 3000 bytes, no sentence end
    assert [size(p) for p in pieces] == [2046, 954] and "".join(pieces) == "长" * 1000


def test_pack_joins_while_within_the_limit():
    assert pack(["一。", "二。", "三。"]) == ["一。\n\n二。\n\n三。"]
    big = "好" * 600  # 1800 bytes
    assert pack([big, "还有。", big]) == [big + "\n\n还有。", big]


def test_buttons_become_a_numbered_line():
    texts, buttons = bot_texts([
        {"recipient_id": "x", "text": "请选择："},
        {"recipient_id": "x", "text": "您要办哪项？", "buttons": [{"title": "报修", "payload": "/repair"},
                                                                 {"title": "快递", "payload": "/parcel"}]},
        {"recipient_id": "x", "image": "https://example.com/a.png"},
        {"recipient_id": "x", "custom": {"no": "text"}},
    ])
    assert texts == ["请选择：", "您要办哪项？\n回复1：报修；回复2：快递", "https://example.com/a.png"]
    assert buttons == [Button("报修", "/repair"), Button("快递", "/parcel")]


def test_the_button_memory_answers_the_next_message_only():
    now = [0.0]
    memory = ButtonMemory(ttl=60, clock=lambda: now[0])
    choices = [Button("报修", "/repair"), Button("快递", "/parcel")]
    memory.offer("a", choices)
    assert memory.take("a", "２") == "/parcel"  # full-width digits too
    assert memory.take("a", "1") is None  # used up
    memory.offer("a", choices[:1])
    assert memory.take("a", "好的") is None and memory.take("a", "1") is None
    memory.offer("a", choices[:1])
    assert memory.take("a", "回复1。") == "/repair"
    memory.offer("a", choices[:1])
    now[0] = 61
    assert memory.take("a", "1") is None  # too late


def test_a_buttons_title_typed_out_picks_it():
    memory = ButtonMemory(ttl=60)
    offer = [Button("好，也登记这件", "/repair"), Button("不用了", "/deny")]
    for typed, payload in [("好，也登记这件", "/repair"), ("好 也登记这件！", "/repair"), ("不用了。", "/deny"),
                           ("好", None), ("好，也登记这件吧 楼上又漏了", None), ("3", None), ("👍", None)]:
        memory.offer("a", offer)
        assert memory.take("a", typed) == payload, typed


def test_the_reply_xml_survives_cdata_terminators_and_control_characters():
    message = parse_message(text("oAlice______________________", "x", 1))
    xml = render_text_reply(message, "a]]>b\x00c\x1f]]>")
    assert xmltodict.parse(xml)["xml"]["Content"] == "a]]>bc]]>"


def test_phrases_are_filled_in():
    assert "BX-1" in phrase("image_attached", number="BX-1")
    assert phrase("button_option", number=2, title="快递") == "回复2：快递"
