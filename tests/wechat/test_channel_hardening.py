"""Hostile and odd pushes: each is signed correctly (so the signature is not what stops it) and
each gets its expected answer, without a crash (HTTP 500) and without reaching the agent, i.e.
without creating a ticket, more than it should. The channel's documented answer to signed but
unreadable XML is 200 ``success`` (bot.wechat.channel._parse); to a body it cannot decrypt or
decode, 403 (bot.wechat.security.SignatureError).

Covered elsewhere, not repeated here: a bad signature / msg_signature (test_channel.py), a
retry while the first try is still running (test_channel_delivery.py), a ``link`` message
(test_channel.py, test_other_messages_get_a_polite_answer)."""

from __future__ import annotations

import base64
import time

import aiohttp
import pytest
from wechatpy.crypto import PrpCrypto

from bot.wechat.channel import ChannelOptions, WeChatInput
from bot.wechat.outbound import phrase
from tests.wechat.conftest import openid
from tests.wechat.sim import (ACCOUNT, AES_KEY, APPID, TOKEN, StubAgent, WeChatSim, cdata, message_xml,
                              sha1_sorted, text)

ALICE = openid("alice")
NORMAL_ANSWER = "您好，我是红管家。"


def channel(*, safe: bool = False, **options) -> WeChatInput:
    keys = (AES_KEY, APPID) if safe else ()
    return WeChatInput(TOKEN, *keys, options=ChannelOptions(customer_service=False, **options))


async def started(serve, agent: StubAgent, *, safe: bool = False, **options) -> WeChatSim:
    return WeChatSim(await serve(channel(safe=safe, **options), agent), aes_key=AES_KEY if safe else "")


async def still_answers(sim: WeChatSim, agent: StubAgent, msg_id: int) -> None:
    """The server still works: a normal message after the odd one gets the agent's answer."""
    before = len(agent.messages)
    answer = await sim.push(text(ALICE, "你好", msg_id))
    assert answer.status == 200
    assert sim.read(answer.body)["Content"] == NORMAL_ANSWER
    assert agent.texts[before:] == ["你好"]


def signed_query(sim: WeChatSim, body: str) -> dict:
    """A plaintext-mode query signed correctly for ``body`` (the signature does not cover it)."""
    return sim.query(body)


def safe_body(encrypt: str) -> str:
    return f"<xml><ToUserName>{cdata(ACCOUNT)}</ToUserName><Encrypt>{cdata(encrypt)}</Encrypt></xml>"


# -- malformed XML --------------------------------------------------------------------------------

GOOD = text(ALICE, "你好", 1)


@pytest.mark.parametrize("body", [
    pytest.param(GOOD[: len(GOOD) // 2], id="truncated"),
    pytest.param(GOOD[:-3], id="unclosed-root"),
    pytest.param("这不是XML", id="not-xml"),
    pytest.param("", id="empty"),
    pytest.param("<xml><ToUserName>a</ToUserName><Content>你好</Content></xml>", id="no-MsgType"),
    pytest.param("<notxml><MsgType>text</MsgType></notxml>", id="wrong-root"),
    pytest.param("<xml><MsgType>text</MsgType><MsgType>text</MsgType></xml>", id="repeated-MsgType"),
])
async def test_signed_malformed_xml_is_answered_success_without_the_agent(serve, body):
    agent = StubAgent(NORMAL_ANSWER)
    sim = await started(serve, agent)
    answer = await sim.push(body, query=signed_query(sim, body))
    assert (answer.status, answer.body) == (200, "success")
    assert agent.messages == []
    await still_answers(sim, agent, 2)


async def test_a_signed_body_that_is_not_utf8_is_refused_without_the_agent(serve):
    agent = StubAgent(NORMAL_ANSWER)
    sim = await started(serve, agent)
    body = GOOD.encode("gbk")  # the Chinese content in GBK: not UTF-8
    query = signed_query(sim, GOOD)
    async with aiohttp.ClientSession() as session:
        async with session.post(sim.url, params=query, data=body) as response:
            status = response.status
    assert status == 403
    assert agent.messages == []
    await still_answers(sim, agent, 3)


# -- entities: XXE and billion laughs -------------------------------------------------------------

def with_doctype(doctype: str, content: str, msg_id: int) -> str:
    xml = text(ALICE, "CONTENT", msg_id).replace(cdata("CONTENT"), content)
    return f'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE xml [{doctype}]>\n{xml}'


BILLION_LAUGHS = "".join(
    ['<!ENTITY lol "lol">']
    + [f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)])


@pytest.fixture
def secret_file(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text("TOP-SECRET-3f9c1d\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("safe", [False, True], ids=["plaintext", "safe-mode"])
@pytest.mark.parametrize("target", ["etc-passwd", "tmp-file", "parameter-entity"])
async def test_an_external_entity_never_reaches_the_agent_nor_the_reply(serve, secret_file, safe, target):
    agent = StubAgent(NORMAL_ANSWER)
    sim = await started(serve, agent, safe=safe)
    if target == "etc-passwd":
        xml = with_doctype('<!ENTITY xxe SYSTEM "file:///etc/passwd">', "&xxe;", 10)
        leaks = ["root:", "/bin/"]
    elif target == "tmp-file":
        xml = with_doctype(f'<!ENTITY xxe SYSTEM "{secret_file.as_uri()}">', "&xxe;", 11)
        leaks = ["TOP-SECRET-3f9c1d"]
    else:
        xml = with_doctype(f'<!ENTITY % xxe SYSTEM "{secret_file.as_uri()}"> %xxe;', "你好", 12)
        leaks = ["TOP-SECRET-3f9c1d"]
    answer = await sim.push(xml)
    assert answer.status == 200
    assert answer.body == "success"  # unreadable for the channel: no answer, no retry
    assert not any(leak in answer.body for leak in leaks)
    assert agent.messages == []
    await still_answers(sim, agent, 13)
    assert not any(leak in t for t in agent.texts for leak in leaks)


@pytest.mark.parametrize("safe", [False, True], ids=["plaintext", "safe-mode"])
async def test_billion_laughs_is_answered_quickly_without_the_agent(serve, safe):
    agent = StubAgent(NORMAL_ANSWER)
    sim = await started(serve, agent, safe=safe)
    xml = with_doctype(BILLION_LAUGHS, "&lol9;", 20)
    started_at = time.monotonic()
    answer = await sim.push(xml, timeout=5.0)
    elapsed = time.monotonic() - started_at
    assert elapsed < 2.0
    assert (answer.status, answer.body) == (200, "success")
    assert "lollol" not in answer.body and agent.messages == []
    await still_answers(sim, agent, 21)


async def test_billion_laughs_in_the_safe_mode_envelope_is_refused_quickly(serve):
    """The entities in the outer XML (around Encrypt), which is parsed before decryption."""
    agent = StubAgent(NORMAL_ANSWER)
    sim = await started(serve, agent, safe=True)
    body = (f'<?xml version="1.0"?>\n<!DOCTYPE xml [{BILLION_LAUGHS}]>\n'
            f"<xml><ToUserName>{cdata(ACCOUNT)}</ToUserName><Encrypt>&lol9;</Encrypt></xml>")
    timestamp, nonce = str(int(time.time())), "n0nce"
    # wechatpy parses the envelope before it checks msg_signature, so the parse is what is tested;
    # no msg_signature can match an Encrypt of 10^9 "lol"s anyway
    query = {"signature": sha1_sorted(TOKEN, timestamp, nonce), "timestamp": timestamp, "nonce": nonce,
             "encrypt_type": "aes", "msg_signature": sha1_sorted(TOKEN, timestamp, nonce, "&lol9;")}
    plain = WeChatSim(sim.url)  # posts the body as is
    started_at = time.monotonic()
    answer = await plain.push(body, query=query, timeout=5.0)
    assert time.monotonic() - started_at < 2.0
    assert answer.status in (200, 403) and "lollol" not in answer.body
    assert agent.messages == []
    await still_answers(sim, agent, 22)


# -- an oversized body ----------------------------------------------------------------------------

BIG = "漏" * 1_000_000  # 3 MB of UTF-8; WeChat's text messages are a few KB at most


@pytest.mark.parametrize("safe", [False, True], ids=["plaintext", "safe-mode"])
async def test_an_oversized_body_neither_crashes_nor_stops_the_server(serve, safe):
    agent = StubAgent(NORMAL_ANSWER)
    sim = await started(serve, agent, safe=safe)
    answer = await sim.push(text(ALICE, BIG, 30), timeout=10.0)
    assert answer.status is not None and answer.status < 500
    assert BIG not in answer.body
    await still_answers(sim, agent, 31)


@pytest.mark.parametrize("safe", [False, True], ids=["plaintext", "safe-mode"])
async def test_an_oversized_body_does_not_reach_the_agent(serve, safe):
    agent = StubAgent(NORMAL_ANSWER)
    sim = await started(serve, agent, safe=safe)
    answer = await sim.push(text(ALICE, BIG, 32), timeout=10.0)
    assert answer.status is not None and answer.status < 500
    assert agent.messages == []


# -- unknown message types ------------------------------------------------------------------------

@pytest.mark.parametrize("msg_type, fields", [
    ("shortvideo", {"MediaId": "m1", "ThumbMediaId": "t1"}),
    ("video", {"MediaId": "m1", "ThumbMediaId": "t1"}),
    ("miniprogrampage", {"Title": "t", "AppId": "wx1", "PagePath": "p", "ThumbUrl": "u", "ThumbMediaId": "t"}),
    ("hologram", {"Content": "未来的消息"}),
])
async def test_an_unknown_message_type_gets_a_polite_chinese_answer(serve, msg_type, fields):
    agent = StubAgent("不该出现")
    sim = await started(serve, agent)
    answer = await sim.push(message_xml(ALICE, msg_type, fields, msg_id=40))
    assert answer.status == 200
    content = sim.read(answer.body)["Content"]
    assert content == phrase("unsupported")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in content) and "请" in content
    assert agent.messages == []


# -- a replayed MsgId -----------------------------------------------------------------------------

@pytest.mark.parametrize("safe", [False, True], ids=["plaintext", "safe-mode"])
async def test_the_same_msgid_three_times_after_completion_runs_the_agent_once(serve, safe):
    agent = StubAgent("已为您登记，工单号 BX-20261121-0007。")
    sim = await started(serve, agent, safe=safe)
    xml = text(ALICE, "三楼楼道灯坏了", 50)
    replies = []
    for _ in range(3):
        answer = await sim.push(xml)
        assert answer.status == 200
        replies.append(sim.read(answer.body)["Content"])
    assert replies == ["已为您登记，工单号 BX-20261121-0007。"] * 3
    assert agent.texts == ["三楼楼道灯坏了"]


# -- safe mode: a tampered Encrypt ----------------------------------------------------------------

def _flip(raw: bytes, index: int) -> bytes:
    changed = bytearray(raw)
    changed[index] ^= 0x01
    return bytes(changed)


def tampered(kind: str, xml: str) -> str:
    cipher = PrpCrypto(base64.b64decode(AES_KEY + "="))
    raw = base64.b64decode(cipher.encrypt(xml, APPID))
    if kind == "last-byte":
        return base64.b64encode(_flip(raw, len(raw) - 1)).decode()
    if kind == "middle-byte":
        return base64.b64encode(_flip(raw, len(raw) // 2)).decode()
    if kind == "length-prefix":
        return base64.b64encode(_flip(raw, 0)).decode()
    if kind == "truncated":
        return base64.b64encode(raw[:-16]).decode()
    if kind == "other-appid":
        return cipher.encrypt(xml, "wx0000000000000000").decode()
    if kind == "other-key":
        return PrpCrypto(base64.b64decode("Z" * 43 + "=")).encrypt(xml, APPID).decode()
    if kind == "not-base64":
        return cipher.encrypt(xml, APPID).decode()[:-6] + "!!!!!="
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["last-byte", "middle-byte", "length-prefix", "truncated", "other-appid",
                                  "other-key", "not-base64"])
async def test_a_tampered_encrypt_with_a_valid_msg_signature_is_refused(serve, kind):
    agent = StubAgent(NORMAL_ANSWER)
    sim = await started(serve, agent, safe=True)
    body = safe_body(tampered(kind, text(ALICE, "你好", 60)))
    query = sim.query(body)  # msg_signature computed over the tampered Encrypt: it matches
    assert query["msg_signature"] == sha1_sorted(TOKEN, query["timestamp"], query["nonce"],
                                                 body.split("CDATA[")[2].split("]]>")[0])
    answer = await WeChatSim(sim.url).push(body, query=query)  # posted as is
    assert answer.status == 403
    assert "你好" not in answer.body and agent.messages == []
    await still_answers(sim, agent, 61)
