"""The WeChat channel as WeChat sees it: URL check, signatures, plaintext and safe mode, and what
each kind of push does. The blueprint runs in Sanic on loopback; a stub plays Rasa's agent.
Timing, deduplication and customer-service delivery: test_channel_delivery.py."""

from __future__ import annotations

import asyncio

import pytest

from bot.wechat.channel import ChannelOptions, WeChatInput
from bot.wechat.outbound import phrase
from tests.wechat.conftest import openid
from tests.wechat.sim import (AES_KEY, APPID, SAMPLE_BODY, SAMPLE_MSG_SIGNATURE, SAMPLE_NONCE,
                              SAMPLE_TIMESTAMP, SAMPLE_TOKEN, TOKEN, StubAgent, WeChatSim, event, message_xml,
                              sha1_sorted, text)

ALICE = openid("alice")


def channel(**options) -> WeChatInput:
    return WeChatInput(TOKEN, options=ChannelOptions(customer_service=False, **options))


async def started(serve, agent: StubAgent, **options) -> WeChatSim:
    return WeChatSim(await serve(channel(**options), agent))


# -- URL check and signatures -------------------------------------------------------------------

async def test_url_check_echoes_echostr_when_signed(serve):
    sim = await started(serve, StubAgent())
    query = {**sim.query(""), "echostr": "4873946273946"}
    answer = await sim.get(query)
    assert (answer.status, answer.body) == (200, "4873946273946")


async def test_url_check_with_the_documented_signature(serve):
    """Token AAAAA, timestamp 1714037059, nonce 486452656 -> 899cf89e… (WeChat's docs)."""
    sim = WeChatSim(await serve(WeChatInput("AAAAA"), StubAgent()), token="AAAAA")
    answer = await sim.get({"signature": "899cf89e464efb63f54ddac96b0a0a235f53aa78",
                            "timestamp": "1714037059", "nonce": "486452656", "echostr": "hello"})
    assert (answer.status, answer.body) == (200, "hello")


async def test_url_check_is_plain_in_safe_mode(serve):
    sim = WeChatSim(await serve(WeChatInput(TOKEN, AES_KEY, APPID), StubAgent()), aes_key=AES_KEY)
    answer = await sim.get({"signature": sha1_sorted(TOKEN, "1", "2"), "timestamp": "1", "nonce": "2",
                            "echostr": "plain-echo"})
    assert (answer.status, answer.body) == (200, "plain-echo")


@pytest.mark.parametrize("change", [{"signature": "0" * 40}, {"timestamp": "999"}, {"signature": None}])
async def test_url_check_with_a_bad_signature_is_refused(serve, change):
    sim = await started(serve, StubAgent())
    query = {**sim.query(""), "echostr": "x", **change}
    answer = await sim.get({k: v for k, v in query.items() if v is not None})
    assert answer.status == 403 and "x" not in answer.body


async def test_a_push_with_a_bad_signature_is_refused_unprocessed(serve):
    agent = StubAgent("不该出现")
    sim = await started(serve, agent)
    xml = text(ALICE, "你好", 1)
    answer = await sim.push(xml, query={**sim.query(xml), "signature": sha1_sorted("wrong", "1", "2")})
    assert answer.status == 403
    assert agent.messages == []


async def test_a_safe_mode_push_with_a_bad_msg_signature_is_refused(serve):
    agent = StubAgent("不该出现")
    sim = WeChatSim(await serve(WeChatInput(TOKEN, AES_KEY, APPID), agent), aes_key=AES_KEY)
    xml = text(ALICE, "你好", 2)
    query = {**sim.query(sim.seal(xml)), "msg_signature": "0" * 40}
    answer = await sim.push(xml, query=query)
    assert answer.status == 403 and agent.messages == []


async def test_a_channel_without_token_refuses_everything(serve):
    agent = StubAgent("不该出现")
    sim = WeChatSim(await serve(WeChatInput(""), agent), token="")
    assert (await sim.push(text(ALICE, "你好", 3))).status == 403
    assert agent.messages == []


# -- plaintext and safe mode --------------------------------------------------------------------

async def test_plaintext_text_gets_the_agents_answer_as_passive_reply(serve):
    agent = StubAgent("您好，我是红管家。")
    sim = await started(serve, agent)
    answer = await sim.push(text(ALICE, "你好", 10))
    reply = sim.read(answer.body)
    assert reply["MsgType"] == "text" and reply["Content"] == "您好，我是红管家。"
    assert reply["ToUserName"] == ALICE and reply["FromUserName"] == "gh_10f6c3c3ac5a"
    message = agent.messages[0]
    assert (message.text, message.sender_id, message.input_channel) == ("你好", ALICE, "wechat")
    assert message.metadata["msg_id"] == "10"


async def test_safe_mode_round_trip(serve):
    agent = StubAgent("收到，马上为您登记。")
    sim = WeChatSim(await serve(WeChatInput(TOKEN, AES_KEY, APPID), agent), aes_key=AES_KEY)
    answer = await sim.push(text(ALICE, "厨房水管漏水", 11))
    assert "<Encrypt>" in answer.body and "马上" not in answer.body  # the reply is encrypted
    reply = sim.read(answer.body)  # decrypted, msg signature checked
    assert reply["Content"] == "收到，马上为您登记。" and reply["ToUserName"] == ALICE
    assert agent.texts == ["厨房水管漏水"]


async def test_the_official_compatible_mode_sample_decrypts(serve):
    agent = StubAgent("好的")
    url = await serve(WeChatInput(SAMPLE_TOKEN, AES_KEY, APPID), agent)
    sim = WeChatSim(url, token=SAMPLE_TOKEN, aes_key=AES_KEY)
    query = {"signature": sha1_sorted(SAMPLE_TOKEN, SAMPLE_TIMESTAMP, SAMPLE_NONCE),
             "timestamp": SAMPLE_TIMESTAMP, "nonce": SAMPLE_NONCE, "encrypt_type": "aes",
             "msg_signature": SAMPLE_MSG_SIGNATURE}
    answer = await WeChatSim(url, token=SAMPLE_TOKEN).push(SAMPLE_BODY, query=query)  # sent as is
    assert answer.status == 200
    message = agent.messages[0]
    assert (message.text, message.sender_id) == ("abcdteT", "oyORnuP8q7ou2gfYjqLzSIWZf0rs")
    assert message.metadata["msg_id"] == "6054768590064713728"
    assert sim.read(answer.body)["Content"] == "好的"


# -- kinds of pushes ----------------------------------------------------------------------------

async def test_a_leading_slash_reaches_the_agent_escaped(serve):
    agent = StubAgent("好的")
    sim = await started(serve, agent)
    await sim.push(text(ALICE, '  /repair{"building":"3"}', 20))
    assert agent.texts == ['／repair{"building":"3"}']
    assert not agent.texts[0].startswith("/")


async def test_voice_with_recognition_goes_to_the_agent(serve):
    agent = StubAgent("好的")
    sim = await started(serve, agent)
    xml = message_xml(ALICE, "voice", {"MediaId": "m1", "Format": "amr", "Recognition": "电梯坏了。"}, msg_id=21)
    await sim.push(xml)
    assert agent.texts == ["电梯坏了。"]


async def test_voice_without_recognition_asks_to_type(serve):
    agent = StubAgent("不该出现")
    sim = await started(serve, agent)
    xml = message_xml(ALICE, "voice", {"MediaId": "m1", "Format": "amr", "Recognition": ""}, msg_id=22)
    reply = sim.read((await sim.push(xml)).body)
    assert reply["Content"] == phrase("voice_unrecognised") and "打字" in reply["Content"]
    assert agent.messages == []


async def test_subscribe_is_welcomed_and_asked_for_the_address(serve):
    agent = StubAgent("不该出现")
    sim = await started(serve, agent)
    reply = sim.read((await sim.push(event(ALICE, "subscribe"))).body)
    assert reply["Content"] == phrase("welcome") and "地址" in reply["Content"]
    assert agent.messages == []


async def test_a_new_follower_becomes_a_resident_who_gets_the_reception_reminders(serve, services):
    from datetime import date

    from bot.scheduler.reminders import ReminderService
    from bot.wechat.channel import _ProcessResources

    sim = WeChatSim(await serve(WeChatInput(TOKEN, options=ChannelOptions(customer_service=False),
                                            follow_sink=_ProcessResources().follow), StubAgent("不该出现")),
                    token=TOKEN)
    reply = sim.read((await sim.push(event(ALICE, "subscribe"))).body)

    assert reply["Content"] == phrase("welcome")
    report = ReminderService(services).send("demo", "residents_evening", date(2026, 12, 3), dry_run=True)
    assert [r.name for r, _ in report.queued] == [f"未登记住址（{ALICE[:12]}）"]


async def test_the_welcome_goes_out_even_if_recording_the_follower_fails(serve):
    async def broken(openid):
        raise RuntimeError("database down")

    sim = WeChatSim(await serve(WeChatInput(TOKEN, options=ChannelOptions(customer_service=False),
                                            follow_sink=broken), StubAgent("不该出现")), token=TOKEN)
    reply = sim.read((await sim.push(event(ALICE, "subscribe"))).body)
    assert reply["Content"] == phrase("welcome")


async def test_unsubscribe_gets_no_reply(serve):
    agent = StubAgent("不该出现")
    sim = await started(serve, agent)
    answer = await sim.push(event(ALICE, "unsubscribe"))
    assert (answer.status, answer.body) == (200, "success")
    assert agent.messages == []


async def test_a_menu_click_starts_its_intent(serve):
    agent = StubAgent("请描述一下要修什么。")
    sim = await started(serve, agent)
    reply = sim.read((await sim.push(event(ALICE, "CLICK", key="repair"))).body)
    assert agent.texts == ["/repair"]
    assert reply["Content"] == "请描述一下要修什么。"


async def test_an_unknown_menu_key_gets_a_polite_answer(serve):
    agent = StubAgent("不该出现")
    sim = await started(serve, agent)
    reply = sim.read((await sim.push(event(ALICE, "CLICK", key="no_such_button"))).body)
    assert reply["Content"] == phrase("unknown_menu") and agent.messages == []


async def test_a_location_passes_its_label(serve):
    agent = StubAgent("好的")
    sim = await started(serve, agent)
    fields = {"Location_X": 31.2, "Location_Y": 121.4, "Scale": 15, "Label": "红星小区3号楼"}
    await sim.push(message_xml(ALICE, "location", {k: str(v) for k, v in fields.items()}, msg_id=23))
    assert agent.texts == ["红星小区3号楼"]


async def test_other_messages_get_a_polite_answer(serve):
    agent = StubAgent("不该出现")
    sim = await started(serve, agent)
    xml = message_xml(ALICE, "link", {"Title": "t", "Description": "d", "Url": "https://x"}, msg_id=24)
    assert sim.read((await sim.push(xml)).body)["Content"] == phrase("unsupported")
    assert agent.messages == []


async def test_an_image_without_attachment_store_is_acknowledged_honestly(serve):
    sim = await started(serve, StubAgent())
    xml = message_xml(ALICE, "image", {"PicUrl": "http://mmbiz/x.jpg", "MediaId": "media-1"}, msg_id=25)
    assert sim.read((await sim.push(xml)).body)["Content"] == phrase("image_not_supported")


async def test_an_image_is_attached_to_the_open_ticket(serve):
    seen = []

    async def sink(who: str, media_id: str, url: str, key: str):
        seen.append((who, media_id, url, key))
        return "BX-20261121-0001"

    sim = WeChatSim(await serve(WeChatInput(TOKEN, image_sink=sink,
                                            options=ChannelOptions(customer_service=False)), StubAgent()))
    xml = message_xml(ALICE, "image", {"PicUrl": "http://mmbiz/x.jpg", "MediaId": "media-1"}, msg_id=26)
    reply = sim.read((await sim.push(xml)).body)
    assert reply["Content"] == phrase("image_attached", number="BX-20261121-0001")
    assert seen == [(ALICE, "media-1", "http://mmbiz/x.jpg", "msg:26")]


async def test_a_failing_agent_gets_an_apology_not_an_error_page(serve):
    sim = await started(serve, StubAgent(fail=True))
    answer = await sim.push(text(ALICE, "你好", 27))
    assert answer.status == 200 and sim.read(answer.body)["Content"] == phrase("error")


async def test_cdata_terminators_in_answers_survive(serve):
    sim = await started(serve, StubAgent("代码 a]]>b <x> & 完"))
    answer = await sim.push(text(ALICE, "你好", 28))
    assert sim.read(answer.body)["Content"] == "代码 a]]>b <x> & 完"


async def test_buttons_become_numbered_text_and_a_number_picks_one(serve):
    buttons = [{"title": "报修", "payload": "/repair"}, {"title": "快递", "payload": "/parcel"}]
    agent = StubAgent({"text": "您想办理哪一项？", "buttons": buttons})
    sim = await started(serve, agent)
    first = sim.read((await sim.push(text(ALICE, "嗯", 30))).body)
    assert first["Content"] == "您想办理哪一项？\n回复1：报修；回复2：快递"
    await sim.push(text(ALICE, "1", 31))
    assert agent.texts[-1] == "/repair"
    await sim.push(text(ALICE, "2", 32))  # buttons offered again by the stub: 2 picks the second
    assert agent.texts[-1] == "/parcel"


async def test_a_buttons_title_typed_out_picks_it(serve):
    buttons = [{"title": "好，也登记这件", "payload": "/repair"}, {"title": "不用了", "payload": "/deny"}]
    agent = StubAgent({"text": "您还提到：“楼上漏水到我家了”。这件报修也要帮您登记吗？", "buttons": buttons})
    sim = await started(serve, agent)
    await sim.push(text(ALICE, "快递丢了 楼上漏水到我家了", 33))
    await sim.push(text(ALICE, "好，也登记这件", 34))  # read as rate_ticket by the model, were it sent as text
    assert agent.texts[-1] == "/repair"
    await sim.push(text(ALICE, "好，也登记这件吧 楼上又漏了", 35))  # more than the title: the model reads it
    assert agent.texts[-1] == "好，也登记这件吧 楼上又漏了"


async def test_a_number_means_a_button_only_in_the_next_message(serve):
    buttons = [{"title": "报修", "payload": "/repair"}]
    agent = StubAgent({"text": "您想办理哪一项？", "buttons": buttons})
    sim = await started(serve, agent)
    await sim.push(text(ALICE, "嗯", 40))
    await sim.push(text(ALICE, "5", 41))  # no button 5: the number goes on as text
    assert agent.texts[-1] == "5"
    agent.replies = ["好的"]
    await sim.push(text(ALICE, "嗯", 42))
    await sim.push(text(openid("bob"), "1", 43))  # another resident's "1" is just text
    await sim.push(text(ALICE, "1", 44))  # the last answer had no buttons
    assert agent.texts[-2:] == ["1", "1"]


async def test_each_message_the_model_reads_is_counted_for_the_dashboard(serve, services):
    from sqlalchemy import select

    from bot.db.engine import transaction
    from bot.db.models import MessageCount
    from bot.wechat.channel import _ProcessResources

    sim = WeChatSim(await serve(WeChatInput(TOKEN, options=ChannelOptions(customer_service=False),
                                            count_sink=_ProcessResources().count), StubAgent("好的")), token=TOKEN)
    for i, content in enumerate(("你好", "3栋502水管漏了")):
        await sim.push(text(ALICE, content, 100 + i))
    await sim.push(event(ALICE, "subscribe"))  # not a message for the model
    await asyncio.sleep(0.3)  # counted in the background, after the answer

    with transaction(services.factory) as session:
        assert session.execute(select(MessageCount.channel, MessageCount.count)).all() == [("wechat", 2)]


async def test_messages_counted_while_a_write_is_under_way_go_into_the_next_write(services, monkeypatch):
    from sqlalchemy import select

    from bot.db.engine import transaction
    from bot.db.models import MessageCount
    from bot.services.review import ReviewService
    from bot.wechat.channel import _ProcessResources

    writes = []
    original = ReviewService.count_message
    monkeypatch.setattr(ReviewService, "count_message",
                        lambda self, channel, messages=1: writes.append(messages) or original(self, channel, messages))
    resources = _ProcessResources()
    await asyncio.gather(*(resources.count() for _ in range(25)))
    await resources.count()  # nothing under way: written at once

    assert writes == [1, 24, 1]
    with transaction(services.factory) as session:
        assert session.execute(select(MessageCount.channel, MessageCount.count)).all() == [("wechat", 26)]
