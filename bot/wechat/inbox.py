"""Exactly-once handling of WeChat's pushes, and answers still owed to residents.

WeChat retries a push it got no answer to (after 5 s, up to three tries). The inbox maps each
dedupe key (bot.wechat.inbound.dedupe_key) to one running task: the first push starts it, every
retry waits for the same task, also while it is still running. A finished task is kept for
``ttl`` seconds, so a late retry is answered from it rather than run again.

The backlog keeps answers that could not be delivered (no customer-service API, or it failed):
they go out with the reply to the resident's next message, or to a retry of their own push.
With a ``store`` (bot.wechat.owed) the backlog is also written to the database and read back
at start, so a restart of the Rasa server does not lose it.

The running tasks live in one process's memory and event loop: several Rasa processes behind
one URL would need them in the database too.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Awaitable, Callable, Dict, List, Optional, Tuple

if TYPE_CHECKING:  # pragma: no cover
    from bot.wechat.owed import OwedStore

Chunks = List[str]  # messages ready to send, each within WeChat's text limit


@dataclass
class Entry:
    """One push (and its retries)."""

    key: str
    openid: str
    task: "asyncio.Task[Chunks]"
    created: float
    attempts: int = 0  # pushes seen with this key
    handed_off: bool = False  # customer-service delivery owns the answer: retries get `success`
    rest_scheduled: bool = False  # the chunks after the passive reply are on their way


@dataclass
class _Owed:
    key: str
    chunks: Chunks
    expires: float


@dataclass
class Inbox:
    ttl: float = 300.0  # keep finished entries this long for late retries
    backlog_ttl: float = 86400.0  # owed answers older than this are dropped
    clock: Callable[[], float] = time.monotonic
    store: Optional["OwedStore"] = None  # the database copy of the backlog
    _entries: Dict[str, Entry] = field(default_factory=dict)
    _owed: Dict[str, List[_Owed]] = field(default_factory=dict)

    def claim(self, key: str, openid: str, start: Callable[[], Awaitable[Chunks]]) -> Entry:
        """The entry for ``key``; ``start()`` runs as its task only if the key is new."""
        self._purge()
        entry = self._entries.get(key)
        if entry is None:
            task = asyncio.ensure_future(start())
            entry = self._entries[key] = Entry(key, openid, task, self.clock())
        entry.attempts += 1
        return entry

    def restore(self) -> int:
        """Read back from the store what was owed when the process stopped; how many answers."""
        if self.store is None:
            return 0
        owed = self.store.load()
        for item in owed:
            self._owed.setdefault(item.openid, []).append(
                _Owed(item.key, item.chunks, self.clock() + item.seconds_left))
        return len(owed)

    def owe(self, openid: str, key: str, chunks: Chunks) -> None:
        """Keep ``chunks`` (the answer to push ``key``) for the resident's next reply."""
        if chunks:
            owed = _Owed(key, list(chunks), self.clock() + self.backlog_ttl)
            self._owed.setdefault(openid, []).append(owed)
            if self.store is not None:
                self.store.add(openid, key, owed.chunks, self.backlog_ttl)

    def settle(self, openid: str, key: str) -> None:
        """The answer to ``key`` was delivered (a retry got it): it is owed no more."""
        before = self._owed.get(openid, [])
        left = [o for o in before if o.key != key]
        self._set(openid, left)
        if len(left) != len(before) and self.store is not None:
            self.store.remove(openid, key)

    def take_owed(self, openid: str) -> Chunks:
        """Every answer still owed to ``openid``, oldest first; they are owed no more."""
        now = self.clock()
        owed = self._owed.pop(openid, [])
        if owed and self.store is not None:
            self.store.remove(openid)
        return [chunk for o in owed if o.expires > now for chunk in o.chunks]

    def owed_to(self, openid: str) -> List[Tuple[str, Chunks]]:
        return [(o.key, list(o.chunks)) for o in self._owed.get(openid, [])]

    def __len__(self) -> int:
        return len(self._entries)

    def _set(self, openid: str, owed: List[_Owed]) -> None:
        if owed:
            self._owed[openid] = owed
        else:
            self._owed.pop(openid, None)

    def _purge(self) -> None:
        now = self.clock()
        stale = [k for k, e in self._entries.items() if e.task.done() and now - e.created > self.ttl]
        for key in stale:
            del self._entries[key]
        for openid in list(self._owed):
            self._set(openid, [o for o in self._owed[openid] if o.expires > now])


async def wait_for(entry: Entry, timeout: float) -> Optional[Chunks]:
    """The entry's answer if ready within ``timeout`` seconds, else None. The task itself is
    never cancelled: not by the timeout, nor when WeChat hangs up and Sanic cancels the request."""
    try:
        return await asyncio.wait_for(asyncio.shield(entry.task), max(timeout, 0.0))
    except asyncio.TimeoutError:
        return None
