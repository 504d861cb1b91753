"""The channel as Rasa builds it from credentials.yml."""

from __future__ import annotations

import pytest
from rasa.shared.exceptions import RasaException

from bot import settings
from bot.wechat.channel import ChannelOptions, WeChatInput
from tests.wechat.sim import AES_KEY, APPID


def test_built_from_credentials_with_env_strings():
    channel = WeChatInput.from_credentials({
        "token": "tok", "encoding_aes_key": AES_KEY, "appid": APPID,
        "reply_budget_seconds": "3.5", "customer_service": "false", "max_attempts": "3", "attach_images": "",
    })
    assert channel.name() == "wechat" and channel.url_prefix() == "wechat" and channel.enabled
    assert channel.options == ChannelOptions(reply_budget_seconds=3.5, customer_service=False)
    assert not channel.customer_service.available


def test_customer_service_needs_the_accounts_secret(monkeypatch):
    monkeypatch.delenv("WECHAT_APPID", raising=False)
    monkeypatch.delenv("WECHAT_SECRET", raising=False)
    settings.get.cache_clear()  # the channel reads the process's settings
    assert not WeChatInput.from_credentials({"token": "t"}).customer_service.available
    monkeypatch.setenv("WECHAT_APPID", APPID)
    monkeypatch.setenv("WECHAT_SECRET", "s3cret")
    monkeypatch.setenv("WECHAT_TOKEN", "t")
    settings.get.cache_clear()
    try:
        assert WeChatInput.from_credentials({"token": "t"}).customer_service.available
    finally:
        settings.get.cache_clear()


def test_an_empty_token_builds_a_channel_that_refuses_everything():
    assert not WeChatInput.from_credentials({"token": "", "encoding_aes_key": "", "appid": ""}).enabled


def test_missing_or_bad_credentials_fail_at_start():
    with pytest.raises(RasaException):
        WeChatInput.from_credentials(None)
    with pytest.raises(ValueError, match="reply_budget_seconds"):
        WeChatInput.from_credentials({"token": "t", "reply_budget_seconds": "soon"})
    with pytest.raises(ValueError, match="customer_service"):
        WeChatInput.from_credentials({"token": "t", "customer_service": "maybe"})
    with pytest.raises(ValueError, match="encoding_aes_key"):
        WeChatInput.from_credentials({"token": "t", "encoding_aes_key": "short", "appid": APPID})


def test_building_the_channel_connects_to_nothing(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("nothing may be built before the first push")
    monkeypatch.setattr("bot.db.engine.make_engine", refuse)
    monkeypatch.setattr("bot.wechat.client.build_client", refuse)
    channel = WeChatInput.from_credentials({"token": "t", "attach_images": True})
    channel.blueprint(lambda message: None)


async def test_rasa_loads_it_from_credentials_and_mounts_it_at_webhooks_wechat():
    """As `rasa run --credentials credentials.yml` does: class path, register(), /webhooks/."""
    from types import SimpleNamespace

    from rasa.core.channels.channel import register
    from rasa.core.run import _create_single_channel

    from tests.wechat.sim import TOKEN, StubAgent, WeChatSim, serving, text

    credentials = {"token": TOKEN, "customer_service": False}
    channel = _create_single_channel("bot.wechat.channel.WeChatInput", credentials)
    agent = StubAgent("您好！")

    def setup(app) -> None:
        register([channel], app, route="/webhooks/")
        app.ctx.agent = SimpleNamespace(handle_message=agent)

    async with serving(setup) as url:
        sim = WeChatSim(url)
        reply = sim.read((await sim.push(text("oAlice______________________", "你好", 1))).body)
    assert reply["Content"] == "您好！" and agent.texts == ["你好"]
