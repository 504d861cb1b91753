"""WeChat's side of the webhook, for the simulator: the XML WeChat pushes when a user writes or
taps the menu, signed with the token (and encrypted in safe mode), posted the way WeChat posts
it, and the passive reply read back as WeChat reads it.

WeChat waits 5 s for an answer, then pushes the same message again: three tries in all. The
reply ``success`` or an empty body means "nothing to show"; any other reply that is not valid
XML (in safe mode: not encrypted and signed with the token) shows the user
"该公众号暂时无法提供服务".
"""

from __future__ import annotations

import asyncio
import base64
import struct
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Optional, Tuple
from xml.parsers.expat import ExpatError

import aiohttp
import xmltodict
from wechatpy.crypto import PrpCrypto, WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException

from bot.wechat.security import AES_KEY_LENGTH, sign

WECHAT_TIMEOUT_SECONDS = 5.0
WECHAT_TRIES = 3
DEFAULT_ORIGINAL_ID = "gh_fake00000001"  # a made-up 原始ID, shaped like WeChat's


@dataclass(frozen=True)
class Account:
    """The official account as WeChat knows it: what it signs and encrypts pushes with."""

    token: str
    appid: str
    aes_key: str = ""  # EncodingAESKey (43 characters): safe mode; empty: plaintext mode
    original_id: str = DEFAULT_ORIGINAL_ID  # 原始ID, the ToUserName of every push

    def __post_init__(self) -> None:
        if not self.token:
            raise ValueError("the token is required: WeChat signs every push with it")
        if self.aes_key and len(self.aes_key) != AES_KEY_LENGTH:
            raise ValueError(f"the EncodingAESKey has {AES_KEY_LENGTH} characters, not {len(self.aes_key)}")
        if self.aes_key and not self.appid:
            raise ValueError("safe mode (an EncodingAESKey) needs the appid")

    @property
    def encrypted(self) -> bool:
        return bool(self.aes_key)


@dataclass(frozen=True)
class Delivery:
    """How one push went. outcome: reply (text in ``reply``) | success | empty (nothing to
    show) | no_answer (every try timed out or could not connect) | refused (an HTTP error) |
    unreadable (WeChat would show "该公众号暂时无法提供服务")."""

    outcome: str
    attempts: int
    status: Optional[int] = None
    reply: Optional[Dict[str, str]] = None  # {"type": "text", "text": ...}
    detail: str = ""
    reply_xml: str = ""  # the passive reply, decrypted

    def as_json(self) -> Dict[str, Any]:
        return {"outcome": self.outcome, "attempts": self.attempts, "status": self.status,
                "reply": self.reply, "detail": self.detail, "reply_xml": self.reply_xml}


@dataclass(frozen=True)
class Push:
    """One message from a user, as XML, with its sender."""

    openid: str
    xml: str
    fields: Dict[str, Any] = field(default_factory=dict)


# -- the XML WeChat sends (接收普通消息 / 接收事件推送) ------------------------------------------
def cdata(value: str) -> str:
    """A CDATA section; a "]]>" inside is split over two sections, as XML requires."""
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _xml(account: Account, openid: str, create_time: int, msg_type: str, fields: Mapping[str, Any]) -> Push:
    head = {"ToUserName": account.original_id, "FromUserName": openid, "CreateTime": create_time,
            "MsgType": msg_type}
    elements = {**head, **fields}
    body = "".join(f"<{name}>{value if isinstance(value, int) else cdata(str(value))}</{name}>"
                   for name, value in elements.items())
    return Push(openid, f"<xml>{body}</xml>", elements)


def text_message(account: Account, openid: str, content: str, *, msg_id: int,
                 create_time: Optional[int] = None) -> Push:
    return _xml(account, openid, create_time or int(time.time()), "text",
                {"Content": content, "MsgId": msg_id})


def event(account: Account, openid: str, name: str, key: Optional[str] = None, *,
          create_time: Optional[int] = None) -> Push:
    """An event push (no MsgId: the channel tells retries apart by FromUserName + CreateTime)."""
    fields: Dict[str, Any] = {"Event": name}
    if key is not None:
        fields["EventKey"] = key
    return _xml(account, openid, create_time or int(time.time()), "event", fields)


# -- signing and sealing (消息加解密说明) ------------------------------------------------------
def seal(account: Account, push: Push, *, timestamp: Optional[str] = None,
         nonce: Optional[str] = None) -> Tuple[str, Dict[str, str]]:
    """The body and query string of the POST: signed; in safe mode encrypted, with msg_signature."""
    timestamp = timestamp or str(int(time.time()))
    nonce = nonce or str(uuid.uuid4().int % 10**10)
    query = {"signature": sign(account.token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce,
             "openid": push.openid}
    if not account.encrypted:
        return push.xml, query
    key = base64.b64decode(account.aes_key + "=")
    encrypt = PrpCrypto(key).encrypt(push.xml, account.appid).decode("ascii")
    body = f"<xml><ToUserName>{cdata(account.original_id)}</ToUserName><Encrypt>{cdata(encrypt)}</Encrypt></xml>"
    query.update(encrypt_type="aes", msg_signature=sign(account.token, timestamp, nonce, encrypt))
    return body, query


# -- posting, as WeChat does ------------------------------------------------------------------
async def deliver(session: aiohttp.ClientSession, url: str, account: Account, push: Push, *,
                  timeout: float = WECHAT_TIMEOUT_SECONDS, tries: int = WECHAT_TRIES) -> Delivery:
    """POST the push; when no answer comes within ``timeout``, push the same request again, up
    to ``tries`` times. The passive reply, read as WeChat reads it."""
    body, query = seal(account, push)
    problem = ""
    for attempt in range(1, tries + 1):
        try:
            async with session.post(url, params=query, data=body.encode("utf-8"),
                                    headers={"Content-Type": "text/xml"},
                                    timeout=aiohttp.ClientTimeout(total=timeout)) as response:
                text = await response.text(encoding="utf-8", errors="replace")
                if response.status != 200:
                    return Delivery("refused", attempt, response.status, detail=text[:300])
                return read_reply(account, push.openid, text, attempts=attempt)
        except asyncio.TimeoutError:
            problem = f"no answer within {timeout:g} s"
        except aiohttp.ClientError as error:
            problem = f"{type(error).__name__}: {error}"
    return Delivery("no_answer", tries, detail=problem)


def read_reply(account: Account, openid: str, body: str, *, attempts: int = 1) -> Delivery:
    """The passive reply, decrypted and its signature checked in safe mode."""
    if body.strip() in ("", "success"):
        return Delivery("success" if body.strip() else "empty", attempts, 200)
    try:
        xml = _open_reply(account, body)
        reply = xmltodict.parse(xml)["xml"]
    except (ValueError, KeyError, TypeError, AttributeError, ExpatError, struct.error,
            InvalidSignatureException, InvalidAppIdException) as error:
        return Delivery("unreadable", attempts, 200, detail=f"{type(error).__name__}: {error} {body[:200]!r}")
    if not isinstance(reply, dict) or reply.get("ToUserName") != openid:
        return Delivery("unreadable", attempts, 200, detail="the reply is not addressed to the sender",
                        reply_xml=xml)
    return Delivery("reply", attempts, 200, reply=_content(reply), reply_xml=xml)


def _open_reply(account: Account, body: str) -> str:
    if not account.encrypted:
        return body
    envelope = xmltodict.parse(body)["xml"]
    if "Encrypt" not in envelope:
        raise ValueError("safe mode: the reply is not encrypted")
    crypto = WeChatCrypto(account.token, account.aes_key, account.appid)
    return crypto.decrypt_message(body, envelope.get("MsgSignature"), envelope.get("TimeStamp"),
                                  envelope.get("Nonce"))


def _content(reply: Dict[str, Any]) -> Dict[str, str]:
    kind = str(reply.get("MsgType") or "")
    if kind == "text":
        return {"type": "text", "text": str(reply.get("Content") or "")}
    if kind == "news":
        items = (reply.get("Articles") or {}).get("item") or []
        items = items if isinstance(items, list) else [items]
        return {"type": "news", "text": "\n".join(str(item.get("Title") or "") for item in items)}
    return {"type": kind, "text": f"[{kind}]"}
