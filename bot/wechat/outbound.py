"""What the resident sees: the channel's own phrases (replies.yml), the bot's messages turned
into WeChat text (buttons become "回复1：…"), texts cut to WeChat's length limit, and the
passive reply's XML.

WeChat's text limit is 2048 bytes of UTF-8 (about 680 Chinese characters) for a passive reply's
Content and a customer-service text. Texts longer than that are split at sentence boundaries;
several texts share one message, separated by a blank line, while they fit.
"""

from __future__ import annotations

import re
import time
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple

from wechatpy.messages import BaseMessage
from wechatpy.replies import TextReply

from bot import texts as wording  # ("texts" names the lists of bot messages below)

TEXT_LIMIT = 2048  # bytes of UTF-8
SEPARATOR = "\n\n"
# A sentence: up to its end mark (and closing quotes or brackets), a line break, or the end.
SENTENCE = re.compile(r".+?(?:[。！？!?；;…]+[”’」』）)]*|\n+|$)", re.S)
# Characters XML 1.0 does not allow: WeChat could not parse a reply containing them.
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
NUMBER = re.compile(r"^\s*(?:回复)?\s*([0-9０-９]{1,2})\s*[。.．]?\s*$")
# What a typed button title may differ by: spaces, punctuation, emoji.
NOT_WORDS = re.compile(r"[^0-9A-Za-z\u4e00-\u9fff]+")


def phrase(key: str, **values: Any) -> str:
    """A phrase of the channel (bot/texts.yml `wechat`), its {placeholders} filled in."""
    return wording.text("wechat", key, **values)


def size(text: str) -> int:
    return len(text.encode("utf-8"))


def split_text(text: str, limit: int = TEXT_LIMIT) -> List[str]:
    """``text`` in pieces of at most ``limit`` bytes, cut after whole sentences where possible."""
    text = text.strip()
    if size(text) <= limit:
        return [text] if text else []
    pieces: List[str] = []
    current = ""
    for sentence in SENTENCE.findall(text):
        for part in _hard_split(sentence, limit):
            if current and size(current + part) > limit:
                pieces.append(current.strip())
                current = ""
            current += part
    if current.strip():
        pieces.append(current.strip())
    return [p for p in pieces if p]


def _hard_split(sentence: str, limit: int) -> List[str]:
    """A sentence longer than the limit, cut between characters."""
    if size(sentence) <= limit:
        return [sentence]
    parts, current = [], ""
    for char in sentence:
        if size(current + char) > limit:
            parts.append(current)
            current = ""
        current += char
    return parts + [current]


def pack(texts: Sequence[str], limit: int = TEXT_LIMIT) -> List[str]:
    """Messages to send: each text split to fit, neighbours joined by a blank line while they fit."""
    chunks: List[str] = []
    for piece in (p for text in texts for p in split_text(text, limit)):
        if chunks and size(chunks[-1] + SEPARATOR + piece) <= limit:
            chunks[-1] += SEPARATOR + piece
        else:
            chunks.append(piece)
    return chunks


def cdata_safe(text: str) -> str:
    """Text that survives inside wechatpy's <![CDATA[...]]>: "]]>" is split across two CDATA
    sections (the reader joins them back), characters XML forbids are dropped."""
    return XML_INVALID.sub("", text).replace("]]>", "]]]]><![CDATA[>")


def render_text_reply(message: BaseMessage, content: str) -> str:
    """The passive reply's XML: a text message back to the sender of ``message``."""
    return TextReply(message=message, content=cdata_safe(content), time=int(time.time())).render()


class Button(NamedTuple):
    title: str
    payload: str


def bot_texts(messages: Sequence[Dict[str, Any]]) -> Tuple[List[str], List[Button]]:
    """The bot's messages (as CollectingOutputChannel collects them) as WeChat texts, and their
    buttons in the order they were numbered (回复1 is the first)."""
    texts: List[str] = []
    buttons: List[Button] = []
    for message in messages:
        parts = [str(message[key]) for key in ("text", "image", "attachment") if message.get(key)]
        custom = message.get("custom")
        if isinstance(custom, dict) and isinstance(custom.get("text"), str):
            parts.append(custom["text"])
        options = []
        for button in message.get("buttons") or []:
            title = str(button.get("title", ""))
            buttons.append(Button(title, str(button.get("payload", title))))
            options.append(phrase("button_option", number=len(buttons), title=title))
        if options:
            parts.append(phrase("button_separator").join(options))
        if parts:
            texts.append("\n".join(parts))
    return texts, buttons


class ButtonMemory:
    """The buttons last offered to each resident, valid for their next message only and for at
    most ``ttl`` seconds. In process memory: a restart forgets them (the resident types instead)."""

    def __init__(self, ttl: float = 600.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._clock = clock
        self._offered: Dict[str, Tuple[float, List[Button]]] = {}

    def offer(self, openid: str, buttons: Sequence[Button]) -> None:
        if buttons:
            self._offered[openid] = (self._clock() + self._ttl, list(buttons))

    def take(self, openid: str, text: Optional[str]) -> Optional[str]:
        """The payload of the button ``text`` picks, if it was offered: its number (回复1 → the
        first), or its title typed out (好，也登记这件); forgets the offer."""
        self._purge()
        expires, buttons = self._offered.pop(openid, (0.0, []))
        if not text or expires <= self._clock():
            return None
        match = NUMBER.match(text)
        if match:
            number = int(match.group(1))  # int() reads full-width digits too
            return buttons[number - 1].payload if 1 <= number <= len(buttons) else None
        typed = NOT_WORDS.sub("", text)
        return next((button.payload for button in buttons
                     if typed and NOT_WORDS.sub("", button.title) == typed), None)

    def _purge(self) -> None:
        now = self._clock()
        for openid in [o for o, (expires, _) in self._offered.items() if expires <= now]:
            del self._offered[openid]
