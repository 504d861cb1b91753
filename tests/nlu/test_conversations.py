"""The conversation tests in tests/conversations/ (one file per flow, residents' words in Chinese),
run by `rasa test core` against the trained model: every action of every story must be predicted.

`rasa test core` does not run the custom actions: it replays each story's events (the slots that
actions and ticket_form set are written in the stories as slot_was_set) and checks what the
policies predict next. What the model makes of each message is checked here as well, with the
same model, wherever the intent decides what happens."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest
import yaml

from tests.conftest import ROOT, TICKET_INTENTS

pytestmark = pytest.mark.model

CONVERSATIONS = ROOT / "tests" / "conversations"
RASA_TIMEOUT_S = 900
# Questions that interrupt a form: rules answer them, then the form asks again.
INTERRUPTIONS = ("ask_reception_day", "check_ticket", "human_handoff", "unsubscribe_reminders",
                 "subscribe_reminders")
# Known NLU mistakes, by message: the test of that message is expected to fail until the data is fixed.
NLU_BUGS: Dict[str, str] = {}  # message -> why the model gets it wrong (none known)


def _stories() -> List[Dict]:
    found = []
    for path in sorted(CONVERSATIONS.glob("*.yml")):
        for story in yaml.safe_load(path.read_text(encoding="utf-8"))["stories"]:
            found.append({"file": path.name, **story})
    return found


def _messages():
    """(file, text, intent, answering) of every message of the stories. A message outside a form,
    or a question in the middle of one, must be read as the story's intent: it decides what happens
    next. An answer to a form's question (``answering``: the slot asked for) is taken as it is
    whatever its intent, unless it is read as an intent that slot's mapping skips."""
    for story in _stories():
        active_loop, requested = None, None
        for step in story["steps"]:
            if "active_loop" in step:
                active_loop = step["active_loop"]
            for item in step.get("slot_was_set") or []:
                requested = item.get("requested_slot", requested)
            if "user" in step:
                answer = active_loop is not None and step["intent"] not in INTERRUPTIONS
                yield story["file"], step["user"].strip(), step["intent"], (requested if answer else None)


def _rasa_test_core(model_path: Path, out: Path, *flags: str) -> subprocess.CompletedProcess:
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2",
           "PYTHONWARNINGS": "ignore::DeprecationWarning", "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
           # endpoints.yml reads it; no action is run by `rasa test core`, so nothing listens there.
           "ACTION_ENDPOINT_URL": "http://127.0.0.1:9/webhook",
           "TRACKER_STORE_URL": f"sqlite:///{out / 'conversations.db'}"}
    command = [sys.executable, "-m", "rasa", "test", "core", "--stories", str(CONVERSATIONS),
               "--model", str(model_path), "--out", str(out), "--no-plot", *flags]
    return subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=RASA_TIMEOUT_S)


def test_there_is_a_conversation_test_for_every_flow(domain):
    flows = {path.stem for path in CONVERSATIONS.glob("test_*.yml")}
    assert {"test_repair", "test_noise_dispute", "test_parcel", "test_pension_certification",
            "test_emergency", "test_confirmation", "test_check_ticket", "test_rate_ticket",
            "test_cancel_ticket", "test_reception_day", "test_fallback", "test_smalltalk",
            "test_out_of_scope", "test_reminders"} <= flows
    steps = [step for story in _stories() for step in story["steps"]]
    actions = {step["action"] for step in steps if "action" in step}
    intents = {step["intent"] for step in steps if "intent" in step}
    # The form runs its own validation and questions, and Rasa starts each session; no policy predicts them.
    not_predicted = {"validate_ticket_form", "action_ask_confirmed", "action_ask_address",
                     "action_session_start"}
    assert set(domain["actions"]) - not_predicted <= actions
    assert set(domain["intents"]) | {"nlu_fallback"} <= intents


def test_every_conversation_goes_as_written(model_path, tmp_path):
    result = _rasa_test_core(model_path, tmp_path, "--fail-on-prediction-errors")
    if result.returncode != 0:
        # The flag stops at the first wrong prediction; a second run lists every failed story.
        again = _rasa_test_core(model_path, tmp_path / "all")
        failed = tmp_path / "all" / "failed_test_stories.yml"
        report = failed.read_text(encoding="utf-8") if failed.exists() else again.stdout[-6000:]
        pytest.fail(f"rasa test core failed (exit {result.returncode}).\n--- failed stories ---\n{report}\n"
                    f"--- output ---\n{result.stdout[-4000:]}")
    stories = len(_stories())
    assert f"Evaluating {stories} stories" in result.stdout, result.stdout[-3000:]
    assert re.search(rf"Correct:\s+{stories} / {stories}", result.stdout), result.stdout[-3000:]
    failed = (tmp_path / "failed_test_stories.yml").read_text(encoding="utf-8")
    assert "None of the test stories failed" in failed, failed


def _message_params():
    params = []
    for file, text, intent, answering in _messages():
        marks = [pytest.mark.xfail(strict=True, raises=AssertionError, reason=NLU_BUGS[text])] \
            if text in NLU_BUGS else []
        params.append(pytest.param(text, intent, answering, id=f"{file}:{text[:20]}", marks=marks))
    return params


@pytest.mark.parametrize("text, intent, answering", _message_params())
def test_the_model_reads_each_message_as_the_story_says(parse, domain, text, intent, answering):
    predicted = parse(text)["intent"]["name"]
    if answering is None and intent == "nlu_fallback":
        # How unsure the model is about a vague message moves with every retraining; what must
        # hold is that it never becomes a ticket.
        assert predicted not in TICKET_INTENTS, f"{text!r} read as {predicted}"
    elif answering is None:
        assert predicted == intent
    else:
        # An answer to the form's question: any intent will do except those its slot mapping
        # leaves to the rules (a question in the middle of the form).
        assert predicted not in _not_intents(domain, answering), f"answer to {answering} read as {predicted}"


def _not_intents(domain: Dict, slot: str) -> List[str]:
    mappings = domain["slots"][slot]["mappings"]
    return [intent for mapping in mappings for intent in mapping.get("not_intent", [])]
