"""Failed log-ins are limited per browser. Behind the reverse proxy every request comes from the
proxy, so the console takes the browser's address from the proxy's X-Real-IP header (set by
deploy/nginx), and only from a trusted proxy: one attacker must not lock every butler out, and
must not dodge the limit by sending a new X-Real-IP with each guess."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.console.app import create_app
from tests.console.conftest import Browser

ATTACKER, BUTLERS_PHONE = "203.0.113.9", "198.51.100.7"
GUESSED = ("wang", "liu", "du", "zhao")  # 4 × 5 wrong passwords: the per-client limit (20)


@pytest.fixture
async def console_behind(console):
    """console_behind(trusted_proxies) -> new_browser(x_real_ip)."""
    clients = []

    async def app(trusted):
        async def browser(address):
            client = TestClient(TestServer(create_app(console, trusted_proxies=trusted), host="127.0.0.1"),
                                headers={"X-Real-IP": address})
            await client.start_server()
            clients.append(client)
            return Browser(client)
        return browser
    yield app
    for client in clients:
        await client.close()


async def _guess_passwords(browser, address_for_each_guess):
    for n, username in enumerate(name for name in GUESSED for _ in range(5)):
        response, _ = await (await browser(address_for_each_guess(n))).log_in(username, "wrong-password")
        assert response.status == 401


async def test_one_attacker_behind_the_proxy_does_not_lock_out_the_other_browsers(console_behind):
    browser = await console_behind(("127.0.0.1", "::1"))
    await _guess_passwords(browser, lambda n: ATTACKER)

    response, page = await (await browser(BUTLERS_PHONE)).log_in("zhou")
    assert response.status == 200 and "待办工单" in page
    response, page = await (await browser(ATTACKER)).log_in("zhou")
    assert response.status == 401 and "尝试次数太多" in page


async def test_the_header_from_a_peer_that_is_not_the_proxy_is_ignored(console_behind):
    browser = await console_behind(())  # no trusted proxy: the peer's own address counts
    await _guess_passwords(browser, lambda n: f"192.0.2.{n}")  # a new address for each guess

    response, page = await (await browser("192.0.2.200")).log_in("zhou")
    assert response.status == 401 and "尝试次数太多" in page
