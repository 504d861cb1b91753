"""`make nlu-eval`: Rasa's 5-fold cross-validation of our pipeline, Rasa's stock pipeline and our
linear alternative (bench/common.py),
on the same data in the same run (`python -m bench.nlu_eval ours` for one). Per-intent reports and confusion matrices go to reports/cv/<name>/,
the comparison to reports/cv/summary.md."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from bench.common import PIPELINES, REPORTS, ROOT, machine, table
from bot.retraining.evaluation import out_of_scope_as_ticket, ticket_macro_f1

FOLDS = 5


def cross_validate(name: str, config) -> dict:
    out = REPORTS / "cv" / name
    print(f"==> {name}: {FOLDS}-fold cross-validation with {config.relative_to(ROOT)} (several minutes)", flush=True)
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "rasa", "test", "nlu", "--nlu", "nlu_data", "--config", str(config),
         "--cross-validation", "--folds", str(FOLDS), "--out", str(out), "--quiet"],
        cwd=ROOT, check=True, env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
    )
    seconds = time.monotonic() - started
    report = json.loads((out / "intent_report.json").read_text(encoding="utf-8"))
    errors = json.loads((out / "intent_errors.json").read_text(encoding="utf-8"))
    # Rebuild (expected, predicted) pairs: every error, plus the correct ones counted from the report.
    pairs = [(e["intent"], e["intent_prediction"]["name"]) for e in errors]
    for intent, scores in report.items():
        if isinstance(scores, dict) and "support" in scores and intent not in ("macro avg", "weighted avg", "micro avg"):
            wrong = sum(1 for want, _ in pairs if want == intent)
            pairs += [(intent, intent)] * (int(scores["support"]) - wrong)
    return {"report": report, "pairs": pairs, "seconds": seconds}


def main(argv=None) -> int:
    """Cross-validate the pipelines named on the command line (default: all of them)."""
    names = (argv if argv is not None else sys.argv[1:]) or list(PIPELINES)
    unknown = [name for name in names if name not in PIPELINES]
    if unknown:
        print(f"unknown pipeline(s) {unknown}; choose from {list(PIPELINES)}", file=sys.stderr)
        return 2
    results = {name: cross_validate(name, PIPELINES[name]) for name in names}
    intents = sorted(k for k, v in results[names[0]]["report"].items()
                     if isinstance(v, dict) and "support" in v and not k.endswith("avg"))
    rows = [[intent] + [f"{results[n]['report'].get(intent, {}).get('f1-score', 0):.3f}" for n in names]
            for intent in intents]
    summary = [
        f"# NLU cross-validation ({FOLDS} folds), ours vs Rasa's stock pipeline vs the linear alternative",
        "",
        f"Machine: {machine()}",
        "",
        table(["", *names], [
            ["ticket intents, macro F1"] + [f"{ticket_macro_f1(results[n]['pairs']):.3f}" for n in names],
            ["out_of_scope classified as a ticket"] + [f"{out_of_scope_as_ticket(results[n]['pairs']):.1%}" for n in names],
            ["all intents, macro F1"] + [f"{results[n]['report']['macro avg']['f1-score']:.3f}" for n in names],
            ["cross-validation wall time"] + [f"{results[n]['seconds']:.0f} s" for n in names],
        ]),
        "",
        "Per-intent F1:",
        "",
        table(["intent", *names], rows),
        "",
        "Details: reports/cv/<name>/intent_report.json, intent_errors.json, intent_confusion_matrix.png.",
    ]
    (REPORTS / "cv" / "summary.md").write_text("\n".join(summary) + "\n", encoding="utf-8")
    print("\n".join(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
