"""Fixtures for the WeChat tests: the fake WeChat API on a free loopback port, and clients and
notifiers on the `services` / `any_db_services` database (tests/support/services.py)."""

from __future__ import annotations

from dataclasses import replace
from typing import Iterator

import pytest

from bot.wechat.client import CompoundWeChatClient, build_client
from bot.wechat.config import WeChatConfig
from bot.wechat.fake_api import FakeWeChatAPI
from bot.wechat.notifier import Notifier

RESIDENT_TEMPLATE = "TPL_RESIDENT_STATUS"
STAFF_TEMPLATE = "TPL_STAFF_TICKET"


def openid(name: str) -> str:
    """A 28-character id shaped like WeChat's openids, e.g. openid("alice")."""
    return ("o" + name + "_" * 28)[:28]


@pytest.fixture
def fake() -> Iterator[FakeWeChatAPI]:
    with FakeWeChatAPI() as api:
        yield api


@pytest.fixture
def config(fake: FakeWeChatAPI) -> WeChatConfig:
    return WeChatConfig(appid=fake.appid, secret=fake.secret, api_base_url=fake.url, timeout=2.0,
                        resident_template_id=RESIDENT_TEMPLATE, staff_template_id=STAFF_TEMPLATE,
                        console_url="https://console.example/tickets/{number}")


def client_for(services, config: WeChatConfig) -> CompoundWeChatClient:
    """A client of its own, as another process would have, sharing the services' database."""
    return build_client(config, services.factory, clock=services.now)


def notifier_for(services, config: WeChatConfig, worker: str = "test-worker", **changes) -> Notifier:
    config = replace(config, **changes)
    return Notifier(services.factory, client_for(services, config), config,
                    timezone=services.settings.timezone, clock=services.now, worker=worker)


@pytest.fixture
async def serve():
    """serve(channel, agent) -> the webhook URL of the channel's blueprint, served by Sanic on
    loopback with ``agent`` as Rasa's on_new_message (tests/wechat/sim.py)."""
    from contextlib import AsyncExitStack

    from tests.wechat.sim import serving

    async with AsyncExitStack() as stack:
        async def start(channel, agent) -> str:
            def mount(app) -> None:
                app.blueprint(channel.blueprint(agent), url_prefix="/webhooks/wechat")
            return await stack.enter_async_context(serving(mount))

        yield start
