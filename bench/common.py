"""Shared by the benchmarks: the two pipelines compared, and the scores we report."""

from __future__ import annotations

import json
import platform
import subprocess
from pathlib import Path
from typing import Dict, Iterable, List, Tuple

from bot.tickets import REQUEST_TYPES

ROOT = Path(__file__).resolve().parent.parent
REPORTS = ROOT / "reports"
PIPELINES = {"ours": ROOT / "config.yml", "stock": ROOT / "bench" / "stock_config.yml"}
TICKET_INTENTS = REQUEST_TYPES


def f1(pairs: List[Tuple[str, str]], intent: str) -> float:
    tp = sum(1 for want, got in pairs if want == intent and got == intent)
    fp = sum(1 for want, got in pairs if want != intent and got == intent)
    fn = sum(1 for want, got in pairs if want == intent and got != intent)
    return 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)


def ticket_macro_f1(pairs: List[Tuple[str, str]]) -> float:
    return sum(f1(pairs, intent) for intent in TICKET_INTENTS) / len(TICKET_INTENTS)


def out_of_scope_as_ticket(pairs: List[Tuple[str, str]]) -> float:
    predicted = [got for want, got in pairs if want == "out_of_scope"]
    return sum(got in TICKET_INTENTS for got in predicted) / max(1, len(predicted))


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    memory = "?"
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return f"{cores} cores ({cpu}), {memory} RAM, Python {platform.python_version()}, {platform.system()}"


def table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    header = list(header)
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def write_json(path: Path, data: Dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
