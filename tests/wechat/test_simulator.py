"""The WeChat simulator's server, in process: it pushes what WeChat pushes to a webhook on
loopback and shows what reached the fake WeChat API for one person.

The stub webhook checks signatures and decrypts with wechatpy (check_signature, WeChatCrypto),
not with the simulator's code, and answers passive replies rendered by wechatpy.
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Callable, Dict, List, Optional

import pytest
import xmltodict
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import update
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.replies import TextReply
from wechatpy.utils import check_signature

from bot import compounds
from bot.db.engine import make_engine, make_session_factory, transaction
from bot.db.models import Base, Staff
from bot.wechat import menu
from bot.wechat.channel import WeChatInput
from bot.wechat.fake_api import FakeWeChatAPI
from bot.wechat.pusher import Account
from bot.wechat.simulator import SimulatorConfig, create_app
from tests.wechat.sim import StubAgent

TOKEN = "simulator-test-token"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APPID = "wx2c2769f8efd9abc2"
ACCOUNT_ID = "gh_10f6c3c3ac5a"
ZHANG = "oSIM_zhang_ayi______________"  # a resident of simulator.yml
OTHER = "oSIM_li_xiansheng___________"
WANG = "oDEMO_wang__________________"  # the butler of building 3 in demo.yml


# -- WeChat's other side: a webhook that checks what it gets with wechatpy ----------------------------
@dataclass
class StubWebhook:
    """Answers pushes with a passive text reply (or ``answer``'s body), ``delays`` seconds late."""

    token: str = TOKEN
    aes_key: str = ""
    reply_text: str = "您好，我是红管家。"
    delays: List[float] = field(default_factory=list)
    answer: Optional[Callable[[Dict[str, Any]], str]] = None
    reply_token: Optional[str] = None  # sign the encrypted reply with another token
    pushes: List[Dict[str, Any]] = field(default_factory=list)
    refused: List[str] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        query, body = dict(request.query), await request.text()
        try:
            check_signature(self.token, query.get("signature"), query.get("timestamp"), query.get("nonce"))
            xml = self._open(query, body)
        except InvalidSignatureException:
            self.refused.append(body)
            return web.Response(status=403, text="invalid signature")
        message = xmltodict.parse(xml)["xml"]
        self.pushes.append({"query": query, "body": body, "xml": xml, "message": message})
        if self.delays:
            await asyncio.sleep(self.delays.pop(0))
        reply = self.answer(message) if self.answer else TextReply(
            message=parse_message(xml), content=self.reply_text).render()
        if query.get("encrypt_type") == "aes" and reply.startswith("<xml>"):
            crypto = WeChatCrypto(self.reply_token or self.token, self.aes_key, APPID)
            reply = crypto.encrypt_message(reply, query["nonce"])
        return web.Response(text=reply, content_type="application/xml")

    def _open(self, query: Dict[str, str], body: str) -> str:
        if query.get("encrypt_type") != "aes":
            return body
        crypto = WeChatCrypto(self.token, self.aes_key, APPID)
        return crypto.decrypt_message(body, query.get("msg_signature"), query.get("timestamp"), query.get("nonce"))


@asynccontextmanager
async def webhook_on_loopback(stub: StubWebhook) -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_post("/webhooks/wechat/webhook", stub.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield str(server.make_url("/webhooks/wechat/webhook"))
    finally:
        await server.close()


# -- the simulator ----------------------------------------------------------------------------
@pytest.fixture
def database_url(tmp_path) -> str:
    """A database with the demo compound, whose staff have openids."""
    url = f"sqlite:///{tmp_path / 'simulator.db'}"
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    with transaction(make_session_factory(engine)) as session:
        compounds.load_file(session, compounds.DEMO_FILE)
    engine.dispose()
    return url


@pytest.fixture
async def simulator(database_url, fake):
    """simulator(webhook_url, aes_key=..., timeout=...) -> a client of the simulator's app, reading
    the fake WeChat API of tests/wechat/conftest.py."""
    async with AsyncExitStack() as stack:
        async def start(webhook: str, *, aes_key: str = "", timeout: float = 5.0, token: str = TOKEN,
                        database: str = database_url) -> TestClient:
            config = SimulatorConfig(webhook, fake.url, Account(token, APPID, aes_key, ACCOUNT_ID),
                                     database, "demo", timeout=timeout)
            return await stack.enter_async_context(TestClient(TestServer(create_app(config), host="127.0.0.1")))

        yield start


@pytest.fixture
async def started(simulator):
    """(stub, client) for a plaintext-mode stub webhook and a simulator pushing to it."""
    stub = StubWebhook()
    async with webhook_on_loopback(stub) as url:
        yield stub, await simulator(url)


async def send(client: TestClient, **payload) -> Dict[str, Any]:
    response = await client.post("/api/send", json=payload)
    assert response.status == 200, await response.text()
    return await response.json()


# -- sending ----------------------------------------------------------------------------------
async def test_a_text_is_pushed_signed_as_wechat_pushes_it_and_the_passive_reply_comes_back(started):
    stub, client = started
    before = int(time.time())

    answer = await send(client, openid=ZHANG, kind="text", text="3栋2单元502厨房水管漏水了")

    assert (answer["outcome"], answer["attempts"], answer["reply"]) == (
        "reply", 1, {"type": "text", "text": "您好，我是红管家。"})
    [push] = stub.pushes
    assert push["body"] == push["xml"]  # plaintext mode
    assert set(push["query"]) == {"signature", "timestamp", "nonce", "openid"}
    assert push["query"]["openid"] == ZHANG
    message = push["message"]
    assert {k: message[k] for k in ("ToUserName", "FromUserName", "MsgType", "Content")} == {
        "ToUserName": ACCOUNT_ID, "FromUserName": ZHANG, "MsgType": "text", "Content": "3栋2单元502厨房水管漏水了"}
    assert before <= int(message["CreateTime"]) <= time.time()
    assert message["MsgId"].isdigit() and len(message["MsgId"]) >= 16
    assert answer["request_xml"] == push["xml"] and answer["encrypted"] is False


async def test_in_safe_mode_the_push_is_encrypted_and_the_encrypted_reply_is_read(simulator):
    stub = StubWebhook(aes_key=AES_KEY)
    async with webhook_on_loopback(stub) as url:
        client = await simulator(url, aes_key=AES_KEY)
        answer = await send(client, openid=ZHANG, kind="text", text="明天上午")

    assert (answer["outcome"], answer["reply"]["text"], answer["encrypted"]) == ("reply", "您好，我是红管家。", True)
    [push] = stub.pushes
    assert push["query"]["encrypt_type"] == "aes" and push["query"]["msg_signature"]
    envelope = xmltodict.parse(push["body"])["xml"]
    assert set(envelope) == {"ToUserName", "Encrypt"} and "明天上午" not in push["body"]
    assert push["message"]["Content"] == "明天上午"
    assert "<MsgType><![CDATA[text]]></MsgType>" in answer["reply_xml"]


async def test_menu_clicks_and_subscribing_are_events_without_msgid(started):
    stub, client = started
    key = next(menu.click_buttons())["key"]

    for payload in ({"kind": "click", "key": key}, {"kind": "click", "key": key}, {"kind": "subscribe"}):
        assert (await send(client, openid=ZHANG, **payload))["outcome"] == "reply"

    messages = [push["message"] for push in stub.pushes]
    assert [(m["MsgType"], m["Event"], m.get("EventKey")) for m in messages] == [
        ("event", "CLICK", key), ("event", "CLICK", key), ("event", "subscribe", None)]
    assert not any("MsgId" in m for m in messages)
    times = [int(m["CreateTime"]) for m in messages]  # same second: not to be taken for retries
    assert len(set(times)) == 3


@pytest.mark.parametrize("payload, problem", [
    ({"openid": "short", "kind": "text", "text": "你好"}, "openid"),
    ({"openid": ZHANG, "kind": "text", "text": "  "}, "text"),
    ({"openid": ZHANG, "kind": "text", "text": "长" * 2001}, "text"),
    ({"openid": ZHANG, "kind": "click", "key": "not_in_the_menu"}, "key"),
    ({"openid": ZHANG, "kind": "voice"}, "kind"),
])
async def test_what_wechat_could_not_send_is_refused(started, payload, problem):
    stub, client = started
    response = await client.post("/api/send", json=payload)
    assert response.status == 400
    assert (await response.json())["error"].startswith(problem)
    assert stub.pushes == []


async def test_a_form_post_from_another_page_is_refused(started):
    stub, client = started
    response = await client.post("/api/send", data={"openid": ZHANG, "kind": "text", "text": "你好"})
    assert response.status == 400 and stub.pushes == []


async def test_a_slow_webhook_gets_the_same_push_again_like_wechat_retries(simulator):
    stub = StubWebhook(delays=[1.0, 1.0])  # the third try answers at once
    async with webhook_on_loopback(stub) as url:
        client = await simulator(url, timeout=0.3)
        answer = await send(client, openid=ZHANG, kind="text", text="我要报修")

    assert (answer["outcome"], answer["attempts"]) == ("reply", 3)
    assert len(stub.pushes) == 3
    assert len({push["message"]["MsgId"] for push in stub.pushes}) == 1
    assert len({push["body"] for push in stub.pushes}) == 1


async def test_three_tries_without_an_answer_and_wechat_gives_up(simulator):
    stub = StubWebhook(delays=[1.0, 1.0, 1.0])
    async with webhook_on_loopback(stub) as url:
        client = await simulator(url, timeout=0.3)
        answer = await send(client, openid=ZHANG, kind="text", text="我要报修")

    assert (answer["outcome"], answer["attempts"], answer["reply"]) == ("no_answer", 3, None)
    assert len(stub.pushes) == 3


@pytest.mark.parametrize("body, outcome", [("success", "success"), ("", "empty"), ("not xml", "unreadable")])
async def test_replies_that_are_not_messages(simulator, body, outcome):
    stub = StubWebhook(answer=lambda _message: body)
    async with webhook_on_loopback(stub) as url:
        client = await simulator(url)
        answer = await send(client, openid=ZHANG, kind="text", text="你好")
    assert (answer["outcome"], answer["reply"]) == (outcome, None)


async def test_a_wrong_token_is_refused_by_the_webhook(simulator):
    stub = StubWebhook()
    async with webhook_on_loopback(stub) as url:
        client = await simulator(url, token="another-token")
        answer = await send(client, openid=ZHANG, kind="text", text="你好")
    assert (answer["outcome"], answer["status"]) == ("refused", 403)
    assert stub.pushes == [] and len(stub.refused) == 1


async def test_in_safe_mode_a_reply_signed_with_another_token_is_unreadable(simulator):
    stub = StubWebhook(aes_key=AES_KEY, reply_token="not-the-token")
    async with webhook_on_loopback(stub) as url:
        client = await simulator(url, aes_key=AES_KEY)
        answer = await send(client, openid=ZHANG, kind="text", text="你好")
    assert answer["outcome"] == "unreadable" and "InvalidSignature" in answer["detail"]


async def test_the_real_channel_answers_the_simulator_in_safe_mode(simulator, serve):
    agent = StubAgent("好的，请问师傅什么时间上门方便？")
    url = await serve(WeChatInput(TOKEN, AES_KEY, APPID), agent)
    client = await simulator(url, aes_key=AES_KEY)

    typed = await send(client, openid=ZHANG, kind="text", text="3栋2单元502厨房水管漏水了")
    clicked = await send(client, openid=ZHANG, kind="click", key="repair")

    assert (typed["outcome"], typed["reply"]["text"]) == ("reply", "好的，请问师傅什么时间上门方便？")
    assert clicked["outcome"] == "reply"
    assert agent.texts == ["3栋2单元502厨房水管漏水了", "/repair"]
    assert [m.sender_id for m in agent.messages] == [ZHANG, ZHANG]


# -- the inbox --------------------------------------------------------------------------------
def post_to_fake(fake: FakeWeChatAPI, path: str, body: Dict[str, Any]) -> None:
    """What the notifier does: a token, then a send, over HTTP."""
    with urllib.request.urlopen(f"{fake.url}/cgi-bin/token?grant_type=client_credential&appid={fake.appid}"
                                f"&secret={fake.secret}") as response:
        token = json.loads(response.read())["access_token"]
    request = urllib.request.Request(f"{fake.url}{path}?access_token={token}",
                                     data=json.dumps(body, ensure_ascii=False).encode("utf-8"))
    with urllib.request.urlopen(request) as response:
        assert json.loads(response.read())["errcode"] == 0


def text_to(openid: str, content: str) -> Dict[str, Any]:
    return {"touser": openid, "msgtype": "text", "text": {"content": content}}


def template_to(openid: str, number: str) -> Dict[str, Any]:
    return {"touser": openid, "template_id": "TPL_STAFF_TICKET", "url": f"https://console.example/{number}",
            "data": {"character_string1": {"value": number}, "thing2": {"value": "新工单待接单"},
                     "thing3": {"value": "3栋2单元502"}, "time4": {"value": "2026-11-21 10:30"}}}


async def inbox(client: TestClient, openid: str, since: float = 0) -> Dict[str, Any]:
    response = await client.get("/api/inbox", params={"openid": openid, "since": str(since)})
    assert response.status == 200, await response.text()
    return await response.json()


async def test_the_inbox_shows_what_the_fake_api_received_for_that_person_only(started, fake):
    _stub, client = started
    post_to_fake(fake, "/cgi-bin/message/custom/send", text_to(ZHANG, "您的工单已登记。"))
    post_to_fake(fake, "/cgi-bin/message/template/send", template_to(WANG, "BX20261121001"))
    post_to_fake(fake, "/cgi-bin/message/custom/send", text_to(OTHER, "别人的消息"))

    zhang = await inbox(client, ZHANG)
    assert [(m["kind"], m["text"]) for m in zhang["messages"]] == [("customer_service", "您的工单已登记。")]

    wang = await inbox(client, WANG)
    [card] = wang["messages"]
    assert (card["kind"], card["template_id"], card["url"]) == (
        "template", "TPL_STAFF_TICKET", "https://console.example/BX20261121001")
    assert card["text"] == "编号：BX20261121001\n事项：新工单待接单\n事项：3栋2单元502\n时间：2026-11-21 10:30"
    assert [f["key"] for f in card["fields"]] == ["character_string1", "thing2", "thing3", "time4"]


async def test_the_inbox_gives_only_what_came_after_since(started, fake):
    _stub, client = started
    post_to_fake(fake, "/cgi-bin/message/custom/send", text_to(ZHANG, "第一条"))
    first = await inbox(client, ZHANG)
    assert (await inbox(client, ZHANG, first["latest"]))["messages"] == []

    post_to_fake(fake, "/cgi-bin/message/custom/send", text_to(ZHANG, "第二条"))
    later = await inbox(client, ZHANG, first["latest"])
    assert [m["text"] for m in later["messages"]] == ["第二条"] and later["latest"] > first["latest"]


async def test_the_inbox_says_so_when_the_fake_api_is_down(started, fake):
    _stub, client = started
    fake.stop()
    response = await client.get("/api/inbox", params={"openid": ZHANG})
    assert response.status == 502 and "fake WeChat API" in (await response.json())["error"]


# -- people and the page ------------------------------------------------------------------------
async def test_people_are_the_listed_residents_and_the_staff_with_an_openid(started, database_url):
    _stub, client = started
    with transaction(make_session_factory(make_engine(database_url))) as session:
        session.execute(update(Staff).where(Staff.code == "zhou").values(openid=None))
        session.execute(update(Staff).where(Staff.code == "jin").values(active=False))

    people = (await (await client.get("/api/people")).json())
    residents = [p for p in people["people"] if p["kind"] == "resident"]
    staff = {p["openid"]: p["label"] for p in people["people"] if p["kind"] == "staff"}

    assert people["problem"] == ""
    assert residents[0] == {"openid": ZHANG, "kind": "resident", "name": "张阿姨", "label": "居民 张阿姨（3栋2单元502）"}
    assert all(len(p["openid"]) == 28 for p in residents)
    assert staff[WANG] == "楼栋红管家 王秀英（3栋）"
    assert staff["oDEMO_liu___________________"] == "楼栋红管家 刘建华（1栋、2栋）"
    assert staff["oDEMO_mediation_____________"] == "党员调解室"
    assert staff["oDEMO_zhao__________________"] == "值班物业经理 赵志刚"
    assert "oDEMO_zhou__________________" not in staff and "oDEMO_jin___________________" not in staff


async def test_people_without_a_database_are_the_residents(simulator, tmp_path):
    client = await simulator("http://127.0.0.1:9/webhooks/wechat/webhook",
                             database=f"sqlite:///{tmp_path / 'empty.db'}")
    people = await (await client.get("/api/people")).json()
    assert {p["kind"] for p in people["people"]} == {"resident"}
    assert people["problem"].startswith("staff unavailable")


async def test_the_page_its_menu_and_no_secret_in_the_browser(simulator):
    stub = StubWebhook(aes_key=AES_KEY)
    async with webhook_on_loopback(stub) as url:
        client = await simulator(url, aes_key=AES_KEY)
        bodies = {}
        for path in ("/", "/static/simulator.js", "/static/simulator.css", "/api/people", "/api/menu", "/health"):
            response = await client.get(path)
            assert response.status == 200, path
            bodies[path] = await response.text()
        missing = await client.get("/static/simulator.yml")

    assert "红管家" in bodies["/"] and 'src="/static/simulator.js"' in bodies["/"]
    assert json.loads(bodies["/api/menu"]) == menu.menu()
    assert json.loads(bodies["/health"]) == {"status": "ok"}
    assert not any(TOKEN in body or AES_KEY in body for body in bodies.values())
    assert missing.status == 404
