"""Scoring a model on the held-out messages, and the gate a new model must pass to be activated.

The held-out files (``HELDOUT_FILES``: ``tests/data/heldout.yml`` and the blind sets) hold
resident messages that are never in the training data. A candidate and the active model are
scored on the same messages; the candidate may replace the active one only if no ticket intent's
F1 falls by more than the margin, unless an admin overrides (recorded with a reason).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import yaml

from bot.tickets import REQUEST_TYPES

TICKET_INTENTS: Tuple[str, ...] = tuple(REQUEST_TYPES)
FALLBACK = "nlu_fallback"
Pairs = List[Tuple[str, str]]  # (wanted intent, predicted intent)


def f1(pairs: Pairs, intent: str) -> float:
    tp = sum(1 for want, got in pairs if want == intent and got == intent)
    fp = sum(1 for want, got in pairs if want != intent and got == intent)
    fn = sum(1 for want, got in pairs if want == intent and got != intent)
    return 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)


def ticket_macro_f1(pairs: Pairs) -> float:
    return sum(f1(pairs, intent) for intent in TICKET_INTENTS) / len(TICKET_INTENTS)


def out_of_scope_as_ticket(pairs: Pairs) -> float:
    predicted = [got for want, got in pairs if want == "out_of_scope"]
    return sum(got in TICKET_INTENTS for got in predicted) / max(1, len(predicted))


def load_heldout(paths: Sequence[Path]) -> List[Dict[str, Any]]:
    """Every file's messages, in order."""
    return [item for path in paths for item in yaml.safe_load(path.read_text(encoding="utf-8"))]


def heldout_hash(paths: Sequence[Path]) -> str:
    """Changes when any file's name or content does: a cached score belongs to exactly these messages."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def top_intent(parsed: Dict[str, Any]) -> str:
    """The model's best intent, looking past the fallback as ``rasa test nlu`` does."""
    for ranked in parsed.get("intent_ranking") or []:
        if ranked.get("name") != FALLBACK:
            return ranked["name"]
    return (parsed.get("intent") or {}).get("name") or FALLBACK


def scores(pairs: Pairs) -> Dict[str, Any]:
    """Per-intent precision/recall/F1 and the headline numbers the README reports."""
    intents = sorted({want for want, _ in pairs})
    per_intent = {}
    for intent in intents:
        tp = sum(1 for want, got in pairs if want == intent and got == intent)
        predicted = sum(1 for _, got in pairs if got == intent)
        support = sum(1 for want, _ in pairs if want == intent)
        per_intent[intent] = {"precision": tp / predicted if predicted else 0.0,
                              "recall": tp / support if support else 0.0,
                              "f1": f1(pairs, intent), "support": support}
    return {"intents": per_intent, "ticket_macro_f1": ticket_macro_f1(pairs),
            "out_of_scope_as_ticket": out_of_scope_as_ticket(pairs),
            "accuracy": sum(want == got for want, got in pairs) / max(1, len(pairs)), "messages": len(pairs)}


def predict(model_path: Path, heldout: Sequence[Dict[str, Any]]) -> List[str]:
    """Load the model (about 15 s) and give its top intent for each of ``heldout``'s messages."""
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog
    configure_structlog(logging.WARNING)  # not a line per parsed message
    agent = Agent.load(str(model_path))
    loop = asyncio.new_event_loop()
    try:
        return [top_intent(loop.run_until_complete(agent.parse_message(item["text"]))) for item in heldout]
    finally:
        loop.close()


def evaluate_model(model_path: Path, heldout: Sequence[Dict[str, Any]]) -> Dict[str, Any]:
    """Load the model and score it on ``heldout``."""
    return scores([(item["intent"], got) for item, got in zip(heldout, predict(model_path, heldout))])


@dataclass(frozen=True)
class Row:
    intent: str
    active: Optional[float]
    candidate: Optional[float]
    ticket: bool
    blocked: bool  # a ticket intent that lost more than the margin

    @property
    def delta(self) -> Optional[float]:
        if self.active is None or self.candidate is None:
            return None
        return self.candidate - self.active


@dataclass(frozen=True)
class Comparison:
    rows: Tuple[Row, ...]
    margin: float
    active_macro: Optional[float]
    candidate_macro: Optional[float]

    @property
    def blocked(self) -> Tuple[Row, ...]:
        return tuple(row for row in self.rows if row.blocked)

    @property
    def passes(self) -> bool:
        return not self.blocked


def compare(active: Optional[Dict[str, Any]], candidate: Dict[str, Any], margin: float) -> Comparison:
    """Side by side per intent, ticket intents first. With no active evaluation nothing blocks."""
    old = (active or {}).get("intents", {})
    new = candidate.get("intents", {})
    names = sorted(set(old) | set(new), key=lambda name: (name not in TICKET_INTENTS, name))
    rows = []
    for name in names:
        before = old[name]["f1"] if name in old else None
        after = new[name]["f1"] if name in new else None
        ticket = name in TICKET_INTENTS
        dropped = before is not None and (after or 0.0) < before - margin - 1e-9
        rows.append(Row(name, before, after, ticket, ticket and dropped))
    return Comparison(tuple(rows), margin, (active or {}).get("ticket_macro_f1"), candidate.get("ticket_macro_f1"))
