"""`make run` for real: the launcher starts Rasa and the action server on loopback, they answer
over HTTP, and Ctrl-C stops every process it started."""

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

from tests.conftest import ROOT, TICKET_INTENTS

pytestmark = [pytest.mark.server, pytest.mark.model]
STARTUP_S = 300


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _post(url, payload):
    request = urllib.request.Request(url, data=json.dumps(payload).encode("utf-8"),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read().decode("utf-8"))


def _listening(port):
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def assistant(model_path):
    ports = {"RASA_PORT": str(_free_port()), "ACTION_PORT": str(_free_port())}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run"], cwd=ROOT, env={**os.environ, **ports},
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
    yield {"process": process, "lines": lines, "rasa": f"http://127.0.0.1:{ports['RASA_PORT']}",
           "ports": [int(port) for port in ports.values()]}
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)


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


def test_the_banner_says_where_things_listen(assistant):
    output = "".join(assistant["lines"])
    assert f"{assistant['rasa']}/webhooks/rest/webhook" in output
    assert f"{assistant['rasa']}/model/parse" in output


def test_ctrl_c_stops_every_process(assistant):
    process = assistant["process"]
    os.killpg(process.pid, signal.SIGINT)
    assert process.wait(timeout=60) == 0
    deadline = time.monotonic() + 10
    while any(_listening(port) for port in assistant["ports"]) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_listening(port) for port in assistant["ports"])
    assert "stopped rasa" in "".join(assistant["lines"])
