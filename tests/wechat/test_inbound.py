"""What each kind of push asks for, on wechatpy's parsed messages (no HTTP)."""

from __future__ import annotations

import pytest
from wechatpy import parse_message

from bot.wechat.inbound import (AskAgent, Answer, Welcome, AttachImage, Silent, dedupe_key, escape_command, route)
from tests.wechat.sim import event, message_xml, text

WHO = "oAlice______________________"
MENU = {"repair": "repair", "parcel": "parcel"}.get


def routed(xml: str):
    return route(parse_message(xml), MENU)


@pytest.mark.parametrize("typed, sent", [
    ("/repair", "／repair"), ('  /repair{"building":"3"}', '／repair{"building":"3"}'),
    ("//x", "／/x"), ("报修 /repair", "报修 /repair"), ("／已全角", "／已全角"), ("", ""),
])
def test_a_leading_slash_is_escaped(typed, sent):
    assert escape_command(typed) == sent
    assert not escape_command(typed).startswith("/")


def test_kinds_of_pushes():
    assert routed(text(WHO, "你好", 1)) == AskAgent("你好")
    voice = {"MediaId": "m", "Format": "amr"}
    assert routed(message_xml(WHO, "voice", {**voice, "Recognition": " 灯坏了 "}, msg_id=2)) == AskAgent("灯坏了")
    assert routed(message_xml(WHO, "voice", voice, msg_id=3)) == Answer("voice_unrecognised")
    image = message_xml(WHO, "image", {"PicUrl": "http://p", "MediaId": "m1"}, msg_id=4)
    assert routed(image) == AttachImage("m1", "http://p")
    place = {"Location_X": "1", "Location_Y": "2", "Scale": "3"}
    assert routed(message_xml(WHO, "location", {**place, "Label": "3号楼"}, msg_id=5)) == AskAgent("3号楼")
    assert routed(message_xml(WHO, "location", place, msg_id=6)) == Answer("location_without_label")
    video = message_xml(WHO, "video", {"MediaId": "v", "ThumbMediaId": "t"}, msg_id=7)
    assert routed(video) == Answer("unsupported")


@pytest.mark.parametrize("typed, sent", [
    ("楼上又吵[发怒][发怒]", "楼上又吵😡😡"), ("[捂脸]", "🤦"), ("好的[强]", "好的👍"), ("/::)谢谢", "🙂谢谢"),
    ("/:strong", "👍"), ("[图片]看这个", "[图片]看这个"), ("3栋[2单元]502", "3栋[2单元]502"),
])
def test_wechat_face_codes_become_the_emoji_they_show(typed, sent):
    # The model learned 👍 and 😡 as residents see them; [强] and /::) are neither emoji nor words.
    assert routed(text(WHO, typed, 9)) == AskAgent(sent)


def test_events():
    assert routed(event(WHO, "subscribe")) == Welcome()
    assert routed(event(WHO, "subscribe", key="qrscene_12")) == Welcome()
    assert routed(event(WHO, "unsubscribe")) == Silent()
    assert routed(event(WHO, "CLICK", key="parcel")) == AskAgent("/parcel", typed=False)
    assert routed(event(WHO, "CLICK", key="other")) == Answer("unknown_menu")
    assert routed(event(WHO, "VIEW", key="https://example.com")) == Silent()
    assert routed(event(WHO, "TEMPLATESENDJOBFINISH")) == Silent()


def test_the_menu_keys_start_their_intents():
    from bot.wechat.menu import click_buttons, intent_for_key
    for button in click_buttons():
        assert route(parse_message(event(WHO, "CLICK", key=button["key"])), intent_for_key) == \
            AskAgent("/" + button["key"], typed=False)


def test_dedupe_keys():
    assert dedupe_key(parse_message(text(WHO, "x", 6054768590064713728))) == "msg:6054768590064713728"
    subscribed = parse_message(event(WHO, "subscribe", create_time=1700000000))
    assert dedupe_key(subscribed) == f"event:{WHO}:1700000000"
