"""How often the retraining gate refuses a harmless change.

An admin relabels one message in the NLU inbox and retrains. The new model differs from the
active one by one correct example, yet DIET's batches, and so every weight, change: per-intent F1
on the held-out messages moves. This trains the current data with one such example added, once
per example in ``EDITS`` (each a message an admin could meet in the inbox, rightly labelled and
in no training or held-out file), scores each model on the held-out messages
(the settings' ``heldout_files``, as the console does) and asks the gate whether it may replace
the model of the current data. A gate that refuses such changes teaches admins to override it.

    .venv/bin/python -m bench.gate_noise [--edits N]      (about 2.5 minutes a training)

Writes reports/gate_noise.md and reports/gate_noise.json (every model's predictions).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Tuple

from bot.model_store import PROJECT, ensure_model, model_name, train_model
from bot.nlu import reviewed
from bot.retraining.evaluation import TICKET_INTENTS, compare, load_heldout, predict, scores
from bot.settings import load as load_settings

REPORTS = PROJECT / "reports"
# Messages as the NLU inbox would show them, each with the label an admin would give.
EDITS: Tuple[Tuple[str, str], ...] = (
    ("单元门的门禁刷卡没反应 进不去家", "repair"),
    ("隔壁家的狗从早叫到晚 说了也不听 能不能帮着说说", "noise_dispute"),
    ("快递柜显示取件码失效了 东西还锁在里面", "parcel"),
    ("老头子腿脚不便 社保那个人脸认证能上门帮弄吗", "pension_certification"),
    ("小区里新装的健身器材是谁捐的呀", "out_of_scope"),
    ("上回登记的那个事办得咋样了", "check_ticket"),
    ("想问下这个月的接待日还在老地方吗", "ask_reception_day"),
    ("地下车库的排风扇嗡嗡响了一礼拜了 是不是坏了", "repair"),
)


def _copy_inputs(root: Path) -> None:
    for name in ("config.yml", "domain.yml"):
        shutil.copy2(PROJECT / name, root / name)
    shutil.copytree(PROJECT / "nlu_data", root / "nlu_data")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edits", type=int, default=len(EDITS), help="how many of EDITS to try")
    args = parser.parse_args(argv)
    settings = load_settings()
    heldout = load_heldout(settings.heldout_files)
    wanted = [item["intent"] for item in heldout]
    models = PROJECT / "models"

    print(f"==> The model of the current data, scored on {len(heldout)} held-out messages", flush=True)
    base_path = ensure_model(PROJECT, models)
    base = predict(base_path, heldout)
    base_scores = scores(list(zip(wanted, base)))
    runs: List[Dict[str, Any]] = []
    for text, intent in EDITS[:args.edits]:
        with tempfile.TemporaryDirectory(prefix="gate-noise-") as tmp:
            root = Path(tmp)
            _copy_inputs(root)
            reviewed.add(root / "nlu_data" / "nlu" / "reviewed.yml", intent, text)
            started = time.monotonic()
            path = train_model(root, root / "models", model_name(root), log=lambda line: None,
                               on_output=lambda line: None)
            seconds = time.monotonic() - started
            got = predict(path, heldout)
        result = compare(base_scores, scores(list(zip(wanted, got))), settings.retrain_f1_margin)
        runs.append({"text": text, "intent": intent, "train_seconds": round(seconds), "predicted": got,
                     "deltas": {row.intent: row.delta for row in result.rows if row.ticket},
                     "changed": {name: changed(wanted, base, got, name) for name in TICKET_INTENTS},
                     "refused": [row.intent for row in result.blocked]})
        print(f"    + {intent:22s} {text}: refused {runs[-1]['refused'] or 'no'} "
              f"({seconds:.0f} s)", flush=True)
    REPORTS.mkdir(exist_ok=True)
    (REPORTS / "gate_noise.json").write_text(json.dumps(
        {"heldout": [item["text"] for item in heldout], "wanted": wanted, "base": base,
         "margin": settings.retrain_f1_margin, "runs": runs}, ensure_ascii=False, indent=1), encoding="utf-8")
    (REPORTS / "gate_noise.md").write_text(render(runs, settings.retrain_f1_margin), encoding="utf-8")
    print(f"==> reports/gate_noise.md: {sum(bool(run['refused']) for run in runs)} of {len(runs)} "
          "harmless changes refused", flush=True)
    return 0


def changed(wanted: List[str], before: List[str], after: List[str], intent: str) -> Tuple[int, int]:
    """Messages the new model gets wrong and the old one right, as to ``intent`` (a message of it
    read as another, or another read as it), and the other way round: (lost, gained)."""
    right = [[(got == intent) == (want == intent) for want, got in zip(wanted, seen)] for seen in (before, after)]
    return (sum(old and not new for old, new in zip(*right)), sum(new and not old for old, new in zip(*right)))


def render(runs: List[Dict[str, Any]], margin: float) -> str:
    head = "| example added | " + " | ".join(TICKET_INTENTS) + " | refused |\n"
    head += "|---" * (len(TICKET_INTENTS) + 2) + "|\n"
    rows = "".join(
        f"| {run['text']} ({run['intent']}) | "
        + " | ".join(f"{run['deltas'].get(intent) or 0:+.3f} ({run['changed'][intent][0]}/{run['changed'][intent][1]})"
                     for intent in TICKET_INTENTS)
        + f" | {', '.join(run['refused']) or 'no'} |\n" for run in runs)
    refused = sum(bool(run["refused"]) for run in runs)
    return (f"# The retraining gate on harmless changes\n\nOne rightly labelled example added to the current "
            f"data, one training each; ticket-intent F1 change on the held-out messages against the model of "
            f"the current data (in brackets: messages lost/gained as to that intent, the old model right and the "
            f"new one wrong, and the other way round), and whether the gate (margin {margin}) refuses it.\n\n{head}{rows}\n"
            f"Refused: {refused} of {len(runs)}.\n")


if __name__ == "__main__":
    sys.exit(main())
