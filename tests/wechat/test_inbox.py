"""The inbox runs each push once and keeps what is owed to residents."""

from __future__ import annotations

import asyncio

from bot.wechat.inbox import Inbox, wait_for


async def test_a_key_runs_once_and_is_forgotten_after_the_ttl():
    now = [0.0]
    inbox = Inbox(ttl=10, clock=lambda: now[0])
    runs = []

    async def job():
        runs.append(1)
        return ["答"]

    first = inbox.claim("msg:1", "a", job)
    second = inbox.claim("msg:1", "a", job)
    assert first is second and second.attempts == 2
    assert await wait_for(first, 1) == ["答"] and runs == [1]
    now[0] = 11
    inbox.claim("msg:2", "a", job)  # purges msg:1
    third = inbox.claim("msg:1", "a", job)
    assert third is not first and third.attempts == 1


async def test_waiting_never_cancels_the_task():
    inbox = Inbox()
    release = asyncio.Event()

    async def job():
        await release.wait()
        return ["答"]

    entry = inbox.claim("msg:1", "a", job)
    assert await wait_for(entry, 0.05) is None
    waiter = asyncio.ensure_future(wait_for(entry, 5))
    await asyncio.sleep(0.01)
    waiter.cancel()  # WeChat hung up: Sanic cancels the request
    release.set()
    assert await wait_for(entry, 1) == ["答"]


def test_owed_answers_are_taken_once_settled_or_expired():
    now = [0.0]
    inbox = Inbox(backlog_ttl=100, clock=lambda: now[0])
    inbox.owe("a", "msg:1", ["一"])
    inbox.owe("a", "msg:2", ["二", "三"])
    inbox.owe("b", "msg:3", ["别人的"])
    inbox.settle("a", "msg:1")
    assert inbox.take_owed("a") == ["二", "三"] and inbox.take_owed("a") == []
    now[0] = 101
    assert inbox.take_owed("b") == []


def test_what_is_owed_survives_a_restart(services):
    """The backlog is written to the database as it changes and read back by the next process."""
    from bot.wechat.owed import OwedStore

    inbox = Inbox(store=OwedStore(lambda: services.factory))
    inbox.owe("a", "msg:1", ["一"])
    inbox.owe("a", "msg:2", ["二", "三"])
    inbox.owe("b", "msg:3", ["别人的"])
    inbox.settle("a", "msg:1")  # a retry of its push carried it
    assert inbox.take_owed("b") == ["别人的"]  # went out with b's next reply
    inbox.store.flush()

    restarted = Inbox(store=OwedStore(lambda: services.factory))
    assert restarted.restore() == 1
    assert restarted.owed_to("a") == [("msg:2", ["二", "三"])] and restarted.owed_to("b") == []
    assert restarted.take_owed("a") == ["二", "三"]
    restarted.store.flush()
    assert Inbox(store=OwedStore(lambda: services.factory)).restore() == 0  # delivered: owed no more


def test_an_expired_answer_is_not_read_back(services):
    from datetime import timedelta

    from bot.wechat.owed import OwedStore

    inbox = Inbox(backlog_ttl=3600, store=OwedStore(lambda: services.factory, clock=services.now))
    inbox.owe("a", "msg:1", ["一"])
    inbox.store.flush()
    later = services.now() + timedelta(hours=2)
    assert Inbox(store=OwedStore(lambda: services.factory, clock=lambda: later)).restore() == 0
