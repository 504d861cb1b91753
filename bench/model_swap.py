"""`make bench-swap`: switching the model of a live assistant, ours against Rasa's `PUT /model`.

The assistant is started as `make run` starts it (dev mode, free ports, a SQLite database and a
models folder of its own; the current model is copied in, and copied again under a second name
so that each switch loads a whole model from disk). N residents write through the signed WeChat
webhook the whole time, as WeChat pushes (5 s timeout, up to three tries), each pausing 0.5 s
between messages. Three windows, in one run on one server:

  steady     20 s with no switch
  hot swap   POST /webhooks/model/activate (bot.retraining.hot_swap): the new model is built in
             a worker thread, then swapped in; the window ends 5 s after the switch
  PUT /model Rasa's own API, which loads the model inside the event loop

For each window: messages, latency percentiles and maximum, replies later than WeChat's 5 s,
pushes WeChat would have retried, and how long the switch took. Results: reports/model_swap.md
and reports/model_swap.json.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import shutil
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import aiohttp

from bench.common import REPORTS, ROOT, machine, table, write_json
from bench.wechat_load import Assistant, ms, percentile
from bot.model_store import model_name
from bot.retraining.control import ModelControl
from bot.wechat.pusher import WECHAT_TIMEOUT_SECONDS, Account, deliver, text_message

MESSAGES = ["你好", "业主接待日是哪天", "谢谢", "物业费怎么交"]
STEADY_S, AFTER_S, SWITCH_LIMIT_S = 20, 5, 600
CANDIDATE = "swap-candidate.tar.gz"

Sample = Tuple[float, float, str, int]  # (sent at, seconds, outcome, attempts)


class Load:
    def __init__(self, url: str, account: Account, residents: int) -> None:
        self.url, self.account, self.residents = url, account, residents
        self.samples: List[Sample] = []
        self.stop = asyncio.Event()
        self.ids = itertools.count(int(time.time() * 1000))

    async def run(self) -> None:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
            await asyncio.gather(*(self._resident(session, i) for i in range(self.residents)))

    async def _resident(self, session: aiohttp.ClientSession, index: int) -> None:
        openid = f"oSWAP_resident_{index:03d}".ljust(28, "_")
        for text in itertools.cycle(MESSAGES):
            if self.stop.is_set():
                return
            sent = time.time()
            started = time.perf_counter()
            delivery = await deliver(session, self.url, self.account,
                                     text_message(self.account, openid, text, msg_id=next(self.ids)))
            self.samples.append((sent, time.perf_counter() - started, delivery.outcome, delivery.attempts))
            await asyncio.sleep(0.5)


def in_flight(samples: Sequence[Sample], start: float, end: float) -> List[Sample]:
    """Messages that were waiting for their answer at some moment between ``start`` and ``end``."""
    return [s for s in samples if s[0] < end and s[0] + s[1] > start]


def window(chosen: Sequence[Sample]) -> Dict:
    seconds = [s[1] for s in chosen]
    return {"messages": len(chosen), "p50": percentile(seconds, 50), "p95": percentile(seconds, 95),
            "p99": percentile(seconds, 99), "max": max(seconds, default=float("nan")),
            "over_5s": sum(s > WECHAT_TIMEOUT_SECONDS for s in seconds),
            "retried": sum(s[3] > 1 for s in chosen), "not_passive": sum(s[2] != "reply" for s in chosen)}


def _put_model(rasa: str, model: Path) -> None:
    request = urllib.request.Request(f"{rasa}/model", method="PUT", data=json.dumps({"model_file": str(model)}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=SWITCH_LIMIT_S):
        pass


async def hot_swap(rasa: str, token: str) -> float:
    control = ModelControl(rasa, token)
    started = time.monotonic()
    await asyncio.to_thread(control.activate, CANDIDATE, by="bench")
    await asyncio.to_thread(control.wait, CANDIDATE, SWITCH_LIMIT_S, 0.5)
    return time.monotonic() - started


async def put_model(rasa: str, model: Path) -> float:
    started = time.monotonic()
    await asyncio.to_thread(_put_model, rasa, model)
    return time.monotonic() - started


async def measure(assistant: Assistant, account: Account, residents: int, models: Path, token: str) -> Dict:
    load = Load(f"{assistant.rasa}/webhooks/wechat/webhook", account, residents)
    running = asyncio.ensure_future(load.run())
    marks = {"steady": time.time()}
    await asyncio.sleep(STEADY_S)
    print("==> hot swap (bot.retraining.hot_swap) under load", flush=True)
    marks["hot"] = time.time()
    hot_seconds = await hot_swap(assistant.rasa, token)
    await asyncio.sleep(AFTER_S)
    print("==> Rasa's PUT /model under load", flush=True)
    marks["put"] = time.time()
    put_seconds = await put_model(assistant.rasa, models / f"{model_name(ROOT)}.tar.gz")
    await asyncio.sleep(AFTER_S)
    marks["end"] = time.time()
    load.stop.set()
    await running
    # A message belongs to the window it was waiting in; one still waiting when PUT /model began
    # is PUT's (its answer was held up by it), not the hot swap's.
    put = in_flight(load.samples, marks["put"], marks["end"])
    hot = [s for s in in_flight(load.samples, marks["hot"], marks["put"]) if s not in put]
    steady = [s for s in in_flight(load.samples, marks["steady"], marks["hot"]) if s not in hot and s not in put]
    return {"steady": window(steady),
            "hot_swap": {**window(hot), "switch_seconds": hot_seconds},
            "put_model": {**window(put), "switch_seconds": put_seconds}}


def report(results: Dict) -> str:
    names = [("steady", "no switch"), ("hot_swap", "hot swap (ours)"), ("put_model", "Rasa PUT /model")]
    w = results["windows"]

    def row(label: str, fmt) -> List[str]:
        return [label] + [fmt(w[key]) for key, _ in names]
    rows = [
        row("messages", lambda x: str(x["messages"])),
        row("latency p50", lambda x: ms(x["p50"])),
        row("latency p99", lambda x: ms(x["p99"])),
        row("latency max", lambda x: ms(x["max"])),
        row("replies later than 5 s", lambda x: str(x["over_5s"])),
        row("pushes WeChat would retry", lambda x: str(x["retried"])),
        row("not answered passively", lambda x: str(x["not_passive"])),
        row("switch took", lambda x: f"{x['switch_seconds']:.1f} s" if "switch_seconds" in x else "—"),
    ]
    return "\n".join([
        "# Switching the model under load", "",
        f"Machine: {results['machine']}. {results['residents']} residents writing through the signed WeChat "
        "webhook the whole time (0.5 s between messages); each window ends 5 s after its switch, and a "
        "message counts in the window it was waiting for its answer in.", "",
        table(["", *[label for _, label in names]], rows), "",
        "Rasa's PUT /model builds the model inside the event loop: every message waits until it is done. "
        "The hot swap builds it in a worker thread while the old model keeps answering.",
    ])


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.model_swap", description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=10, help="residents writing at once (default 10)")
    args = parser.parse_args(argv)
    from bot.model_store import ensure_model
    from bot.run import DEV_WECHAT
    current = ensure_model(ROOT, ROOT / "models")
    account = Account(DEV_WECHAT["WECHAT_TOKEN"], DEV_WECHAT["WECHAT_APPID"])
    with tempfile.TemporaryDirectory(prefix="model-swap-") as folder:
        models = Path(folder) / "models"
        models.mkdir()
        shutil.copy(current, models / current.name)
        shutil.copy(current, models / CANDIDATE)
        token = "bench-" + "x" * 26
        assistant = Assistant(Path(folder), "")
        assistant.env.update({"MODELS_DIR": str(models), "MODEL_CONTROL_TOKEN": token})
        try:
            print(f"==> starting the assistant (python -m bot.cli run, dev mode) on {assistant.rasa}", flush=True)
            assistant.start()
            print(f"==> {args.residents} residents writing; {STEADY_S} s steady first", flush=True)
            windows = asyncio.run(measure(assistant, account, args.residents, models, token))
        finally:
            print("==> stopping the assistant (Ctrl-C)", flush=True)
            assistant.stop()
    results = {"machine": machine(), "residents": args.residents, "windows": windows,
               "log_problems": assistant.problems()}
    text = report(results)
    REPORTS.mkdir(exist_ok=True)
    (REPORTS / "model_swap.md").write_text(text + "\n", encoding="utf-8")
    write_json(REPORTS / "model_swap.json", results)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
