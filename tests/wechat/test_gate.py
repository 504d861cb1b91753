"""The bound on answers computed at once: pushes beyond it wait their turn, oldest first."""

from __future__ import annotations

import asyncio

from bot.wechat.gate import Gate


async def test_waiters_get_in_in_arrival_order_and_never_more_than_the_limit():
    gate, inside, order = Gate(2), [], []

    async def answer(name: str) -> None:
        async with gate.slot():
            inside.append(name)
            order.append((name, len(inside)))
            await asyncio.sleep(0.01)
            inside.remove(name)

    await asyncio.gather(*(answer(f"push{i}") for i in range(7)))
    assert [name for name, _ in order] == [f"push{i}" for i in range(7)]
    assert max(count for _, count in order) == 2


async def test_a_cancelled_waiter_gives_its_turn_to_the_next():
    gate = Gate(1)
    async with gate.slot():
        gone = asyncio.ensure_future(gate.slot().__aenter__())
        next_one = asyncio.ensure_future(gate.slot().__aenter__())
        await asyncio.sleep(0)
        gone.cancel()
    await asyncio.wait_for(next_one, 1.0)
