"""A bound on the answers the channel computes at once (bot.wechat.channel).

Rasa runs its NLU and policy graphs synchronously on the event loop. Each answer in progress
adds such a blocking stretch to every turn of the loop, so with 100 answers in progress one turn
took seconds (measured: up to 3.1 s), and the reply-budget timers and WeChat's next pushes waited
for it: the `success` went out after WeChat had hung up. With a bound, pushes beyond it wait here
without costing the loop anything, their budget runs out on time, and they are answered by
customer-service messages (or a retry) when their turn comes.

asyncio.Semaphore in Python 3.10 lets a newcomer take a freed slot before the waiter it woke,
which can starve a waiter under load: here a freed slot goes to the oldest waiter, always.
"""

from __future__ import annotations

import asyncio
from collections import deque
from contextlib import asynccontextmanager
from typing import AsyncIterator, Deque


class Gate:
    """At most ``limit`` holders at once; waiters get in in the order they came."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("a gate needs at least one slot")
        self._free = limit
        self._waiters: Deque["asyncio.Future[None]"] = deque()

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        await self._enter()
        try:
            yield
        finally:
            self._leave()

    async def _enter(self) -> None:
        if self._free > 0 and not self._waiters:
            self._free -= 1
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():  # handed a slot just as it was cancelled
                self._leave()
            raise

    def _leave(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)  # the slot passes straight to the oldest waiter
                return
        self._free += 1
