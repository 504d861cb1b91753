"""The simulator's WeChat side: pushes are the XML WeChat sends, signed and sealed as WeChat
does it, checked here with wechatpy and the known-answer vector of WeChat's docs."""

from __future__ import annotations

import pytest
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.replies import TextReply

from bot.wechat.pusher import Account, event, read_reply, seal, text_message

OPENID = "oSIM_zhang_ayi______________"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APPID = "wx2c2769f8efd9abc2"


def test_the_plaintext_signature_matches_wechats_documented_example():
    account = Account("AAAAA", APPID)
    _body, query = seal(account, text_message(account, OPENID, "你好", msg_id=1), timestamp="1714037059",
                        nonce="486452656")
    assert query["signature"] == "899cf89e464efb63f54ddac96b0a0a235f53aa78"


@pytest.mark.parametrize("content", ["普通的话", "a]]>b", "<xml>&amp;</xml>", "/repair"])
def test_wechatpy_reads_back_what_was_typed(content):
    account = Account("token", APPID)
    message = parse_message(text_message(account, OPENID, content, msg_id=6054768590064713728).xml)
    assert (message.type, message.content, message.source, message.id) == (
        "text", content, OPENID, 6054768590064713728)


def test_an_event_has_its_key_and_no_msgid():
    account = Account("token", APPID)
    message = parse_message(event(account, OPENID, "CLICK", "repair", create_time=1700000000).xml)
    assert (message.type, message.event, message.key, message.id, message.time) == (
        "event", "click", "repair", 0, 1700000000)


def test_safe_mode_encrypts_and_wechatpy_opens_it_with_the_msg_signature():
    account = Account("token", APPID, AES_KEY)
    push = text_message(account, OPENID, "明天上午", msg_id=1)
    body, query = seal(account, push, timestamp="1409735669", nonce="1320562132")
    assert "明天上午" not in body and query["encrypt_type"] == "aes"
    opened = WeChatCrypto("token", AES_KEY, APPID).decrypt_message(
        body, query["msg_signature"], query["timestamp"], query["nonce"])
    assert opened == push.xml


def test_a_reply_to_someone_else_is_unreadable():
    account = Account("token", APPID)
    other = parse_message(text_message(account, "oSIM_li_xiansheng___________", "你好", msg_id=1).xml)
    reply = read_reply(account, OPENID, TextReply(message=other, content="您好").render())
    assert reply.outcome == "unreadable"


def test_in_safe_mode_a_plaintext_reply_is_unreadable():
    account = Account("token", APPID, AES_KEY)
    message = parse_message(text_message(account, OPENID, "你好", msg_id=1).xml)
    reply = read_reply(account, OPENID, TextReply(message=message, content="您好").render())
    assert (reply.outcome, reply.reply) == ("unreadable", None)


@pytest.mark.parametrize("changes", [{"token": ""}, {"aes_key": "short"}, {"appid": ""}])
def test_an_account_that_cannot_sign_or_seal_is_refused(changes):
    values = {"token": "token", "appid": APPID, "aes_key": AES_KEY, **changes}
    with pytest.raises(ValueError):
        Account(**values)
