"""`make bench-wechat`: the WeChat channel under load, against Rasa's bare REST channel in the
same run, on the same server.

The assistant is started once as `make run` starts it (``python -m bot.cli run`` in WeChat dev
mode, on free ports, with a SQLite database of its own in a temporary folder); the launcher
trains the model first if there is none for the current inputs (about 2–3 minutes).

Phase A (WeChat): N residents (distinct 28-character openids) at once, each sending M messages
in sequence, pushed as WeChat pushes them (bot.wechat.pusher: signed XML, in safe mode with
--encrypt also encrypted; 5 s timeout, up to 3 tries of the same MsgId). Each resident reports
a leak in a flat of building 3 of its own, picks a time and confirms (a ticket), then asks
questions (查询工单, 业主接待日是哪天, …). Two latencies, both from the first try: until WeChat
has its reply (the 5-second rule), and until the resident has the answer: the passive reply, or,
after `success`, the customer-service message the fake WeChat API receives. Like a person, a
resident sends the next message only once it has the answer (or after LATE_ANSWER_S).

Phase B (baseline): the same conversations through /webhooks/rest/webhook, other sender ids,
the same concurrency. The REST residents report a leaking 水龙头 instead of a 水管, in other
flats: the duplicate check joins repairs of one facility in one building by room number (it
does not look at the unit), and building 3 has only 24 room numbers, so with the same facility
the two phases' tickets would join each other.

Then the tickets in the database: each resident of each phase must have exactly one repair
ticket (more: a duplicate, e.g. a retried push run twice; none: lost, or joined to another's).

Results: reports/wechat_load.md and reports/wechat_load.json.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import math
import os
import re
import secrets
import signal
import socket
import statistics
import string
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import aiohttp

from bench.common import REPORTS, ROOT, machine, table, write_json
from bot.wechat.pusher import WECHAT_TIMEOUT_SECONDS, WECHAT_TRIES, Account, deliver, text_message

BANNER = "红管家 is running"
STARTUP_S = 300  # Rasa loads TensorFlow and the model in about a minute on 2 cores
TRAINING_S = 900  # and training, when there is no model for the current inputs
STOP_S = 60
REST_TIMEOUT_S = 60.0  # the REST channel has no deadline of its own; this only catches a hang
LATE_ANSWER_S = 60.0  # after `success`, how long a resident waits for the customer-service message
POLL_S = 0.2  # how often the residents' phones look at the fake WeChat API
TARGET_RESIDENTS = 20
TARGET_P99_S = 1.0
BUILDING, UNITS, FLOORS, DOORS = "3", 3, 6, 4  # bot/compounds/demo.yml
QUESTIONS = ["查询工单", "业主接待日是哪天", "物业费怎么交", "你好", "谢谢"]
# What each answer should contain (a rough check that the answers under load are the right ones).
EXPECTED = {"report": "什么时间上门", "明天上午": "请确认", "确认": "工单号", "查询工单": "BX-",
            "业主接待日是哪天": "业主接待日是每月", "物业费怎么交": "物业服务中心", "你好": "红管家",
            "谢谢": "不客气"}
LOG_PROBLEM = re.compile(r"Traceback|\bERROR\b|\bCRITICAL\b|Exception|exited with code")


# -- the conversation ---------------------------------------------------------------------------
def flat(index: int) -> tuple:
    """(unit, room) of the index-th flat: room numbers 101–604 (doors 01–04) first, units rotating."""
    floor, door = index // DOORS % FLOORS + 1, index % DOORS + 1
    return str((index + index // (FLOORS * DOORS)) % UNITS + 1), f"{floor}{door:02d}"


def conversation(index: int, messages: int, facility: str, unit_shift: int) -> List[tuple]:
    """(step, text) pairs: a repair (report, time, confirm), then questions."""
    unit, room = flat(index)
    unit = str((int(unit) - 1 + unit_shift) % UNITS + 1)
    steps = [("report", f"{BUILDING}栋{unit}单元{room}厨房{facility}漏水了"), ("明天上午", "明天上午"), ("确认", "确认")]
    for question in itertools.islice(itertools.cycle(QUESTIONS), max(0, messages - len(steps))):
        steps.append((question, question))
    return steps[:messages]


def openid(tag: str, index: int) -> str:
    """28 characters, like WeChat's (the channel and the fake API check the shape)."""
    return f"oLoad{tag}{index:05d}".ljust(28, "x")


@dataclass
class Sample:
    phase: str
    sender: str
    step: str
    text: str
    seconds: float
    outcome: str  # wechat: pusher's Delivery.outcome; rest: reply | error
    attempts: int = 1
    answer: str = ""
    detail: str = ""
    answered: float = math.nan  # seconds until the resident has the answer (nan: it never came)

    @property
    def as_expected(self) -> bool:
        return EXPECTED.get(self.step, "") in self.answer if not math.isnan(self.answered) else False


# -- the assistant --------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Assistant:
    """`python -m bot.cli run` in a process group of its own; stopped with SIGINT (Ctrl-C)."""

    def __init__(self, folder: Path, aes_key: str) -> None:
        self.ports = {name: free_port() for name in ("RASA_PORT", "ACTION_PORT", "WECHAT_FAKE_API_PORT",
                                                    "SIMULATOR_PORT", "CONSOLE_PORT")}
        self.database_url = f"sqlite:///{folder / 'red-butler.db'}"
        self.env = {**os.environ, **{k: str(v) for k, v in self.ports.items()},
                    "DATABASE_URL": self.database_url, "COMPOUND": "demo",
                    "WECHAT_APPID": "", "WECHAT_SECRET": "",  # no official account: dev mode, fake WeChat API
                    "WECHAT_ENCODING_AES_KEY": aes_key, "RASA_TELEMETRY_ENABLED": "false"}
        self.rasa = f"http://127.0.0.1:{self.ports['RASA_PORT']}"
        self.fake_api = f"http://127.0.0.1:{self.ports['WECHAT_FAKE_API_PORT']}"
        self.lines: List[str] = []
        self.process: Optional[subprocess.Popen] = None
        self._ready = threading.Event()

    def model_missing(self) -> bool:
        from bot import settings
        from bot.model_store import model_name
        models = settings.load(self.env).models_dir
        return not (models / f"{model_name(ROOT)}.tar.gz").is_file()

    def start(self) -> float:
        timeout = STARTUP_S
        if self.model_missing():
            print("==> no model for the current inputs: the launcher trains it first (about 2–3 minutes)",
                  flush=True)
            timeout += TRAINING_S
        started = time.monotonic()
        self.process = subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], cwd=ROOT, env=self.env,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        start_new_session=True)
        threading.Thread(target=self._read, daemon=True).start()
        while not self._ready.wait(1):
            if self.process.poll() is not None:
                raise RuntimeError(f"the launcher exited with code {self.process.returncode} while starting:\n"
                                   + "".join(self.lines[-40:]))
            if time.monotonic() - started > timeout:
                raise RuntimeError(f"no '{BANNER}' after {timeout} s:\n" + "".join(self.lines[-40:]))
        return time.monotonic() - started

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)
            if BANNER in line:
                self._ready.set()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(timeout=STOP_S)
        except subprocess.TimeoutExpired:
            print("==> the launcher did not stop within a minute of Ctrl-C: killing it", flush=True)
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def problems(self, since: int = 0) -> List[str]:
        return [line.rstrip() for line in self.lines[since:] if LOG_PROBLEM.search(line)]


# -- the two phases -------------------------------------------------------------------------------
class Phones:
    """The WeChat residents' phones: the customer-service messages the fake WeChat API received,
    per resident, in order, with the (wall-clock) time each arrived."""

    def __init__(self, fake_api: str) -> None:
        self.fake_api = fake_api
        self.received: Dict[str, List[tuple]] = {}

    async def watch(self, session: aiohttp.ClientSession) -> None:
        while True:
            async with session.get(f"{self.fake_api}/_fake/requests",
                                   timeout=aiohttp.ClientTimeout(total=30)) as response:
                records = await response.json(content_type=None)
            received: Dict[str, List[tuple]] = {}
            for r in records:
                if r.get("method") == "POST" and "message/custom/send" in r.get("path", "") \
                        and isinstance(r.get("body"), dict):
                    content = (r["body"].get("text") or {}).get("content", "")
                    received.setdefault(r["body"].get("touser"), []).append((r["at"], content))
            self.received = received
            await asyncio.sleep(POLL_S)

    async def message(self, sender: str, index: int) -> Optional[tuple]:
        """The resident's ``index``-th customer-service message (at, text), once it arrives."""
        deadline = time.monotonic() + LATE_ANSWER_S
        while len(self.received.get(sender, [])) <= index:
            if time.monotonic() > deadline:
                return None
            await asyncio.sleep(POLL_S)
        return self.received[sender][index]


async def wechat_resident(session: aiohttp.ClientSession, url: str, account: Account, sender: str,
                          steps: Sequence[tuple], msg_ids, phones: Phones) -> List[Sample]:
    samples = []
    for step, text in steps:
        push = text_message(account, sender, text, msg_id=next(msg_ids))
        late_index = len(phones.received.get(sender, []))
        started, wall_started = time.perf_counter(), time.time()
        delivery = await deliver(session, url, account, push)
        seconds = time.perf_counter() - started
        sample = Sample("wechat", sender, step, text, seconds, delivery.outcome, delivery.attempts,
                        (delivery.reply or {}).get("text", ""), delivery.detail)
        if delivery.outcome == "reply":
            sample.answered = seconds
        elif delivery.outcome == "success":
            late = await phones.message(sender, late_index)
            if late is not None:
                sample.answered, sample.answer = late[0] - wall_started, late[1]
        samples.append(sample)
    return samples


async def wechat_phase(assistant: "Assistant", url: str, account: Account, steps: Dict[str, List[tuple]],
                       msg_ids) -> tuple:
    phones = Phones(assistant.fake_api)
    async with aiohttp.ClientSession() as session:
        watching = asyncio.ensure_future(phones.watch(session))
        try:
            return await run_phase(
                lambda s, sender: wechat_resident(s, url, account, sender, steps[sender], msg_ids, phones),
                list(steps))
        finally:
            watching.cancel()


async def rest_resident(session: aiohttp.ClientSession, url: str, sender: str,
                        steps: Sequence[tuple]) -> List[Sample]:
    samples = []
    for step, text in steps:
        started = time.perf_counter()
        try:
            async with session.post(url, json={"sender": sender, "message": text},
                                    timeout=aiohttp.ClientTimeout(total=REST_TIMEOUT_S)) as response:
                body = await response.json(content_type=None) if response.status == 200 else await response.text()
            seconds = time.perf_counter() - started
            if response.status != 200:
                samples.append(Sample("rest", sender, step, text, seconds, "error", detail=f"HTTP {response.status}"))
                continue
            answer = "\n".join(str(m.get("text") or "") for m in body if isinstance(m, dict))
            samples.append(Sample("rest", sender, step, text, seconds, "reply", answer=answer,
                                  answered=seconds))
        except (asyncio.TimeoutError, aiohttp.ClientError, ValueError) as error:
            samples.append(Sample("rest", sender, step, text, time.perf_counter() - started, "error",
                                  detail=f"{type(error).__name__}: {error}"))
    return samples


async def run_phase(make_resident, senders: Sequence[str]) -> tuple:
    connector = aiohttp.TCPConnector(limit=0, force_close=False)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        per_resident = await asyncio.gather(*(make_resident(session, sender) for sender in senders))
        wall = time.perf_counter() - started
    return [sample for samples in per_resident for sample in samples], wall


async def warm_up(assistant: Assistant) -> None:
    """A few unmeasured messages: the first calls build TensorFlow's graphs. No ticket (not confirmed)."""
    sender = "bench-warm-up"
    async with aiohttp.ClientSession() as session:
        await rest_resident(session, f"{assistant.rasa}/webhooks/rest/webhook", sender,
                            [("report", f"{BUILDING}栋1单元101厨房电闸跳了"), ("明天上午", "明天上午"),
                             ("取消", "取消"), *[(q, q) for q in QUESTIONS]])


async def customer_service_messages(assistant: Assistant, senders: Sequence[str]) -> int:
    """Customer-service messages the fake WeChat API got for these residents (answers sent late)."""
    wanted = set(senders)
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{assistant.fake_api}/_fake/requests",
                               timeout=aiohttp.ClientTimeout(total=30)) as response:
            records = await response.json(content_type=None)
    return sum(1 for r in records if r.get("method") == "POST" and "message/custom/send" in r.get("path", "")
               and isinstance(r.get("body"), dict) and r["body"].get("touser") in wanted)


# -- the tickets ----------------------------------------------------------------------------------
def tickets_per_resident(database_url: str, senders: Sequence[str]) -> Dict[str, Dict[str, int]]:
    """Per sender: repair tickets it opened, other tickets it opened, tickets of others it joined."""
    from sqlalchemy import select

    from bot.db.engine import make_engine, make_session_factory
    from bot.db.models import Resident, Ticket, TicketReporter

    engine = make_engine(database_url)
    counts = {sender: {"repair": 0, "other": 0, "joined": 0} for sender in senders}
    try:
        with make_session_factory(engine)() as session:
            residents = dict(session.execute(
                select(Resident.id, Resident.openid).where(Resident.openid.in_(list(senders)))).all())
            for resident_id, request_type in session.execute(
                    select(Ticket.resident_id, Ticket.request_type).where(Ticket.resident_id.in_(list(residents)))):
                counts[residents[resident_id]]["repair" if request_type == "repair" else "other"] += 1
            for resident_id, in session.execute(
                    select(TicketReporter.resident_id).join(Ticket, Ticket.id == TicketReporter.ticket_id).where(
                        TicketReporter.resident_id.in_(list(residents)), Ticket.resident_id != TicketReporter.resident_id)):
                counts[residents[resident_id]]["joined"] += 1
    finally:
        engine.dispose()
    return counts


def ticket_summary(counts: Dict[str, Dict[str, int]]) -> Dict:
    return {
        "residents": len(counts),
        "exactly_one_repair": sum(c["repair"] == 1 for c in counts.values()),
        "duplicate_tickets": sum(max(0, c["repair"] - 1) for c in counts.values()),
        "residents_with_duplicates": sorted(s for s, c in counts.items() if c["repair"] > 1),
        "residents_without_ticket": sorted(s for s, c in counts.items() if c["repair"] == 0),
        "joined_another_ticket": sum(c["joined"] for c in counts.values()),
        "other_tickets": sum(c["other"] for c in counts.values()),
    }


# -- the numbers ----------------------------------------------------------------------------------
def percentile(values: Sequence[float], p: float) -> float:
    """Nearest rank: the smallest value with at least p % of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] if ordered else float("nan")


def summary(samples: List[Sample], wall: float) -> Dict:
    seconds = [s.seconds for s in samples]
    answered = [s.answered for s in samples if not math.isnan(s.answered)]
    outcomes = Counter(s.outcome for s in samples)
    by_step: Dict[str, List[float]] = {}
    for s in samples:
        by_step.setdefault(s.step, []).append(s.seconds)
    return {
        "messages": len(samples), "wall_seconds": wall, "messages_per_second": len(samples) / wall if wall else 0.0,
        "p50": percentile(seconds, 50), "p95": percentile(seconds, 95), "p99": percentile(seconds, 99),
        "max": max(seconds, default=float("nan")), "mean": statistics.fmean(seconds) if seconds else float("nan"),
        "outcomes": dict(outcomes),
        "answered": len(answered), "answer_p50": percentile(answered, 50),
        "answer_p95": percentile(answered, 95), "answer_p99": percentile(answered, 99),
        "answer_max": max(answered, default=float("nan")),
        "retried_pushes": sum(s.attempts > 1 for s in samples),
        "extra_tries": sum(s.attempts - 1 for s in samples),
        "over_5s": sum(s.seconds > WECHAT_TIMEOUT_SECONDS for s in samples),
        "as_expected": sum(s.as_expected for s in samples),
        "by_step": {step: {"n": len(v), "p50": percentile(v, 50), "p95": percentile(v, 95), "max": max(v)}
                    for step, v in by_step.items()},
        "failures": [asdict(s) for s in samples if s.outcome not in ("reply", "success")][:20],
        "unexpected_answers": [asdict(s) for s in samples if s.outcome == "reply" and not s.as_expected][:20],
    }


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def report(results: Dict) -> str:
    wechat, rest = results["wechat"], results["rest"]
    tickets = results["tickets"]
    n = results["residents"]
    targets = results["targets"]

    def yes(ok: bool) -> str:
        return "met" if ok else "**NOT met**"

    rows = [
        ("messages", wechat["messages"], rest["messages"]),
        ("reply to WeChat p50", ms(wechat["p50"]), ms(rest["p50"])),
        ("reply to WeChat p95", ms(wechat["p95"]), ms(rest["p95"])),
        ("reply to WeChat p99", ms(wechat["p99"]), ms(rest["p99"])),
        ("reply to WeChat max", ms(wechat["max"]), ms(rest["max"])),
        ("answer seen by the resident p50", ms(wechat["answer_p50"]), ms(rest["answer_p50"])),
        ("answer seen by the resident p95", ms(wechat["answer_p95"]), ms(rest["answer_p95"])),
        ("answer seen by the resident p99", ms(wechat["answer_p99"]), ms(rest["answer_p99"])),
        ("answer seen by the resident max", ms(wechat["answer_max"]), ms(rest["answer_max"])),
        ("answers that reached the resident", f"{wechat['answered']}/{wechat['messages']}",
         f"{rest['answered']}/{rest['messages']}"),
        ("messages/s", f"{wechat['messages_per_second']:.1f}", f"{rest['messages_per_second']:.1f}"),
        ("phase wall time", f"{wechat['wall_seconds']:.1f} s", f"{rest['wall_seconds']:.1f} s"),
        ("pushes retried by WeChat (extra tries)", f"{wechat['retried_pushes']} ({wechat['extra_tries']})", "–"),
        ("answers later than 5 s", wechat["over_5s"], rest["over_5s"]),
        ("`success` (answer handed to customer-service messages)", wechat["outcomes"].get("success", 0), "–"),
        ("no answer / refused / unreadable / errors",
         sum(wechat["outcomes"].get(k, 0) for k in ("no_answer", "refused", "unreadable", "empty")),
         rest["outcomes"].get("error", 0)),
        ("answers with the expected content", f"{wechat['as_expected']}/{wechat['messages']}",
         f"{rest['as_expected']}/{rest['messages']}"),
        ("residents with exactly one repair ticket", f"{tickets['wechat']['exactly_one_repair']}/{n}",
         f"{tickets['rest']['exactly_one_repair']}/{n}"),
        ("duplicate tickets", tickets["wechat"]["duplicate_tickets"], tickets["rest"]["duplicate_tickets"]),
        ("repairs joined to another resident's ticket", tickets["wechat"]["joined_another_ticket"],
         tickets["rest"]["joined_another_ticket"]),
    ]
    steps = list(wechat["by_step"])
    step_rows = [(step, wechat["by_step"][step]["n"],
                  f"{ms(wechat['by_step'][step]['p50'])} / {ms(wechat['by_step'][step]['p95'])}",
                  f"{ms(rest['by_step'][step]['p50'])} / {ms(rest['by_step'][step]['p95'])}" if step in rest["by_step"] else "–")
                 for step in steps]
    at_target = n == TARGET_RESIDENTS
    lines = [
        "# WeChat channel under load vs Rasa's bare REST channel",
        "",
        f"Machine: {results['machine']}. Load average before the run: {results['load_before']}.",
        f"{n} residents at once, {results['messages']} messages each in sequence (a repair: report, time, "
        f"confirm; then questions), WeChat phase first, then the REST phase, on one assistant "
        f"(`python -m bot.cli run`, dev mode, {'safe mode (encrypted)' if results['encrypted'] else 'plaintext mode'}, "
        f"started in {results['startup_seconds']:.0f} s; {results['warm_up_messages']} warm-up messages not counted). "
        f"WeChat: {WECHAT_TIMEOUT_SECONDS:g} s timeout, up to {WECHAT_TRIES} tries of one MsgId. "
        "Latencies from the first try: until WeChat has its reply (passive reply or `success`), and until "
        "the resident has the answer (after `success`: the customer-service message); a resident sends its "
        "next message once it has the answer. Percentiles: nearest rank.",
        "",
        table(["", "WeChat webhook", "REST (bare)"], rows),
        "",
        f"Targets{'' if at_target else f' (set for {TARGET_RESIDENTS} residents; this run had {n})'}:",
        "",
        f"- p99 under {TARGET_P99_S:g} s (answer seen by the resident): {wechat['answer_p99']:.3f} s, "
        f"{yes(targets['p99'])}",
        f"- every push replied to within WeChat's 5 s, and every answer reaching the resident: "
        f"{wechat['over_5s']} replies later, {wechat['outcomes'].get('no_answer', 0)} pushes with no reply "
        f"on any try, {wechat['messages'] - wechat['answered']} answers that never reached the resident, "
        f"{yes(targets['none_over_5s'])}",
        f"- zero duplicate tickets: {tickets['wechat']['duplicate_tickets']} (WeChat), "
        f"{tickets['rest']['duplicate_tickets']} (REST), {yes(targets['zero_duplicates'])}",
        "",
        "Reply to WeChat by message (WeChat) and REST latency, p50 / p95:",
        "",
        table(["message", "per phase", "WeChat", "REST"], step_rows),
        "",
        f"Customer-service messages to the WeChat residents (answers sent after `success`, or after a "
        f"passive reply's first message): {results['customer_service_messages']}.",
        f"Lines in the assistant's log that look like problems: {len(results['log_problems'])}"
        + ("" if not results["log_problems"] else ", the first ones:"),
        *[f"    {line}" for line in results["log_problems"][:10]],
        "",
        f"Whole run (start, warm-up, both phases, ticket count, stop): {results['total_seconds']:.0f} s.",
    ]
    return "\n".join(lines)


# -- main -----------------------------------------------------------------------------------------
def aes_key() -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(43))


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.wechat_load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=TARGET_RESIDENTS, help="residents at once (default 20)")
    parser.add_argument("--messages", type=int, default=10, help="messages per resident, at least 3 (default 10)")
    parser.add_argument("--encrypt", action="store_true", help="safe mode: pushes and replies encrypted (AES)")
    args = parser.parse_args(argv)
    if args.residents < 1 or args.messages < 3:
        parser.error("at least 1 resident and 3 messages (the repair conversation)")
    if args.residents > FLOORS * DOORS:
        print(f"==> note: more than {FLOORS * DOORS} residents: room numbers repeat in other units, and the "
              "duplicate check joins such repairs (it ignores the unit)", flush=True)
    begun = time.monotonic()
    load_before = " ".join(Path("/proc/loadavg").read_text().split()[:3]) if Path("/proc/loadavg").exists() else "?"
    from bot.run import DEV_WECHAT
    key = aes_key() if args.encrypt else ""
    account = Account(DEV_WECHAT["WECHAT_TOKEN"], DEV_WECHAT["WECHAT_APPID"], key)
    tag = secrets.token_hex(3)
    wechat_senders = [openid(f"W{tag}", i) for i in range(args.residents)]
    rest_senders = [f"bench-rest-{tag}-{i:03d}" for i in range(args.residents)]
    wechat_steps = {s: conversation(i, args.messages, "水管", 0) for i, s in enumerate(wechat_senders)}
    rest_steps = {s: conversation(i, args.messages, "水龙头", 1) for i, s in enumerate(rest_senders)}
    msg_ids = itertools.count(int(time.time()) * 10**6)

    with tempfile.TemporaryDirectory(prefix="wechat-load-") as folder:
        assistant = Assistant(Path(folder), key)
        try:
            print(f"==> starting the assistant (python -m bot.cli run, dev mode) on {assistant.rasa}", flush=True)
            startup = assistant.start()
            print(f"==> up in {startup:.0f} s; warming up", flush=True)
            asyncio.run(warm_up(assistant))
            webhook = f"{assistant.rasa}/webhooks/wechat/webhook"
            print(f"==> phase A: {args.residents} WeChat residents × {args.messages} messages", flush=True)
            wechat_samples, wechat_wall = asyncio.run(wechat_phase(assistant, webhook, account, wechat_steps,
                                                                    msg_ids))
            print(f"==> phase B: {args.residents} REST residents × {args.messages} messages", flush=True)
            rest_url = f"{assistant.rasa}/webhooks/rest/webhook"
            rest_samples, rest_wall = asyncio.run(run_phase(
                lambda session, s: rest_resident(session, rest_url, s, rest_steps[s]), rest_senders))
            late = asyncio.run(customer_service_messages(assistant, wechat_senders))
            tickets = {"wechat": ticket_summary(tickets_per_resident(assistant.database_url, wechat_senders)),
                       "rest": ticket_summary(tickets_per_resident(assistant.database_url, rest_senders))}
        except BaseException:
            if assistant.lines:
                print("==> the assistant's last lines:\n" + "".join(assistant.lines[-30:]), file=sys.stderr)
            raise
        finally:
            print("==> stopping the assistant (Ctrl-C)", flush=True)
            assistant.stop()
    problems = assistant.problems()  # shutdown included
    if assistant.process.returncode != 0:
        problems.append(f"the launcher exited with code {assistant.process.returncode} after Ctrl-C")

    wechat, rest = summary(wechat_samples, wechat_wall), summary(rest_samples, rest_wall)
    results = {
        "machine": machine(), "load_before": load_before, "residents": args.residents, "messages": args.messages,
        "encrypted": args.encrypt, "startup_seconds": startup, "warm_up_messages": 3 + len(QUESTIONS),
        "wechat": wechat, "rest": rest, "tickets": tickets, "customer_service_messages": late,
        "log_problems": problems, "total_seconds": time.monotonic() - begun,
        "targets": {
            "p99": wechat["answer_p99"] < TARGET_P99_S,
            "none_over_5s": wechat["over_5s"] == 0 and wechat["outcomes"].get("no_answer", 0) == 0
            and wechat["answered"] == wechat["messages"],
            "zero_duplicates": tickets["wechat"]["duplicate_tickets"] == 0 and tickets["rest"]["duplicate_tickets"] == 0,
        },
    }
    text = report(results)
    REPORTS.mkdir(exist_ok=True)
    (REPORTS / "wechat_load.md").write_text(text + "\n", encoding="utf-8")
    write_json(REPORTS / "wechat_load.json", results)
    print(text)
    return 0  # a benchmark: the report says which targets were met


if __name__ == "__main__":
    sys.exit(main())
