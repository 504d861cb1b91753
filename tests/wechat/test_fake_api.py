"""The fake answers like WeChat's API: errors inside HTTP 200 JSON, tokens that supersede each
other after five minutes, requests recorded, errors injectable."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import requests

from bot.wechat.fake_api import FakeWeChatAPI
from tests.wechat.conftest import openid

ROOT = Path(__file__).resolve().parents[2]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def get_token(fake: FakeWeChatAPI, secret: str = "fake-secret") -> dict:
    return requests.get(f"{fake.url}/cgi-bin/token", timeout=5, params={
        "grant_type": "client_credential", "appid": fake.appid, "secret": secret}).json()


def send_text(fake: FakeWeChatAPI, token: str, to: str = openid("alice")) -> requests.Response:
    body = {"touser": to, "msgtype": "text", "text": {"content": "你好"}}
    return requests.post(f"{fake.url}/cgi-bin/message/custom/send", params={"access_token": token},
                         data=json.dumps(body, ensure_ascii=False).encode("utf-8"), timeout=5)


def test_a_wrong_secret_is_an_error_inside_http_200(fake):
    response = requests.get(f"{fake.url}/cgi-bin/token", timeout=5, params={
        "grant_type": "client_credential", "appid": fake.appid, "secret": "wrong"})

    assert response.status_code == 200
    assert response.json()["errcode"] == 40125


def test_a_new_token_leaves_the_old_one_five_minutes():
    clock = FakeClock()
    with FakeWeChatAPI(clock=clock) as fake:
        first = get_token(fake)
        assert first["expires_in"] == 7200
        second = get_token(fake)["access_token"]

        clock.now += 299
        assert send_text(fake, first["access_token"]).json()["errcode"] == 0
        clock.now += 2
        assert send_text(fake, first["access_token"]).json()["errcode"] == 40001
        assert send_text(fake, second).json()["errcode"] == 0
        clock.now += 7200
        assert send_text(fake, second).json()["errcode"] == 42001


def test_requests_are_recorded_and_listed_over_http(fake):
    token = get_token(fake)["access_token"]
    send_text(fake, token)

    [received] = fake.received("/cgi-bin/message/custom/send")
    assert received.body == {"touser": openid("alice"), "msgtype": "text", "text": {"content": "你好"}}
    assert received.query == {"access_token": token}
    listed = requests.get(f"{fake.url}/_fake/requests", timeout=5).json()
    assert [r["path"] for r in listed] == ["/cgi-bin/token", "/cgi-bin/message/custom/send"]


def test_injected_errors_come_in_order_then_stop(fake):
    token = get_token(fake)["access_token"]
    fake.fail_next("/cgi-bin/message/custom/send", 45015, times=2)

    codes = [send_text(fake, token).json()["errcode"] for _ in range(3)]

    assert codes == [45015, 45015, 0]


def test_users_outside_the_window_unsubscribed_or_revoked_tokens(fake):
    token = get_token(fake)["access_token"]
    fake.outside_window.add(openid("late"))
    fake.unsubscribed.add(openid("gone"))
    assert send_text(fake, token, openid("late")).json()["errcode"] == 45015
    assert send_text(fake, token, openid("gone")).json()["errcode"] == 43004
    assert send_text(fake, token, "not-an-openid").json()["errcode"] == 40003
    fake.quota_exceeded.add("/cgi-bin/message/custom/send")
    assert send_text(fake, token).json()["errcode"] == 45009
    fake.revoke_tokens()
    assert send_text(fake, token).json()["errcode"] == 40001


def test_slow_answers_are_slow(fake):
    token = get_token(fake)["access_token"]
    fake.set_delay(0.3, "/cgi-bin/message/custom/send")

    started = time.monotonic()
    assert send_text(fake, token).json()["errcode"] == 0
    assert time.monotonic() - started >= 0.3


def test_template_fields_longer_than_20_characters_are_refused(fake):
    token = get_token(fake)["access_token"]
    body = {"touser": openid("alice"), "template_id": "T", "data": {"thing1": {"value": "字" * 21}}}

    answer = requests.post(f"{fake.url}/cgi-bin/message/template/send", params={"access_token": token},
                           json=body, timeout=5).json()

    assert answer["errcode"] == 47003


def test_media_comes_back_as_bytes(fake):
    token = get_token(fake)["access_token"]
    fake.add_media("MEDIA1", b"\xff\xd8jpeg-bytes")

    url = f"{fake.url}/cgi-bin/media/get"
    found = requests.get(url, params={"access_token": token, "media_id": "MEDIA1"}, timeout=5)
    missing = requests.get(url, params={"access_token": token, "media_id": "NOPE"}, timeout=5)

    assert (found.content, found.headers["Content-Type"]) == (b"\xff\xd8jpeg-bytes", "image/jpeg")
    assert missing.json()["errcode"] == 40007


def test_runs_standalone_and_takes_injections_over_http(fake):
    port = fake.url.rsplit(":", 1)[1]
    fake.stop()  # free the port for the standalone server
    process = subprocess.Popen([sys.executable, "-m", "bot.wechat.fake_api", "--port", port], cwd=ROOT,
                               stdout=subprocess.PIPE, text=True)
    try:
        assert "fake WeChat API on" in process.stdout.readline()
        url = f"http://127.0.0.1:{port}"
        requests.post(f"{url}/_fake/inject", json={"fail_next": [
            {"path": "/cgi-bin/token", "errcode": -1}]}, timeout=5)
        answers = [requests.get(f"{url}/cgi-bin/token", timeout=5, params={
            "grant_type": "client_credential", "appid": "wxfake00000000001", "secret": "fake-secret"}).json()
            for _ in range(2)]
        assert answers[0]["errcode"] == -1 and "access_token" in answers[1]
    finally:
        process.terminate()
        process.wait(timeout=10)
