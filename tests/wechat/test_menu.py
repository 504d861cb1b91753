"""The menu: five entries under WeChat's three top-level buttons, keys naming the intents they
start, pushed with menu/create."""

from __future__ import annotations

import copy
import json

import pytest
from wechatpy.exceptions import WeChatClientException

from bot.wechat import menu as menu_module
from bot.wechat.menu import MenuError, check, click_buttons, intent_for_key, menu, push_menu
from tests.wechat.conftest import client_for

EXPECTED = {"我要报修": "repair", "邻里调解": "noise_dispute", "快递": "parcel",
            "代办认证": "pension_certification", "我的工单": "check_ticket"}


def test_push_sends_the_menu_to_menu_create(services, fake, config):
    answer = push_menu(client_for(services, config))

    assert answer["errcode"] == 0
    [received] = fake.received("/cgi-bin/menu/create")
    assert received.body == menu()
    clicks = {b["name"]: b["key"] for b in received.body["button"] for b in b.get("sub_button", [b])}
    assert clicks == EXPECTED
    assert all(b["type"] == "click" for b in click_buttons(received.body))
    assert len(received.body["button"]) <= 3


def test_every_key_is_an_intent_of_the_domain(domain):
    intents = set(domain["intents"])
    assert {b["key"] for b in click_buttons()} <= intents
    assert intent_for_key("parcel") == "parcel" and intent_for_key("V1001_TODAY_MUSIC") is None


def test_wechat_limits_are_checked_before_pushing():
    too_many = {"button": [{"type": "click", "name": n, "key": k} for n, k in EXPECTED.items()]}
    with pytest.raises(MenuError, match="top-level"):
        check(too_many)
    long_name = copy.deepcopy(menu())
    long_name["button"][0]["name"] = "我要报修水电煤气"
    with pytest.raises(MenuError, match="bytes"):
        check(long_name)
    no_key = {"button": [{"type": "click", "name": "报修"}]}
    with pytest.raises(MenuError, match="key"):
        check(no_key)


def test_an_error_from_wechat_is_raised(services, fake, config):
    fake.fail_next("/cgi-bin/menu/create", 40016)
    with pytest.raises(WeChatClientException) as raised:
        push_menu(client_for(services, config))
    assert raised.value.errcode == 40016


def test_show_prints_the_menu_json(capsys):
    assert menu_module.main(["show"]) == 0
    assert json.loads(capsys.readouterr().out) == menu()


def test_push_without_credentials_says_what_to_set(capsys):
    assert menu_module.main(["push"], environ={}) == 2
    assert "WECHAT_APPID" in capsys.readouterr().err
