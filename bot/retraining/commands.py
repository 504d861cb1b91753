"""``python -m bot.cli model …``: the console's model page for scripts.

    model                      train the model for the current inputs if there is none (make model)
    model status               the model answering now, the last training, the switch history
    model train [--wait]       retrain in the background (--wait: until it is scored)
    model compare [MODEL]      held-out F1 per intent, MODEL (default: the last trained) against the active
    model activate MODEL [--override --reason TEXT]
    model restore              back to the model before the active one
    model prune                delete old models (keeps the active, the previous, the current data's
                               and the last three trainings')
"""

from __future__ import annotations

import argparse
import time

from bot.retraining.control import ControlError
from bot.retraining.evaluation import Comparison, compare
from bot.retraining.registry import RegistryError
from bot.retraining.service import ActivationRefused, RetrainingService
from bot.retraining.training import TrainingBusy
from bot.settings import Settings


def add_parser(commands) -> None:
    model = commands.add_parser("model", help="the NLU model: train if needed (no action), or retrain/compare/activate")
    actions = model.add_subparsers(dest="action")
    actions.add_parser("status", help="the active model, the last training, the switch history")
    train = actions.add_parser("train", help="retrain on the current data in the background, then score it")
    train.add_argument("--wait", action="store_true", help="wait until the new model is scored")
    train.add_argument("--by", default="cli")
    compare = actions.add_parser("compare", help="held-out F1 per intent: a model against the active one")
    compare.add_argument("model", nargs="?", help="a model file name (default: the last trained)")
    activate = actions.add_parser("activate", help="switch the running assistant to a model (no downtime)")
    activate.add_argument("model")
    activate.add_argument("--override", action="store_true", help="even if a ticket intent's F1 fell beyond the margin")
    activate.add_argument("--reason", default="", help="why (required with --override)")
    activate.add_argument("--by", default="cli")
    restore = actions.add_parser("restore", help="switch back to the model before the active one")
    restore.add_argument("--by", default="cli")
    actions.add_parser("prune", help="delete old models (keeps the active, the previous, the current data's "
                                     "and the last three trainings')")


def run(args: argparse.Namespace, settings: Settings) -> int:
    service = RetrainingService(settings)
    try:
        return {"status": _status, "train": _train, "compare": _compare, "activate": _activate,
                "restore": _restore, "prune": _prune}[args.action](service, args)
    except (ActivationRefused, ControlError, RegistryError, TrainingBusy) as error:
        print(f"error: {error}")
        if isinstance(error, ActivationRefused) and error.comparison is not None:
            print(render(error.comparison))
        return 1


def render(comparison: Comparison) -> str:
    def cell(value) -> str:
        return "—" if value is None else f"{value:.3f}"
    lines = [f"{'intent':24} {'active':>8} {'new':>8} {'change':>8}"]
    for row in comparison.rows:
        change = "" if row.delta is None else f"{row.delta:+.3f}"
        flag = "  ← beyond the margin" if row.blocked else ""
        lines.append(f"{row.intent:24} {cell(row.active):>8} {cell(row.candidate):>8} {change:>8}{flag}")
    lines.append(f"ticket intents, macro F1: {cell(comparison.active_macro)} → {cell(comparison.candidate_macro)}"
                 f" (margin {comparison.margin:.2f}: {'passes' if comparison.passes else 'REFUSED'})")
    return "\n".join(lines)


def _status(service: RetrainingService, args) -> int:
    overview = service.overview()
    if overview.serving is None:
        print(f"Rasa: not answering ({overview.unreachable})")
    print(f"active model: {overview.active or 'none recorded'}"
          + (f" (switching to {overview.switching})" if overview.switching else ""))
    if overview.latest:
        latest = overview.latest
        print(f"last training: {latest['id']} {latest['status']} {latest['progress']}% {latest.get('model') or ''}"
              + (f"\n  {latest['error']}" if latest.get("error") else ""))
    for entry in overview.history:
        print(f"  {entry['at']} {entry['by']}: {entry.get('previous')} → {entry['model']}"
              + (" (override: " + entry["reason"] + ")" if entry.get("override") else ""))
    return 0


def _train(service: RetrainingService, args) -> int:
    record = service.trainings.start(args.by)
    print(f"==> training {record['id']} started in the background (log: models/trainings/{record['id']}.log)")
    if not args.wait:
        return 0
    while record["status"] not in ("done", "failed"):
        time.sleep(2)
        record = service.trainings.get(record["id"])
        print(f"    {record['progress']:3d}% {record['stage']}", flush=True)
    if record["status"] == "failed":
        print(f"error: {record['error']}")
        return 1
    return _compare(service, argparse.Namespace(model=record["model"]))


def _compare(service: RetrainingService, args) -> int:
    model = args.model
    if not model:
        latest = service.trainings.latest()
        model = latest and latest.get("model")
        if not model:
            print("error: no trained model yet: python -m bot.cli model train")
            return 1
    active = service.overview().active
    files = service.settings.heldout_files
    print(f"==> scoring {model} and the active model {active} on {', '.join(file.name for file in files)}")
    candidate = service.trainings.evaluation(model)
    comparison = compare(service.trainings.evaluation(active) if active else None, candidate,
                         service.settings.retrain_f1_margin)
    print(render(comparison))
    return 0


def _activate(service: RetrainingService, args) -> int:
    service.trainings.evaluation(args.model)  # scored now if it never was (a model trained by make model)
    active = service.overview().active
    if active:
        service.trainings.evaluation(active)
    service.activate(args.model, by=args.by, override=args.override, reason=args.reason)
    print(f"==> switching to {args.model}; the assistant keeps answering with {active} meanwhile")
    state = service.control.wait(args.model)
    print(f"==> now answering with {args.model} (switched in {state.get('last_switch_seconds')} s)")
    return 0


def _restore(service: RetrainingService, args) -> int:
    state = service.restore(by=args.by)
    model = state.get("loading") or state.get("active")
    print(f"==> switching back to {model}")
    service.control.wait(model)
    print(f"==> now answering with {model}")
    return 0


def _prune(service: RetrainingService, args) -> int:
    removed = service.prune()
    for name in removed:
        print(f"    deleted {name}")
    print(f"==> {len(removed)} old model(s) deleted")
    return 0
