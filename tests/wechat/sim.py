"""WeChat's side of the webhook, for the channel tests: the XML WeChat pushes, signed (and in
safe mode encrypted) the way WeChat does it, posted over real HTTP to the channel's blueprint
served by Sanic on loopback; and a stub for Rasa's agent.

Signatures here are computed with hashlib, not with the code under test.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import socket
import time
import uuid
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, AsyncIterator, Callable, Dict, List, Optional, Union

import aiohttp
import xmltodict
from rasa.core.channels.channel import UserMessage
from sanic import Sanic
from wechatpy.crypto import PrpCrypto, WeChatCrypto

ACCOUNT = "gh_10f6c3c3ac5a"
TOKEN = "test-token"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APPID = "wx2c2769f8efd9abc2"

# WeChat's Python sample (compatible mode): decrypts to Content "abcdteT", MsgId 6054768590064713728.
SAMPLE_TOKEN, SAMPLE_TIMESTAMP, SAMPLE_NONCE = "spamtest", "1409735669", "1320562132"
SAMPLE_MSG_SIGNATURE = "5d197aaffba7e9b25a30732f161a50dee96bd5fa"
SAMPLE_ENCRYPT = (
    "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHF"
    "VAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVt"
    "icbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0Vxp"
    "Ae+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcp"
    "CumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=")
SAMPLE_BODY = ("<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>"
               f"<Encrypt><![CDATA[{SAMPLE_ENCRYPT}]]></Encrypt></xml>")


def sha1_sorted(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def cdata(value: str) -> str:
    return f"<![CDATA[{value}]]>"


def message_xml(openid: str, msg_type: str, fields: Dict[str, Any], *, msg_id: Optional[int],
                create_time: Optional[int] = None) -> str:
    """A push as WeChat sends it (events have no MsgId)."""
    body = "".join(f"<{k}>{v if isinstance(v, int) else cdata(str(v))}</{k}>" for k, v in fields.items())
    msg = f"<MsgId>{msg_id}</MsgId>" if msg_id is not None else ""
    return (f"<xml><ToUserName>{cdata(ACCOUNT)}</ToUserName><FromUserName>{cdata(openid)}</FromUserName>"
            f"<CreateTime>{create_time or int(time.time())}</CreateTime><MsgType>{cdata(msg_type)}</MsgType>"
            f"{body}{msg}</xml>")


def text(openid: str, content: str, msg_id: int) -> str:
    return message_xml(openid, "text", {"Content": content}, msg_id=msg_id)


def event(openid: str, name: str, key: str = "", create_time: Optional[int] = None) -> str:
    fields = {"Event": name, **({"EventKey": key} if key else {})}
    return message_xml(openid, "event", fields, msg_id=None, create_time=create_time)


@dataclass
class Pushed:
    status: Optional[int]  # None: WeChat hung up before the answer (timeout)
    body: str = ""


class WeChatSim:
    """Pushes messages to the channel like WeChat's servers, in plaintext or safe mode."""

    def __init__(self, url: str, token: str = TOKEN, *, aes_key: str = "", appid: str = APPID) -> None:
        self.url, self.token, self.aes_key, self.appid = url, token, aes_key, appid

    def query(self, body: str, *, timestamp: Optional[str] = None,
              nonce: Optional[str] = None) -> Dict[str, str]:
        timestamp = timestamp or str(int(time.time()))
        nonce = nonce or uuid.uuid4().hex[:10]
        query = {"signature": sha1_sorted(self.token, timestamp, nonce), "timestamp": timestamp,
                 "nonce": nonce, "openid": "ignored-by-the-channel"}
        if self.aes_key:
            encrypt = xmltodict.parse(body)["xml"]["Encrypt"]
            query.update(encrypt_type="aes", msg_signature=sha1_sorted(self.token, timestamp, nonce, encrypt))
        return query

    def seal(self, xml: str) -> str:
        """Safe mode: the push's XML encrypted, as WeChat's Encrypt element."""
        if not self.aes_key:
            return xml
        encrypt = PrpCrypto(base64.b64decode(self.aes_key + "=")).encrypt(xml, self.appid).decode()
        return f"<xml><ToUserName>{cdata(ACCOUNT)}</ToUserName><Encrypt>{cdata(encrypt)}</Encrypt></xml>"

    async def push(self, xml: str, *, timeout: float = 10.0,
                   query: Optional[Dict[str, str]] = None) -> Pushed:
        """POST one push; ``timeout`` is when WeChat hangs up (5 s in production)."""
        body = self.seal(xml)
        params = query if query is not None else self.query(body)
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session:
            try:
                async with session.post(self.url, params=params, data=body.encode("utf-8")) as response:
                    return Pushed(response.status, await response.text())
            except asyncio.TimeoutError:
                return Pushed(None)

    async def get(self, params: Dict[str, str]) -> Pushed:
        async with aiohttp.ClientSession() as session:
            async with session.get(self.url, params=params) as response:
                return Pushed(response.status, await response.text())

    def read(self, body: str) -> Dict[str, Any]:
        """The passive reply as a dict (decrypted and its signature checked in safe mode)."""
        reply = xmltodict.parse(body)["xml"]
        if not self.aes_key:
            return reply
        crypto = WeChatCrypto(self.token, self.aes_key, self.appid)
        plain = crypto.decrypt_message(body, reply["MsgSignature"], reply["TimeStamp"], reply["Nonce"])
        return xmltodict.parse(plain)["xml"]


Reply = Union[str, Dict[str, Any]]


class StubAgent:
    """Plays Rasa's agent (``on_new_message``): records each UserMessage and answers through its
    output channel, after ``delay`` seconds. ``blocking`` holds the event loop as Rasa's NLU and
    policy graphs do (they run synchronously on it): that many seconds in each of ``steps``
    stretches, with a turn of the loop between them."""

    def __init__(self, *replies: Reply, delay: float = 0.0, fail: bool = False,
                 blocking: float = 0.0, steps: int = 1) -> None:
        self.replies: List[Reply] = list(replies)
        self.delay = delay
        self.fail = fail
        self.blocking, self.steps = blocking, steps
        self.messages: List[UserMessage] = []

    @property
    def texts(self) -> List[str]:
        return [m.text for m in self.messages]

    async def __call__(self, message: UserMessage) -> None:
        self.messages.append(message)
        if self.delay:
            await asyncio.sleep(self.delay)
        for _ in range(self.steps if self.blocking else 0):
            time.sleep(self.blocking)
            await asyncio.sleep(0)
        if self.fail:
            raise RuntimeError("the agent broke")
        for reply in self.replies:
            payload = {"text": reply} if isinstance(reply, str) else dict(reply)
            await message.output_channel.send_response(message.sender_id, payload)


@asynccontextmanager
async def serving(setup: Callable[[Sanic], None]) -> AsyncIterator[str]:
    """A Sanic app prepared by ``setup`` (e.g. mounting the channel's blueprint under
    /webhooks/wechat, as Rasa does), on a free loopback port; yields the webhook URL."""
    Sanic.test_mode = True  # as sanic-testing sets it: several apps in one process
    app = Sanic(f"wechat_test_{uuid.uuid4().hex[:12]}", configure_logging=False)
    setup(app)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = await app.create_server(sock=sock, return_asyncio_server=True, access_log=False)
    await server.startup()
    await server.after_start()
    try:
        yield f"http://127.0.0.1:{port}/webhooks/wechat/webhook"
    finally:
        await server.before_stop()
        await server.close()
        for connection in list(server.connections):
            connection.close_if_idle()
        await server.after_stop()
        Sanic._app_registry.pop(app.name, None)
