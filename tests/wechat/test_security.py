"""Signatures and safe-mode crypto against WeChat's published vectors."""

from __future__ import annotations

import pytest
import xmltodict
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto

from bot.wechat.security import SignatureError, WeChatCodec, sign
from tests.wechat.sim import (AES_KEY, APPID, SAMPLE_BODY, SAMPLE_ENCRYPT, SAMPLE_MSG_SIGNATURE, SAMPLE_NONCE,
                              SAMPLE_TIMESTAMP, SAMPLE_TOKEN)

SAMPLE_ARGS = {"timestamp": SAMPLE_TIMESTAMP, "nonce": SAMPLE_NONCE, "encrypt_type": "aes",
               "msg_signature": SAMPLE_MSG_SIGNATURE}


def test_the_documented_plain_signature():
    assert sign("AAAAA", "1714037059", "486452656") == "899cf89e464efb63f54ddac96b0a0a235f53aa78"


def test_the_documented_msg_signature():
    assert sign(SAMPLE_TOKEN, SAMPLE_TIMESTAMP, SAMPLE_NONCE, SAMPLE_ENCRYPT) == SAMPLE_MSG_SIGNATURE


def test_the_url_check_answers_echostr_only_when_signed():
    codec = WeChatCodec("AAAAA")
    args = {"signature": "899cf89e464efb63f54ddac96b0a0a235f53aa78", "timestamp": "1714037059",
            "nonce": "486452656", "echostr": "e"}
    assert codec.check_url(args) == "e"
    assert codec.check_url({**args, "nonce": "1"}) is None
    assert WeChatCodec("").check_url(args) is None  # no token: nothing is ever signed


def test_the_official_sample_decrypts():
    envelope = WeChatCodec(SAMPLE_TOKEN, AES_KEY, APPID).open(SAMPLE_BODY.encode(), SAMPLE_ARGS)
    message = parse_message(envelope.xml)
    assert envelope.encrypted and (message.content, message.id) == ("abcdteT", 6054768590064713728)
    assert message.source == "oyORnuP8q7ou2gfYjqLzSIWZf0rs"


@pytest.mark.parametrize("codec, args", [
    (WeChatCodec(SAMPLE_TOKEN, AES_KEY, APPID), {**SAMPLE_ARGS, "msg_signature": "0" * 40}),
    (WeChatCodec(SAMPLE_TOKEN, AES_KEY, APPID), {**SAMPLE_ARGS, "nonce": "1"}),
    (WeChatCodec("other", AES_KEY, APPID), SAMPLE_ARGS),
    (WeChatCodec(SAMPLE_TOKEN, AES_KEY, "wx0000000000000000"), SAMPLE_ARGS),  # another account's message
    (WeChatCodec(SAMPLE_TOKEN), SAMPLE_ARGS),  # safe mode push, no key configured
    (WeChatCodec(SAMPLE_TOKEN, AES_KEY, APPID), {**SAMPLE_ARGS, "encrypt_type": "rot13"}),
])
def test_bad_safe_mode_pushes_are_refused(codec, args):
    with pytest.raises(SignatureError):
        codec.open(SAMPLE_BODY.encode(), args)


def test_a_tampered_or_garbled_body_is_refused():
    codec = WeChatCodec(SAMPLE_TOKEN, AES_KEY, APPID)
    for body in (SAMPLE_BODY.replace("hyzA", "hyzB"), "not xml", "<xml><Nothing/></xml>", "\xff"):
        with pytest.raises(SignatureError):
            codec.open(body.encode("latin-1"), SAMPLE_ARGS)


def test_replies_to_safe_mode_pushes_are_sealed():
    codec = WeChatCodec(SAMPLE_TOKEN, AES_KEY, APPID)
    envelope = codec.open(SAMPLE_BODY.encode(), SAMPLE_ARGS)
    sealed = codec.seal("<xml><Content><![CDATA[好]]></Content></xml>", envelope)
    crypto = WeChatCrypto(SAMPLE_TOKEN, AES_KEY, APPID)
    outer = xmltodict.parse(sealed)["xml"]
    assert outer["Nonce"] == SAMPLE_NONCE
    plain = crypto.decrypt_message(sealed, outer["MsgSignature"], outer["TimeStamp"], outer["Nonce"])
    assert plain == "<xml><Content><![CDATA[好]]></Content></xml>"


def test_plaintext_pushes_are_checked_and_passed_as_is():
    codec = WeChatCodec("t", AES_KEY, APPID)  # a key set does not forbid plaintext pushes
    args = {"signature": sign("t", "1", "2"), "timestamp": "1", "nonce": "2"}
    assert codec.open(b"<xml/>", args).xml == "<xml/>"
    assert codec.seal("<xml/>", codec.open(b"<xml/>", args)) == "<xml/>"
    with pytest.raises(SignatureError):
        codec.open(b"<xml/>", {**args, "signature": sign("t", "1", "3")})


@pytest.mark.parametrize("key, appid", [("short", APPID), (AES_KEY, "")])
def test_a_bad_safe_mode_configuration_fails_at_start(key, appid):
    with pytest.raises(ValueError):
        WeChatCodec("t", key, appid)
