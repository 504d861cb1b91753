"""The access token is shared through the database: fetched once for every process, refreshed
five minutes before it expires, replaced once when WeChat refuses it, and never fetched by
several workers at once. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from wechatpy.exceptions import WeChatClientException

from bot.wechat.token_store import DbTokenStore
from tests.wechat.conftest import client_for, openid

TOKEN = "/cgi-bin/token"
SEND = "/cgi-bin/message/custom/send"


def token_fetches(fake) -> int:
    return len(fake.received(TOKEN))


def tokens_used(fake) -> list:
    return [r.query["access_token"] for r in fake.received(SEND)]


def test_two_processes_share_one_token(any_db_services, fake, config):
    first, second = client_for(any_db_services, config), client_for(any_db_services, config)

    first.message.send_text(openid("alice"), "一")
    second.message.send_text(openid("alice"), "二")

    assert token_fetches(fake) == 1
    assert len(set(tokens_used(fake))) == 1


def test_the_token_is_refreshed_five_minutes_before_it_expires(any_db_services, fake, config):
    client = client_for(any_db_services, config)
    client.message.send_text(openid("alice"), "一")

    any_db_services.now.advance(seconds=7200 - 301)
    client.message.send_text(openid("alice"), "二")
    assert token_fetches(fake) == 1
    any_db_services.now.advance(seconds=2)
    client.message.send_text(openid("alice"), "三")

    assert token_fetches(fake) == 2
    old, same, new = tokens_used(fake)
    assert old == same != new


def test_a_refused_token_is_replaced_once_and_the_call_repeated(any_db_services, fake, config):
    client = client_for(any_db_services, config)
    client.message.send_text(openid("alice"), "一")
    fake.revoke_tokens()  # e.g. someone fetched a token with the same secret elsewhere

    assert client.message.send_text(openid("alice"), "二")["errcode"] == 0

    assert token_fetches(fake) == 2
    assert [r.body["text"]["content"] for r in fake.received(SEND)] == ["一", "二", "二"]
    # The other process picks up the replacement without fetching again.
    client_for(any_db_services, config).message.send_text(openid("alice"), "三")
    assert token_fetches(fake) == 2


def test_a_token_refused_again_after_the_refetch_is_an_error_not_a_loop(any_db_services, fake, config):
    client = client_for(any_db_services, config)
    fake.fail_next(SEND, 40001, times=5)

    with pytest.raises(WeChatClientException) as raised:
        client.message.send_text(openid("alice"), "一")

    assert raised.value.errcode == 40001
    assert (token_fetches(fake), len(fake.received(SEND))) == (2, 2)


@pytest.mark.parametrize("stored", ["no token yet", "a token about to expire"])
def test_concurrent_refreshes_fetch_once(any_db_services, fake, config, stored):
    clients = [client_for(any_db_services, config) for _ in range(6)]
    fetches = 1
    if stored == "a token about to expire":
        clients[0].message.send_text(openid("alice"), "hi")
        any_db_services.now.advance(seconds=7200 - 200)
        fetches = 2
    fake.set_delay(0.3, TOKEN)  # a slow token answer: everyone else arrives while it is fetched
    start = threading.Barrier(len(clients))
    errors = []

    def send(client) -> None:
        start.wait()
        try:
            client.message.send_text(openid("alice"), "hi")
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=send, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert token_fetches(fake) == fetches
    assert len(set(tokens_used(fake)[-len(clients):])) == 1


def test_invalidating_an_old_token_leaves_a_newer_one_alone(any_db_services):
    store = DbTokenStore(any_db_services.factory, clock=any_db_services.now)
    store.set("wx_access_token", "OLD", 7200)
    store.set("wx_access_token", "NEW", 7200)

    store.invalidate("wx_access_token", "OLD")

    assert store.get("wx_access_token") == "NEW"
    store.invalidate("wx_access_token", "NEW")
    assert store.get("wx_access_token") is None


def test_it_is_a_wechatpy_session_storage(any_db_services):
    store = DbTokenStore(any_db_services.factory, clock=any_db_services.now)
    assert store.get("k", "default") == "default"

    store.set("k", "v", ttl=60)
    assert store.get("k") == "v"
    any_db_services.now.advance(seconds=61)
    assert store.get("k") is None  # expired
    store.set("k", "w")
    store.delete("k")
    assert store.get("k") is None


def test_fresh_reuses_a_token_with_time_left_and_refetches_near_the_end(any_db_services):
    store = DbTokenStore(any_db_services.factory, clock=any_db_services.now,
                         refresh_margin=timedelta(minutes=5))
    fetched = iter([("A", 7200), ("B", 7200)])

    assert store.fresh("wx_access_token", lambda: next(fetched)) == "A"
    assert store.fresh("wx_access_token", lambda: next(fetched)) == "A"
    any_db_services.now.advance(seconds=7200 - 299)
    assert store.fresh("wx_access_token", lambda: next(fetched)) == "B"
