"""The client talks to the configured base URL (wechatpy hard-codes production for the token),
downloads media, and reports WeChat's errors with their errcode."""

from __future__ import annotations

import pytest
from wechatpy.exceptions import APILimitedException

from bot.wechat.templates import clip, link
from tests.wechat.conftest import client_for, openid


def test_the_token_comes_from_the_configured_base_url(services, fake, config):
    client_for(services, config).message.send_text(openid("alice"), "你好")

    assert [r.path for r in fake.received()] == ["/cgi-bin/token", "/cgi-bin/message/custom/send"]
    assert fake.received("/cgi-bin/token")[0].query == {
        "grant_type": "client_credential", "appid": fake.appid, "secret": fake.secret}


def test_media_is_downloaded_as_bytes(services, fake, config):
    fake.add_media("MEDIA_1", b"\x00voice-bytes", "audio/amr")

    response = client_for(services, config).media.download("MEDIA_1")

    assert response.content == b"\x00voice-bytes"


def test_quota_errors_keep_their_code(services, fake, config):
    fake.quota_exceeded.add("/cgi-bin/message/template/send")
    with pytest.raises(APILimitedException) as raised:
        client_for(services, config).message.send_template(openid("alice"), "T", {"thing1": {"value": "x"}})
    assert raised.value.errcode == 45009


def test_template_values_are_clipped_to_20_characters():
    assert clip("短") == "短"
    assert clip("一二三四五六七八九十" * 3) == "一二三四五六七八九十一二三四五六七八九…"
    assert len(clip("x" * 100)) == 20
    assert clip("  ") == "无"  # WeChat refuses empty fields
    assert link("https://c.example/t/{number}", "BX-1", 7) == "https://c.example/t/BX-1"
    assert link("", "BX-1", 7) is None
