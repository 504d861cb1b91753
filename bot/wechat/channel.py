"""The Rasa input channel of the official account: WeChat pushes residents' messages to
``/webhooks/wechat/webhook`` and reads the answer from the HTTP reply (被动回复).

credentials.yml::

    bot.wechat.channel.WeChatInput:
      token: ${WECHAT_TOKEN}
      encoding_aes_key: ${WECHAT_ENCODING_AES_KEY}   # empty: plaintext mode only
      appid: ${WECHAT_APPID}

Timing. WeChat waits 5 s for the reply, then tries again (three tries in all). Each push gets
one task (bot.wechat.inbox: retries join it, it runs once). If its answer is ready within
``reply_budget_seconds`` (4 s), the first message of it is the passive reply and the rest go
by customer-service messages. If not, the reply is ``success`` (WeChat then stops retrying)
and the whole answer goes by customer-service messages when ready (a send that timed out or
met WeChat's "system busy" is tried again: bot.wechat.customer_service). At most
``concurrent_answers`` (4) answers are computed at once (bot.wechat.gate): Rasa's graphs hold
the event loop, and without a bound a burst of pushes delayed every reply past WeChat's 5 s.
Without the customer-service API (48001, or ``customer_service: false``) ``success`` would lose
the answer: the channel stays quiet instead, WeChat hangs up and retries, and the retry gets the
answer; on the last try it says it is still working, and the answer goes out with the reply to
the resident's next message.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from dataclasses import replace
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Set

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.orm import sessionmaker
from wechatpy import WeChatClient, parse_message
from wechatpy.messages import BaseMessage

from bot.wechat import menu
from bot.wechat.attachments import DbImageSink, ImageSink
from bot.wechat.channel_options import ChannelOptions
from bot.wechat.config import WeChatConfig
from bot.wechat.customer_service import ClientFactory, CustomerService
from bot.wechat.gate import Gate
from bot.wechat.inbound import (AskAgent, Answer, AttachImage, IntentForKey, Silent, Step, Welcome, dedupe_key,
                                escape_command, route)
from bot.wechat.inbox import Chunks, Entry, Inbox, wait_for

FollowSink = Callable[[str], Awaitable[None]]  # a new follower's openid: record them as a resident
CountSink = Callable[[], Awaitable[None]]  # one more resident message for the model to read
from bot.wechat.outbound import ButtonMemory, bot_texts, pack, phrase, render_text_reply
from bot.wechat.owed import OwedStore
from bot.wechat.security import SignatureError, WeChatCodec

MAX_BODY_BYTES = 64 * 1024
logger = logging.getLogger(__name__)

SUCCESS = "success"  # WeChat's "no reply, do not retry"
OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


class _ProcessResources:
    """The database and WeChat client of the Rasa process, built on first use (never at import)."""

    def __init__(self) -> None:
        self._factory: Optional[sessionmaker] = None
        self._uncounted = 0  # messages not yet written by count()
        self._counting = False

    def session_factory(self) -> sessionmaker:
        if self._factory is None:
            from bot import settings
            from bot.db.engine import make_engine, make_session_factory
            self._factory = make_session_factory(make_engine(settings.get().database_url))
        return self._factory

    @staticmethod
    def config() -> WeChatConfig:
        from bot import settings
        return settings.get().wechat  # the environment over .env, read by bot.settings only

    def client(self) -> Optional[WeChatClient]:
        from bot.wechat.client import build_client
        config = self.config()
        return build_client(config, self.session_factory()) if config.configured else None

    async def attach(self, openid: str, media_id: str, url: str, key: str) -> Optional[str]:
        return await DbImageSink(self.session_factory())(openid, media_id, url, key)

    async def follow(self, openid: str) -> None:
        from bot import services
        await asyncio.get_running_loop().run_in_executor(None, services.current().residents.followed, openid)

    async def count(self) -> None:
        """One more message. One write at a time: messages counted while a write is under way go
        into the next one together. (One write per message piled up threads waiting for SQLite's
        write lock under load: ~1.7 ms of the Rasa process's CPU a message in make bench-wechat.)"""
        self._uncounted += 1
        if self._counting:
            return  # the write under way takes it along in its next round
        from bot import services
        self._counting = True
        try:
            while self._uncounted:
                messages, self._uncounted = self._uncounted, 0
                await asyncio.get_running_loop().run_in_executor(
                    None, services.current().review.count_message, "wechat", messages)
        finally:
            self._counting = False


class WeChatInput(InputChannel):
    """Serves WeChat's URL check (GET) and pushes (POST) at /webhooks/wechat/webhook."""

    @classmethod
    def name(cls) -> str:
        return "wechat"

    def __init__(self, token: str, encoding_aes_key: str = "", appid: str = "", *,
                 options: ChannelOptions = ChannelOptions(), client_factory: Optional[ClientFactory] = None,
                 image_sink: Optional[ImageSink] = None,
                 follow_sink: Optional[FollowSink] = None,
                 count_sink: Optional[CountSink] = None,
                 intent_for_key: IntentForKey = menu.intent_for_key,
                 owed_store: Optional[OwedStore] = None) -> None:
        self.codec = WeChatCodec(token, encoding_aes_key, appid)
        self.enabled = bool(token)
        self.options = options
        self.inbox = Inbox(ttl=options.dedupe_ttl_seconds, store=owed_store)
        self.gate = Gate(options.concurrent_answers)
        self.buttons = ButtonMemory(options.buttons_ttl_seconds)
        self.customer_service = CustomerService(client_factory or (lambda: None),
                                                enabled=options.customer_service,
                                                timeout=options.customer_service_timeout_seconds,
                                                tries=options.customer_service_tries,
                                                retry_seconds=options.customer_service_retry_seconds)
        self._image_sink = image_sink
        self._follow_sink = follow_sink
        self._count_sink = count_sink
        self._intent_for_key = intent_for_key
        self._background: Set["asyncio.Task[None]"] = set()

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> "WeChatInput":
        if credentials is None:
            cls.raise_missing_credentials_exception()
        resources = _ProcessResources()
        options = ChannelOptions.from_credentials(credentials)
        if options.customer_service and not resources.config().configured:
            logger.warning("wechat channel: WECHAT_APPID/WECHAT_SECRET unset: no customer-service messages")
            options = replace(options, customer_service=False)
        return cls(str(credentials.get("token") or ""), str(credentials.get("encoding_aes_key") or ""),
                   str(credentials.get("appid") or ""), options=options, client_factory=resources.client,
                   image_sink=resources.attach if options.attach_images else None, follow_sink=resources.follow,
                   count_sink=resources.count, owed_store=OwedStore(resources.session_factory))

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        module = inspect.getmodule(self)
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", module.__name__ if module else None)
        if not self.enabled:
            logger.error("wechat channel: no token (WECHAT_TOKEN): every request will be refused")
        self._restore_owed()

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.enabled else "no token"})

        @webhook.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            echostr = self.codec.check_url(_args(request)) if self.enabled else None
            if echostr is None:
                return response.text("invalid signature", status=403)
            return response.text(echostr)

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            return await self.handle_push(request.body or b"", _args(request), on_new_message)

        return webhook

    async def handle_push(self, body: bytes, args: Mapping[str, str],
                          on_new_message: OnNewMessage) -> HTTPResponse:
        """Verify, deduplicate, answer within the budget (or hand the answer off)."""
        if not self.enabled:
            return response.text("channel not configured", status=403)
        if len(body) > MAX_BODY_BYTES:  # WeChat's pushes are a few KB; refuse before parsing or decrypting
            logger.warning("wechat push refused: %d bytes", len(body))
            return response.text("request too large", status=413)
        try:
            envelope = self.codec.open(body, args)
        except SignatureError as error:
            logger.warning("wechat push refused: %s", error)
            return response.text("invalid signature", status=403)
        message = _parse(envelope.xml)
        if message is None:
            return response.text(SUCCESS)
        step = route(message, self._intent_for_key)
        entry = self.inbox.claim(dedupe_key(message), message.source,
                                 lambda: self._answer(message, step, on_new_message))
        content = await self._passive_content(entry)
        if content is None:
            return response.text(SUCCESS)
        reply = self.codec.seal(render_text_reply(message, content), envelope)
        return response.text(reply, content_type="application/xml; charset=utf-8")

    def _restore_owed(self) -> None:
        """At start (Rasa mounts the channel): what the last process still owed to residents."""
        try:
            restored = self.inbox.restore()
        except Exception:  # the channel must still answer; say loudly what was not read back
            logger.exception("wechat channel: could not read back the answers owed to residents")
            return
        if restored:
            logger.info("wechat channel: %d answer(s) still owed to residents, sent with their next reply", restored)

    # the passive reply ---------------------------------------------------------------------

    async def _passive_content(self, entry: Entry) -> Optional[str]:
        """The passive reply's text, or None for `success`."""
        if entry.handed_off:
            return None
        chunks = await wait_for(entry, self.options.reply_budget_seconds)
        last_try = entry.attempts >= self.options.max_attempts
        if chunks is None and not self.customer_service.available and not last_try:
            # `success` would end WeChat's retries, and nothing else can reach the resident: stay
            # quiet; WeChat hangs up after 5 s (Sanic cancels this wait) and its retry takes over.
            chunks = await wait_for(entry, self.options.retry_hold_seconds)
        if entry.handed_off:  # another try handed it off while this one waited
            return None
        if chunks is None:
            return self._hand_off(entry)
        self.inbox.settle(entry.openid, entry.key)
        if len(chunks) > 1 and not entry.rest_scheduled:
            entry.rest_scheduled = True
            self._spawn(self._send_or_owe(entry, chunks[1:], f"{entry.key}#rest"))
        return chunks[0] if chunks else None

    def _hand_off(self, entry: Entry) -> Optional[str]:
        entry.handed_off = True
        self._spawn(self._deliver_late(entry))
        return None if self.customer_service.available else phrase("still_working")

    async def _deliver_late(self, entry: Entry) -> None:
        chunks = await asyncio.shield(entry.task)
        sent = await self._send_or_owe(entry, chunks, entry.key)
        if chunks and sent == 0:
            entry.handed_off = False  # nothing went out: a retry of this push may still carry it

    async def _send_or_owe(self, entry: Entry, chunks: Chunks, owe_key: str) -> int:
        """Send by customer-service messages; keep what could not be sent. How many were sent."""
        unsent = list(chunks)
        if chunks and self.customer_service.available:
            unsent = await self.customer_service.send(entry.openid, chunks, key=entry.key)
        self.inbox.owe(entry.openid, owe_key, unsent)
        return len(chunks) - len(unsent)

    def _spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._background.add(task)
        task.add_done_callback(_forget_from(self._background))

    # the answer ----------------------------------------------------------------------------

    async def _answer(self, message: BaseMessage, step: Step, on_new_message: OnNewMessage) -> Chunks:
        """The push's answer as messages within WeChat's limit, after anything still owed."""
        if isinstance(step, Silent):  # no reply: what is owed waits for a message of the resident
            return []
        owed = self.inbox.take_owed(message.source)
        try:
            texts = await self._texts_for(message, step, on_new_message)
        except Exception:
            logger.exception("wechat: answering %s failed", dedupe_key(message))
            texts = [phrase("error")]
        return pack(owed + texts)

    async def _texts_for(self, message: BaseMessage, step: Step, on_new_message: OnNewMessage) -> List[str]:
        if isinstance(step, AskAgent):
            return await self._ask_agent(message, step, on_new_message)
        self.buttons.take(message.source, None)  # a button number means something in the next message only
        if isinstance(step, AttachImage):
            return [await self._attach(message.source, step, dedupe_key(message))]
        if isinstance(step, Welcome) and self._follow_sink is not None:
            try:
                await self._follow_sink(message.source)
            except Exception:  # noqa: BLE001 - the welcome still goes out; they are recorded when they talk
                logger.exception("wechat: recording the new follower %s failed", dedupe_key(message))
        return [phrase(step.key)] if isinstance(step, Answer) else []

    async def _ask_agent(self, message: BaseMessage, step: AskAgent,
                         on_new_message: OnNewMessage) -> List[str]:
        openid = message.source
        payload = self.buttons.take(openid, step.text if step.typed else None)
        text = payload or (escape_command(step.text) if step.typed else step.text)
        if step.typed and not payload and self._count_sink is not None:
            self._spawn(self._count())  # the dashboard's unsure-message rate; never delays the answer
        collector = CollectingOutputChannel()
        metadata = {"msg_id": str(message.id) if message.id else None, "dedupe_key": dedupe_key(message),
                    "msg_type": message.type}
        try:
            async with self.gate.slot():
                await on_new_message(UserMessage(text, collector, openid, input_channel=self.name(),
                                                 metadata=metadata))
        except Exception:
            logger.exception("wechat: the agent failed on %s", dedupe_key(message))
            if not collector.messages:
                return [phrase("error")]
        texts, buttons = bot_texts(collector.messages)
        self.buttons.offer(openid, buttons)
        return texts

    async def _count(self) -> None:
        try:
            await self._count_sink()
        except Exception:  # noqa: BLE001 - a statistic; the resident's answer matters
            logger.exception("wechat: counting a message failed")

    async def _attach(self, openid: str, step: AttachImage, key: str) -> str:
        if self._image_sink is None:
            return phrase("image_not_supported")
        try:
            number = await self._image_sink(openid, step.media_id, step.pic_url, key)
        except Exception:
            logger.exception("wechat: recording the photo of %s failed", key)
            return phrase("error")
        return phrase("image_attached", number=number) if number else phrase("image_no_open_ticket")


def _args(request: Request) -> Dict[str, str]:
    return {key: values[0] for key, values in request.args.items() if values}


def _parse(xml: str) -> Optional[BaseMessage]:
    try:
        return parse_message(xml)
    except Exception:  # signed by WeChat but unreadable: answer nothing rather than an error page
        logger.warning("wechat push with unreadable XML: %.200r", xml)
        return None


def _forget_from(tasks: Set["asyncio.Task[None]"]) -> Callable[["asyncio.Task[None]"], None]:
    def done(task: "asyncio.Task[None]") -> None:
        tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("wechat: late delivery failed", exc_info=task.exception())
    return done
