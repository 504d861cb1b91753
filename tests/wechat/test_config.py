"""WeChat settings from the environment: defaults, template field maps, refused values."""

from __future__ import annotations

import pytest

from bot.settings import SettingsError
from bot.wechat.config import WeChatConfig, from_env


def test_defaults_point_at_wechat_and_are_not_configured():
    config = from_env({})
    assert config == WeChatConfig()
    assert config.api_base_url == "https://api.weixin.qq.com" and not config.configured


def test_values_are_read():
    config = from_env({"WECHAT_APPID": "wx1", "WECHAT_SECRET": "s",
                       "WECHAT_API_BASE_URL": "http://127.0.0.1:8089/",
                       "WECHAT_TIMEOUT": "2.5", "WECHAT_MAX_ATTEMPTS": "3",
                       "WECHAT_STAFF_TEMPLATE_FIELDS": "keyword1=number, keyword2=text"})
    assert config.configured and config.api_base_url == "http://127.0.0.1:8089"
    assert (config.timeout, config.max_attempts) == (2.5, 3)
    assert config.staff_template_fields == (("keyword1", "number"), ("keyword2", "text"))


@pytest.mark.parametrize("env, message", [
    ({"WECHAT_TIMEOUT": "soon"}, "WECHAT_TIMEOUT"),
    ({"WECHAT_MAX_ATTEMPTS": "0"}, "WECHAT_MAX_ATTEMPTS"),
    ({"WECHAT_RESIDENT_TEMPLATE_FIELDS": "thing1=colour"}, "source one of"),
    ({"WECHAT_SECRET": "changeme"}, "placeholder"),
])
def test_bad_values_are_refused_with_the_variable_named(env, message):
    with pytest.raises(SettingsError, match=message):
        from_env(env)
