"""`make run` for real: the launcher starts Rasa and the action server on loopback, they answer
over HTTP, and Ctrl-C stops every process it started."""

import atexit
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

import pytest

from tests.conftest import ROOT, TICKET_INTENTS

pytestmark = [pytest.mark.server, pytest.mark.model]
STARTUP_S = 300


def _free_port():
    return _free_ports(1)[0]


def _free_ports(count):
    """Distinct free ports: each socket stays bound until all are chosen, so the kernel cannot
    hand the same port out twice (it did: Rasa and the simulator once got one port)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _post(url, payload):
    request = urllib.request.Request(url, data=json.dumps(payload).encode("utf-8"),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read().decode("utf-8"))


def _listening(port):
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _temporary_database_url():
    """A SQLite database in a folder of its own, removed when the test run ends."""
    folder = tempfile.mkdtemp(prefix="red-butler-e2e-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return f"sqlite:///{folder}/red-butler.db"


def _start_assistant(env=None):
    """Start `python -m bot.cli run` (what `make run` runs) and wait for its banner.

    The assistant gets a database of its own in a temporary folder (never the developer's
    data/red-butler.db) unless ``env`` names one; ``env`` adds to or overrides the environment."""
    names = ("RASA_PORT", "ACTION_PORT", "WECHAT_FAKE_API_PORT", "SIMULATOR_PORT", "CONSOLE_PORT")
    ports = {name: str(port) for name, port in zip(names, _free_ports(len(names)))}
    env = {"DATABASE_URL": _temporary_database_url(), **(env or {})}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run"], cwd=ROOT, env={**os.environ, **env, **ports},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    lines, ready = [], threading.Event()

    def read():
        for line in process.stdout:
            lines.append(line)
            if "红管家 is running" in line:
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(STARTUP_S):
        os.killpg(process.pid, signal.SIGKILL)
        pytest.fail("make run did not come up:\n" + "".join(lines[-60:]))
    return {"process": process, "lines": lines, "rasa": f"http://127.0.0.1:{ports['RASA_PORT']}",
            "ports": [int(port) for port in ports.values()],
            "port_of": {name: int(port) for name, port in ports.items()},
            "database_url": env["DATABASE_URL"]}


def _stop_assistant(started, within_s: float = 60) -> None:
    """Ctrl-C, as a developer stops make run; SIGKILL if it has not stopped within ``within_s``."""
    if started["process"].poll() is None:
        os.killpg(started["process"].pid, signal.SIGINT)
        try:
            started["process"].wait(timeout=within_s)
        except subprocess.TimeoutExpired:
            os.killpg(started["process"].pid, signal.SIGKILL)


def _ports_closed(ports, within_s):
    deadline = time.monotonic() + within_s
    while any(_listening(port) for port in ports) and time.monotonic() < deadline:
        time.sleep(0.2)
    return not any(_listening(port) for port in ports)


@pytest.fixture(scope="module")
def assistant(model_path):
    started = _start_assistant()
    yield started
    if started["process"].poll() is None:
        os.killpg(started["process"].pid, signal.SIGKILL)


def _say(assistant, sender, text):
    replies = _post(f"{assistant['rasa']}/webhooks/rest/webhook", {"sender": sender, "message": text})
    return "\n".join(reply.get("text", "") for reply in replies)


def test_parse_api_reads_the_repair_and_address(assistant):
    parsed = _post(f"{assistant['rasa']}/model/parse", {"text": "3栋2单元502卫生间漏水了"})
    assert parsed["intent"]["name"] == "repair"
    entities = {e["entity"]: e["value"] for e in parsed["entities"] if e["entity"] in ("building", "unit", "room")}
    assert entities == {"building": "3", "unit": "2", "room": "502"}


def test_property_fee_question_is_not_a_ticket(assistant):
    parsed = _post(f"{assistant['rasa']}/model/parse", {"text": "物业费怎么交"})
    assert parsed["intent"]["name"] not in TICKET_INTENTS


def test_rest_channel_answers_a_resident_through_the_action_server(assistant):
    reply = _say(assistant, "e2e-resident-1", "业主接待日是哪天")
    assert "业主接待日是每月3日和15日" in reply
    assert "下一次是" in reply


def test_rest_channel_answers_out_of_scope_kindly(assistant):
    reply = _say(assistant, "e2e-resident-2", "物业费怎么交")
    assert "报修" in reply and "物业服务中心" in reply


def test_make_chat_talks_to_the_running_assistant(assistant):
    port = assistant["rasa"].rsplit(":", 1)[1]
    result = subprocess.run([sys.executable, "-m", "bot.cli", "chat"], cwd=ROOT, input="你好\n业主接待日是哪天\n\n",
                            env={**os.environ, "RASA_PORT": port}, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert "红管家 > 您好！我是小区的红管家助手" in result.stdout
    assert "业主接待日是每月3日和15日" in result.stdout


def test_the_banner_says_where_things_listen(assistant):
    output = "".join(assistant["lines"])
    assert f"{assistant['rasa']}/webhooks/rest/webhook" in output
    assert f"{assistant['rasa']}/model/parse" in output
    folder = assistant["database_url"].rsplit("/", 1)[0]
    assert f"conversations are kept in {folder}/conversations.db" in output


def test_the_log_shows_the_next_reminders(assistant):
    """The scheduler starts with everything else and says what it will send when."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from bot.reception import Calendar, reception_days

    deadline = time.monotonic() + 30
    while "running the jobs" not in "".join(assistant["lines"]) and time.monotonic() < deadline:
        time.sleep(0.2)
    output = "".join(assistant["lines"])
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    following = [d.date for d in reception_days(Calendar((3, 15)), now.date(), 3)
                 if d.date - timedelta(days=1) > now.date()][0]
    assert "[scheduler] scheduler: running the jobs" in output
    assert f"{following - timedelta(days=1)} 18:00  residents_evening" in output
    assert f"{following} 08:00  residents_morning" in output


def test_the_staff_console_is_up_with_the_printed_dev_log_in(assistant):
    """A new user logs in as the demo butler with what the banner printed, over real HTTP."""
    import http.cookiejar
    import re
    import urllib.parse

    output = "".join(assistant["lines"])
    console = re.search(r"staff console:\s+(http://127\.0\.0\.1:\d+)", output).group(1)
    login = re.search(r"dev log-in: username (.+); password (\S+)", output)
    assert "wang（王秀英）" in login.group(1)
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    form = opener.open(f"{console}/login", timeout=30).read().decode("utf-8")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    data = urllib.parse.urlencode({"csrf": csrf, "username": "wang", "password": login.group(2)}).encode()
    page = opener.open(f"{console}/login", data=data, timeout=30).read().decode("utf-8")
    assert "待办工单" in page and "王秀英" in page


def test_ctrl_c_stops_every_process(assistant):
    process = assistant["process"]
    os.killpg(process.pid, signal.SIGINT)
    assert process.wait(timeout=60) == 0
    assert _ports_closed(assistant["ports"], within_s=10)
    assert "stopped rasa" in "".join(assistant["lines"])
    assert "stopped scheduler" in "".join(assistant["lines"])
    assert "stopped console" in "".join(assistant["lines"])


def test_a_form_in_progress_goes_on_after_the_assistant_restarts(model_path):
    """A resident is asked for the address, the assistant is stopped and started again (an update,
    a reboot), and the answer still completes the ticket: conversations are in the database."""
    database = _temporary_database_url()
    sender = "e2e-restart"
    first = _start_assistant({"DATABASE_URL": database})
    try:
        assert "几栋几单元几号" in _say(first, sender, "楼上天天半夜跺脚，吵得睡不着")
    finally:
        _stop_assistant(first)
    assert first["process"].returncode == 0

    second = _start_assistant({"DATABASE_URL": database})
    try:
        summary = _say(second, sender, "5栋2单元201")
        assert "请确认" in summary and "邻里调解" in summary and "5栋2单元201" in summary
        assert "不会向对方透露" in _say(second, sender, "确认")
    finally:
        _stop_assistant(second)


def test_servers_do_not_outlive_a_launcher_that_is_killed(model_path):
    """kill -9 of the launcher (OOM killer, a closed terminal) must not leave servers behind."""
    started = _start_assistant()
    os.kill(started["process"].pid, signal.SIGKILL)
    started["process"].wait(timeout=10)
    assert _ports_closed(started["ports"], within_s=30)


def test_sigterm_stops_every_process(model_path):
    """What a service manager sends. The handler takes no lock, so it cannot deadlock the loop."""
    started = _start_assistant()
    time.sleep(1.3)  # land in the middle of the launcher's wait loop, not at its start
    os.kill(started["process"].pid, signal.SIGTERM)
    assert started["process"].wait(timeout=60) == 0
    assert _ports_closed(started["ports"], within_s=10)
