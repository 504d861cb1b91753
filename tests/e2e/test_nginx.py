"""The reverse proxy of deploy/nginx in front of the running assistant, with Debian's nginx on
loopback: WeChat's pushes and the staff console get through; the REST channel, the model switch
and Rasa's HTTP API do not; the console sees each browser's own address.

The rules are deploy/nginx/red-butler-locations.conf, included verbatim; only the listening
address and the upstream ports are the test's (the site file's TLS needs a certificate)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request

import aiohttp
import pytest

from bot.run import DEV_WECHAT
from bot.wechat.pusher import Account, deliver, text_message
from bot.wechat.security import sign
from tests.conftest import ROOT
from tests.support.debian import ensure_tool
from tests.e2e.test_make_run import _free_port, _listening, _post, _start_assistant, _stop_assistant

pytestmark = [pytest.mark.server, pytest.mark.model]

LOCATIONS = ROOT / "deploy" / "nginx" / "red-butler-locations.conf"
ACCOUNT = Account(token=DEV_WECHAT["WECHAT_TOKEN"], appid=DEV_WECHAT["WECHAT_APPID"])
DEV_PASSWORD = "hongguanjia"  # make run's dev log-in (CONSOLE_DEV_PASSWORD)


def _nginx() -> str:
    return ensure_tool("nginx", "nginx-light", "for the reverse-proxy test")


@pytest.fixture(scope="module")
def proxied(model_path, tmp_path_factory):
    """The assistant as make run starts it, behind nginx with our location rules."""
    nginx = _nginx()
    started = _start_assistant()
    folder = tmp_path_factory.mktemp("nginx")
    port = _free_port()
    config = folder / "nginx.conf"
    config.write_text(f"""
daemon off;
{"user root;" if os.geteuid() == 0 else ""}
pid {folder}/nginx.pid;
error_log {folder}/error.log;
events {{}}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    upstream red_butler_rasa {{ server 127.0.0.1:{started['port_of']['RASA_PORT']}; keepalive 16; }}
    upstream red_butler_console {{ server 127.0.0.1:{started['port_of']['CONSOLE_PORT']}; keepalive 8; }}
    server {{
        listen 127.0.0.1:{port};
        server_name localhost;
        include {LOCATIONS};
    }}
}}
""", encoding="utf-8")
    checked = subprocess.run([nginx, "-t", "-c", str(config)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    process = subprocess.Popen([nginx, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 10
    while not _listening(port):
        assert process.poll() is None and time.monotonic() < deadline, "nginx did not start"
        time.sleep(0.1)
    try:
        yield {"public": f"http://127.0.0.1:{port}", **started}
    finally:
        process.terminate()
        process.wait(timeout=10)
        _stop_assistant(started)


def _fetch(url: str, data: bytes = None):
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


def test_wechat_verifies_the_server_url_through_the_proxy(proxied):
    timestamp, nonce = str(int(time.time())), "123456"
    query = f"signature={sign(ACCOUNT.token, timestamp, nonce)}&timestamp={timestamp}&nonce={nonce}&echostr=hello"
    with urllib.request.urlopen(f"{proxied['public']}/webhooks/wechat/webhook?{query}", timeout=30) as response:
        assert response.read() == b"hello"


def test_a_residents_message_is_answered_through_the_proxy(proxied):
    async def push():
        async with aiohttp.ClientSession() as session:
            message = text_message(ACCOUNT, "oNGINX_resident____________", "业主接待日是哪天", msg_id=int(time.time()))
            return await deliver(session, f"{proxied['public']}/webhooks/wechat/webhook", ACCOUNT, message)

    delivery = asyncio.run(push())
    assert delivery.outcome == "reply" and "业主接待日是每月3日和15日" in delivery.reply["text"]


RASA_ONLY = ('"intent"', '"model_file"', '"sender_id"', '"recipient_id"', '"events"')


@pytest.mark.parametrize("path, payload", [
    ("/webhooks/rest/webhook", {"sender": "outsider", "message": "3栋502漏水"}),  # would write as any resident
    ("/webhooks/model/activate", {"model": "any"}),  # the model switch
    ("/model/parse", {"text": "3栋502漏水"}),  # Rasa's HTTP API …
    ("/conversations/oNGINX_resident____________/tracker", None),  # … residents' conversations
    ("/status", None),
])
def test_the_rest_of_the_rasa_server_is_not_reachable(proxied, path, payload):
    data = json.dumps(payload).encode("utf-8") if payload else None
    assert _fetch(f"{proxied['rasa']}{path}", data)[0] in (200, 401)  # there on loopback (401: no token)
    status, body = _fetch(f"{proxied['public']}{path}", data)
    if path.startswith("/webhooks/"):
        assert status == 404
    assert not any(marker in body for marker in RASA_ONLY), body[:300]  # at most the console's log-in page


def test_the_console_sees_each_browser_and_one_attacker_locks_out_only_itself(proxied):
    """Browsers at 127.0.0.2 and 127.0.0.3 (loopback aliases) reach the console through nginx."""
    async def log_in(source: str, username: str, password: str) -> str:
        connector = aiohttp.TCPConnector(local_addr=(source, 0))
        async with aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
            async with session.get(f"{proxied['public']}/login") as page:
                csrf = re.search(r'name="csrf" value="([^"]+)"', await page.text()).group(1)
            form = {"csrf": csrf, "username": username, "password": password}
            async with session.post(f"{proxied['public']}/login", data=form) as answer:
                return await answer.text()

    async def attack_then_log_in():
        for username in ("wang", "liu", "du", "zhao") * 5:  # 20 failures: the per-browser limit
            assert "用户名或密码不对" in await log_in("127.0.0.2", username, "wrong-password")
        return await log_in("127.0.0.3", "zhou", DEV_PASSWORD), await log_in("127.0.0.2", "zhou", DEV_PASSWORD)

    other_browser, attacker = asyncio.run(attack_then_log_in())
    assert "待办工单" in other_browser
    assert "尝试次数太多" in attacker


def test_the_site_file_is_valid_nginx(tmp_path):
    """red-butler.conf as an admin installs it, with a certificate of the test's own."""
    nginx = _nginx()
    if not shutil.which("openssl"):
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=butler.example.com", "-keyout", str(key), "-out", str(cert)], check=True,
                   capture_output=True)
    site = (ROOT / "deploy" / "nginx" / "red-butler.conf").read_text(encoding="utf-8")
    site = (site.replace("/etc/nginx/snippets/red-butler-locations.conf", str(LOCATIONS))
            .replace("/etc/ssl/certs/butler.example.com.pem", str(cert))
            .replace("/etc/ssl/private/butler.example.com.key", str(key)))
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    (tmp_path / "nginx.conf").write_text(f"pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log; events {{}}\n"
                                         f"http {{ include {tmp_path}/site.conf; }}\n", encoding="utf-8")
    checked = subprocess.run([nginx, "-t", "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
