"""The WeChat simulator in a real browser (Playwright driving Debian's chromium, headless),
against the whole assistant that `make run` starts in WeChat dev mode (no official account
configured): the fake WeChat API, Rasa with the WeChat channel, the action server, the notifier
worker and the simulator page.

A resident reports a leak in the simulator and confirms it; the butler of building 3 gets the
ticket as a template message, and the butler's view in the simulator shows it as a card. Two
residents opt out of the reception-day reminders (one opts back in); a reminder sent now with
the admin's command reaches exactly the residents who should get it.

Needs the `playwright` package (requirements.in) and the `chromium` Debian package; it skips,
saying which is missing, if either cannot be had. Never `playwright install`: the browser is
Debian's.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from types import SimpleNamespace

import pytest

from tests.conftest import ROOT
from tests.e2e.test_make_run import _start_assistant, _stop_assistant

pytestmark = [pytest.mark.server, pytest.mark.model]

SIMULATOR_LINE = re.compile(r"WeChat simulator: (http://127\.0\.0\.1:\d+)")
TICKET_NUMBER = re.compile(r"工单号\s*(BX-\d{8}-\d{4})")
BANNER_WAIT_S = 20
REPLY_WAIT_MS = 60_000  # Rasa on two cores, or the answer coming later as a customer-service message
NOTIFIER_WAIT_MS = 60_000  # the notifier delivers the outbox every couple of seconds


def _sync_playwright():
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        pytest.skip("the playwright package is not installed (pip install the pinned version from "
                    "requirements.in; no `playwright install`: the test uses Debian's chromium)")
    return sync_playwright, expect


def _chromium() -> str:
    """Debian's chromium; installed with apt-get when missing and we are root."""
    found = shutil.which("chromium")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        pytest.skip("no chromium (apt-get install -y chromium) and not root to install it")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
        if result.returncode != 0:
            pytest.skip(f"could not install chromium ({' '.join(command)}): {result.stderr[-500:]}")
    return shutil.which("chromium") or pytest.skip("apt-get installed chromium but it is not on PATH")


def _simulator_url(lines) -> str:
    deadline = time.monotonic() + BANNER_WAIT_S
    while time.monotonic() < deadline:
        for line in list(lines):
            found = SIMULATOR_LINE.search(line)
            if found:
                return found.group(1)
        time.sleep(0.2)
    pytest.fail("`python -m bot.cli run` printed no 'WeChat simulator: http://127.0.0.1:<port>' line in WeChat "
                "dev mode:\n" + "".join(lines[-40:]))


@pytest.fixture(scope="module")
def browser_tools():
    sync_playwright, expect = _sync_playwright()
    return sync_playwright, expect, _chromium()


@pytest.fixture(scope="module")
def simulator(browser_tools, model_path):
    """The simulator's URL, from the banner of a launcher in WeChat dev mode (on free ports that
    _start_assistant picks)."""
    started = _start_assistant({
        "WECHAT_APPID": "", "WECHAT_SECRET": "",  # no official account configured: dev mode
    })
    try:
        yield SimpleNamespace(url=_simulator_url(started["lines"]), database_url=started["database_url"],
                              console=f"http://127.0.0.1:{started['port_of']['CONSOLE_PORT']}",
                              fake_api=f"http://127.0.0.1:{started['port_of']['WECHAT_FAKE_API_PORT']}")
    finally:
        _stop_assistant(started)


@contextmanager
def _page(browser_tools, tmp_path):
    """A headless chromium page; a screenshot of it in tmp_path when the test fails."""
    sync_playwright, _, chromium = browser_tools
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=["--no-sandbox"])
        page = browser.new_page(locale="zh-CN")
        try:
            yield page
        except (Exception, pytest.fail.Exception):
            page.screenshot(path=str(tmp_path / "simulator.png"), full_page=True)
            print(f"screenshot: {tmp_path / 'simulator.png'}")
            raise
        finally:
            browser.close()


def _be(page, expect, name: str) -> None:
    """Pick ``name`` in the simulator's list of residents and staff."""
    page.get_by_role("button", name=re.compile(name)).click()
    expect(page.locator("#whoami")).to_contain_text(name)


def _say(page, expect, text: str, answer_contains: str) -> str:
    """Type ``text``; the account's answers to it, once one contains ``answer_contains``
    (the passive reply, or customer-service messages when the answer came later)."""
    answers = page.locator(".row.theirs .bubble")
    before = answers.count()
    page.locator("#input").fill(text)
    page.locator("#send").click()
    expect(page.locator(".row.mine .bubble").last).to_have_text(text)
    deadline = time.monotonic() + REPLY_WAIT_MS / 1000
    while time.monotonic() < deadline:
        new = "\n".join(answers.all_inner_texts()[before:])
        if answer_contains in new:
            return new
        page.wait_for_timeout(250)
    pytest.fail(f"no answer containing {answer_contains!r} to {text!r}; the chat shows:\n"
                + "\n".join(page.locator("#messages").all_inner_texts()))


def test_a_resident_reports_a_leak_and_the_butler_sees_the_template_message(simulator, browser_tools, tmp_path):
    expect = browser_tools[1]
    with _page(browser_tools, tmp_path) as page:
        page.goto(simulator.url)
        _be(page, expect, "张阿姨")

        _say(page, expect, "3栋2单元502厨房水管漏水了", "什么时间上门")
        _say(page, expect, "明天上午", "请确认")
        done = _say(page, expect, "确认", "工单号")
        number = TICKET_NUMBER.search(done).group(1)

        _be(page, expect, "王秀英")
        card = page.locator('.card[data-kind="template"]').filter(has_text=number)
        expect(card).to_be_visible(timeout=NOTIFIER_WAIT_MS)
        expect(card).to_contain_text("编号")


def _reminded(fake_api: str) -> set:
    """openids the fake WeChat API received a reception-day reminder for (as a customer-service text)."""
    with urllib.request.urlopen(f"{fake_api}/_fake/requests", timeout=10) as response:
        received = json.loads(response.read().decode("utf-8"))
    return {r["body"]["touser"] for r in received if r["path"] == "/cgi-bin/message/custom/send"
            and "是业主接待日" in r["body"].get("text", {}).get("content", "")}


def _residents_with_reminders(database_url: str) -> set:
    from sqlalchemy import create_engine, text
    engine = create_engine(database_url, future=True)
    try:
        with engine.connect() as connection:
            return set(connection.execute(text("SELECT openid FROM residents WHERE reminders")).scalars())
    finally:
        engine.dispose()


def test_residents_opt_out_and_in_and_a_reminder_sent_now_reaches_exactly_the_others(simulator, browser_tools,
                                                                                      tmp_path):
    expect = browser_tools[1]
    with _page(browser_tools, tmp_path) as page:
        page.goto(simulator.url)
        _be(page, expect, "李先生")
        _say(page, expect, "退订提醒", "不再给您发接待日提醒")

        _be(page, expect, "王奶奶")
        _say(page, expect, "以后别给我发接待日的提醒了", "不再给您发接待日提醒")
        _say(page, expect, "订阅提醒", "恢复接待日提醒")

        _be(page, expect, "赵女士")
        _say(page, expect, "TD", "不再给您发接待日提醒")

        # The admin sends the evening reminder of the next reception day now.
        env = {**os.environ, "DATABASE_URL": simulator.database_url}
        sent = subprocess.run([sys.executable, "-m", "bot.cli", "schedule", "send", "residents_evening"],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert sent.returncode == 0, sent.stdout + sent.stderr
        assert "opted out 2" in sent.stdout

        page.get_by_role("button", name=re.compile("王奶奶")).click()
        reminder = page.locator(".row.theirs .bubble").filter(has_text="是业主接待日")
        expect(reminder).to_be_visible(timeout=NOTIFIER_WAIT_MS)
        expect(reminder).to_contain_text("回复“退订提醒”不再接收")

        should = _residents_with_reminders(simulator.database_url)
        deadline = time.monotonic() + NOTIFIER_WAIT_MS / 1000
        while _reminded(simulator.fake_api) != should and time.monotonic() < deadline:
            time.sleep(0.5)
        reminded = _reminded(simulator.fake_api)
        assert reminded == should
        assert "oSIM_wang_nainai____________" in reminded
        assert not reminded & {"oSIM_li_xiansheng___________", "oSIM_zhao_nvshi_____________"}


def _sent_to(fake_api: str, openid: str) -> list:
    with urllib.request.urlopen(f"{fake_api}/_fake/requests", timeout=10) as response:
        received = json.loads(response.read().decode("utf-8"))
    return [r["body"]["text"]["content"] for r in received
            if r["path"] == "/cgi-bin/message/custom/send" and r["body"]["touser"] == openid]


def test_a_butler_accepts_and_resolves_in_the_console_and_the_resident_hears_of_it(simulator, browser_tools,
                                                                                   tmp_path):
    expect = browser_tools[1]
    li = "oSIM_li_xiansheng___________"
    with _page(browser_tools, tmp_path) as page:
        page.goto(simulator.url)
        _be(page, expect, "李先生")
        _say(page, expect, "1栋1单元502阳台下水道堵了", "什么时间上门")
        _say(page, expect, "今天下午", "请确认")
        number = TICKET_NUMBER.search(_say(page, expect, "确认", "工单号")).group(1)

        # 刘建华, the butler of building 1, on the console (the dev log-in make run printed).
        page.goto(simulator.console)
        page.get_by_label("用户名").fill("liu")
        page.get_by_label("密码").fill("hongguanjia")
        page.get_by_role("button", name="登录").click()
        page.get_by_text(number).click()
        expect(page.locator("h1")).to_contain_text(number)
        page.get_by_role("button", name="接单").click()
        expect(page.locator(".notice")).to_contain_text("已接单")
        page.get_by_role("button", name="标记已处理").click()
        expect(page.locator(".notice")).to_contain_text("已标记处理完毕")

        deadline = time.monotonic() + NOTIFIER_WAIT_MS / 1000
        while time.monotonic() < deadline and not any("已处理完毕" in t for t in _sent_to(simulator.fake_api, li)):
            time.sleep(0.5)
        told = _sent_to(simulator.fake_api, li)
        assert f"您的工单 {number}（报修）负责人已接单。" in told
        assert any(t.startswith(f"您的工单 {number}（报修）已处理完毕") for t in told)
