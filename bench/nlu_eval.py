"""`make nlu-eval`: Rasa's 5-fold cross-validation of our pipeline, Rasa's stock pipeline and our
linear alternative (bench/common.py), on the same data in the same run (`python -m bench.nlu_eval
ours` for one). Per-intent reports and confusion matrices go to reports/cv/<name>/, the comparison
to reports/cv/summary.md.

Each score is given twice. `rasa test nlu` undoes the FallbackClassifier (it scores the classifier's
best guess), while the assistant sends a message below the fallback threshold to nlu_fallback: the
resident is asked to say it again and the message waits for the admins, and it never becomes a
ticket. The second view applies the pipeline's own threshold to each held-out fold's confidence,
as `make bench` scores the held-out file. (The ambiguity threshold needs the full ranking, which
Rasa's reports do not keep, so that view sends slightly fewer messages to the fallback than the
assistant does.)"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import List, Tuple

import yaml

from bench.common import PIPELINES, REPORTS, ROOT, machine, table
from bot import conversation
from bot.model_store import training_env
from bot.retraining.evaluation import TICKET_INTENTS, out_of_scope_as_ticket, ticket_macro_f1

FOLDS = 5
FALLBACK = "nlu_fallback"


def fallback_threshold(config: Path) -> float:
    """The FallbackClassifier's threshold in ``config`` (Rasa's default 0.3 if not set)."""
    pipeline = yaml.safe_load(config.read_text(encoding="utf-8")).get("pipeline") or []
    for component in pipeline:
        if component.get("name") == "FallbackClassifier":
            return float(component.get("threshold", 0.3))
    return 0.0  # no fallback: every guess stands


def as_deployed(results: List[dict], threshold: float) -> List[Tuple[str, str]]:
    """(expected, predicted) pairs with guesses below ``threshold`` sent to nlu_fallback."""
    return [(r["intent"], r["intent_prediction"]["name"]
             if r["intent_prediction"]["confidence"] >= threshold else FALLBACK) for r in results]


def cross_validate(name: str, config) -> dict:
    out = REPORTS / "cv" / name
    print(f"==> {name}: {FOLDS}-fold cross-validation with {config.relative_to(ROOT)} (several minutes)", flush=True)
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "rasa", "test", "nlu", "--nlu", "nlu_data", "--config", str(config),
         "--cross-validation", "--folds", str(FOLDS), "--out", str(out), "--quiet", "--successes"],
        cwd=ROOT, check=True, env=training_env(),
    )
    seconds = time.monotonic() - started
    report = json.loads((out / "intent_report.json").read_text(encoding="utf-8"))
    results = [r for kind in ("errors", "successes")
               for r in json.loads((out / f"intent_{kind}.json").read_text(encoding="utf-8"))]
    pairs = [(r["intent"], r["intent_prediction"]["name"]) for r in results]
    threshold = fallback_threshold(config)
    return {"report": report, "pairs": pairs, "deployed": as_deployed(results, threshold), "threshold": threshold,
            "seconds": seconds, "texts": [r["text"] for r in results]}


def open_ticket_check(texts: List[str], deployed: List[Tuple[str, str]]) -> Tuple[int, int, int, int]:
    """The assistant's second look at a ticket intent (actions/tickets.py, ActionStartTicket): with
    an open ticket of that kind, a message that asks after it or withdraws it gets its progress or
    the question to withdraw it, not a second ticket. Returns (follow-ups and withdrawals read as a
    ticket intent that carry the cue, all such misreadings, real requests that carry a cue, all real
    requests read right). The check fires only when the resident has an open ticket of the kind
    the model named (or the one kind the words name), which these folds cannot know: the first share is what the check can catch, the
    third what it can delay (a real new request then gets the progress and a choice first)."""

    def cued(text: str) -> bool:
        return conversation.is_follow_up(text) or conversation.is_withdrawal(text)

    misread = [text for text, (want, got) in zip(texts, deployed)
               if want in ("check_ticket", "cancel_ticket") and got in TICKET_INTENTS]
    requests = [text for text, (want, got) in zip(texts, deployed) if want in TICKET_INTENTS and got == want]
    return (sum(map(cued, misread)), len(misread), sum(map(cued, requests)), len(requests))


def _share(counts: Tuple[int, int]) -> str:
    part, whole = counts
    return f"{part} of {whole} ({part / max(1, whole):.0%})"


def fallback_share(pairs: List[Tuple[str, str]]) -> float:
    tickets = [got for want, got in pairs if want in TICKET_INTENTS]
    return sum(got == FALLBACK for got in tickets) / max(1, len(tickets))


def main(argv=None) -> int:
    """Cross-validate the pipelines named on the command line (default: all of them)."""
    names = (argv if argv is not None else sys.argv[1:]) or list(PIPELINES)
    unknown = [name for name in names if name not in PIPELINES]
    if unknown:
        print(f"unknown pipeline(s) {unknown}; choose from {list(PIPELINES)}", file=sys.stderr)
        return 2
    results = {name: cross_validate(name, PIPELINES[name]) for name in names}
    checks = {n: open_ticket_check(results[n]["texts"], results[n]["deployed"]) for n in names}
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
            ["ticket intents, macro F1 (Rasa's score: fallback undone)"]
            + [f"{ticket_macro_f1(results[n]['pairs']):.3f}" for n in names],
            ["out_of_scope classified as a ticket (fallback undone)"]
            + [f"{out_of_scope_as_ticket(results[n]['pairs']):.1%}" for n in names],
            ["fallback threshold"] + [f"{results[n]['threshold']:.2f}" for n in names],
            ["ticket intents, macro F1 (as the assistant answers)"]
            + [f"{ticket_macro_f1(results[n]['deployed']):.3f}" for n in names],
            ["out_of_scope that becomes a ticket (as the assistant answers)"]
            + [f"{out_of_scope_as_ticket(results[n]['deployed']):.1%}" for n in names],
            ["ticket requests sent to the fallback (asked to rephrase)"]
            + [f"{fallback_share(results[n]['deployed']):.1%}" for n in names],
            ["follow-ups / withdrawals read as a new request: caught by the open-ticket check"]
            + [_share(checks[n][:2]) for n in names],
            ["requests read right that the open-ticket check would hold (if one of the kind is open)"]
            + [_share(checks[n][2:]) for n in names],
            ["all intents, macro F1"] + [f"{results[n]['report']['macro avg']['f1-score']:.3f}" for n in names],
            ["cross-validation wall time"] + [f"{results[n]['seconds']:.0f} s" for n in names],
        ]),
        "",
        "Per-intent F1:",
        "",
        table(["intent", *names], rows),
        "",
        "Per-intent F1 is Rasa's (fallback undone). \"As the assistant answers\": a guess below the",
        "pipeline's fallback threshold goes to nlu_fallback (the resident is asked to rephrase, the",
        "message waits for the admins) and never becomes a ticket; the ambiguity threshold is not applied.",
        "",
        "Details: reports/cv/<name>/intent_report.json, intent_errors.json, intent_successes.json,",
        "intent_confusion_matrix.png.",
    ]
    (REPORTS / "cv" / "summary.md").write_text("\n".join(summary) + "\n", encoding="utf-8")
    print("\n".join(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
