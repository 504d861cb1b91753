"""Log-in with WeChat (snsapi_base) against the fake WeChat API: the console sends the browser to
WeChat's authorisation page, which comes back with a one-time code; the console exchanges it for
the openid and opens a session for the staff member who has it. Inside WeChat there is no password
form at all."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.console.app import create_app
from bot.wechat.config import WeChatConfig
from bot.wechat.fake_api import FakeWeChatAPI
from tests.console.conftest import Browser, report

WANG = "oDEMO_wang__________________"  # the demo butler's openid (bot/compounds/demo.yml)
WECHAT_UA = "Mozilla/5.0 (iPhone) MicroMessenger/8.0.50 NetType/WIFI Language/zh_CN"


@pytest.fixture
async def wechat_browser(console):
    fake = FakeWeChatAPI().start()
    config = WeChatConfig(appid=fake.appid, secret=fake.secret, api_base_url=fake.url, oauth_base_url=fake.url,
                          timeout=2.0)
    server = TestServer(create_app(console, wechat=config, public_url="http://console.test"))
    client = TestClient(server)
    await client.start_server()
    yield Browser(client), fake
    await client.close()
    fake.stop()


async def via_wechat(browser: Browser, fake: FakeWeChatAPI, start: str, openid: str, **headers):
    """Follow the console to WeChat's page and back as ``openid``; the console's last answer."""
    import requests
    response = await browser.client.get(start, allow_redirects=False, headers=headers)
    assert response.status == 302
    authorize = response.headers["Location"]
    assert authorize.startswith(f"{fake.url}/connect/oauth2/authorize?") and authorize.endswith("#wechat_redirect")
    query = parse_qs(urlsplit(authorize).query)
    assert (query["scope"], query["redirect_uri"]) == (["snsapi_base"], ["http://console.test/oauth/callback"])
    back = requests.get(authorize.split("#")[0] + f"&fake_openid={openid}", allow_redirects=False, timeout=5)
    assert back.status_code == 302
    callback = urlsplit(back.headers["Location"])
    return await browser.client.get(f"{callback.path}?{callback.query}", allow_redirects=False)


async def test_a_butler_opening_a_ticket_link_in_wechat_is_logged_in_by_wechat(services, wechat_browser):
    browser, fake = wechat_browser
    ticket = report(services, "zhang", "repair", "厨房水管漏水", "3", "2", "502")

    first = await browser.client.get(f"/tickets/{ticket.number}", allow_redirects=False)
    assert first.status == 302 and first.headers["Location"].startswith("/login?next=")
    login = first.headers["Location"]
    inside = await browser.client.get(login, allow_redirects=False, headers={"User-Agent": WECHAT_UA})
    assert inside.status == 302 and inside.headers["Location"].startswith("/oauth/start?")

    done = await via_wechat(browser, fake, inside.headers["Location"], WANG)

    assert done.status == 302 and done.headers["Location"] == f"/tickets/{ticket.number}"
    _, page = await browser.get(done.headers["Location"])
    assert "王秀英" in page and ticket.number in page and "接单" in page


async def test_a_wechat_user_who_is_not_staff_gets_no_session(wechat_browser):
    browser, fake = wechat_browser
    answer = await via_wechat(browser, fake, "/oauth/start", "oSOMEONE_ELSE_______________")
    assert answer.status == 401 and "没有登记为工作人员" in await answer.text()
    response, _ = await browser.get("/", allow_redirects=False)
    assert response.status == 302


async def test_a_code_works_once_and_a_forged_state_is_refused(wechat_browser):
    browser, fake = wechat_browser
    done = await via_wechat(browser, fake, "/oauth/start", WANG)
    assert done.status == 302

    other = Browser(browser.client)
    browser.client.session.cookie_jar.clear()
    start = await other.client.get("/oauth/start", allow_redirects=False)
    state = parse_qs(urlsplit(start.headers["Location"]).query)["state"][0]
    forged = await other.client.get("/oauth/callback?code=whatever&state=not-" + state, allow_redirects=False)
    assert forged.status == 401 and "页面已过期" in await forged.text()
    reused = await other.client.get(f"/oauth/callback?code=used-or-invalid&state={state}", allow_redirects=False)
    assert reused.status == 401 and "微信登录没有成功" in await reused.text()


async def test_the_password_form_offers_wechat_and_goes_back_where_it_was(services, wechat_browser):
    browser, _ = wechat_browser
    ticket = report(services, "zhang", "repair", "厨房水管漏水", "3", "2", "502")
    _, page = await browser.get(f"/login?next=/tickets/{ticket.number}")
    assert "用微信登录" in page

    response, _ = await browser.post("/login", {"username": "wang", "password": "correct-horse-1",
                                               "next": f"/tickets/{ticket.number}"}, allow_redirects=False)
    assert response.status == 302 and response.headers["Location"] == f"/tickets/{ticket.number}"
    await browser.get("/login?next=//evil.example/")
    offsite, _ = await browser.post("/login", {"username": "wang", "password": "correct-horse-1",
                                              "next": "//evil.example/"}, allow_redirects=False)
    assert offsite.status == 302 and offsite.headers["Location"] == "/"  # never to another site
