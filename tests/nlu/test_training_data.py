"""The training data itself: enough real examples, no contradictions, no leak of held-out messages."""

import re
import subprocess
import sys
from collections import Counter, defaultdict

import pytest
import yaml

from tests.conftest import ROOT, TICKET_INTENTS

MINIMUM_EXAMPLES = {**{intent: 150 for intent in TICKET_INTENTS}, "out_of_scope": 150,
                    "ask_reception_day": 60, "check_ticket": 60,
                    "unsubscribe_reminders": 40, "subscribe_reminders": 40}


def _plain(example):
    """The text of an example without Rasa's entity markup: [电悌]{...} -> 电悌."""
    return re.sub(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})", r"\1", example)


def _normalise(text):
    """Ignore spacing, punctuation and case; keep emoji, which carry meaning (🙏 is thanks)."""
    return re.sub(r"[\s，。！？!?,.~～、…：:；;\"'“”]+", "", text).lower()


@pytest.fixture(scope="module")
def examples():
    """intent -> list of example texts, from every NLU file under nlu_data/."""
    found = defaultdict(list)
    for path in sorted((ROOT / "nlu_data").rglob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
            if "intent" in block:
                for line in block["examples"].splitlines():
                    if line.strip().startswith("- "):
                        found[block["intent"]].append(_plain(line.strip()[2:].strip()))
    return found


def test_every_domain_intent_has_examples(examples, domain):
    missing = [intent for intent in domain["intents"] if not examples.get(intent)]
    assert not missing


@pytest.mark.parametrize("intent, minimum", sorted(MINIMUM_EXAMPLES.items()))
def test_intent_has_enough_examples(examples, intent, minimum):
    assert len(examples[intent]) >= minimum


def test_no_example_is_given_twice_or_under_two_intents(examples):
    owners = defaultdict(set)
    counts = Counter()
    for intent, texts in examples.items():
        for text in texts:
            owners[_normalise(text)].add(intent)
            counts[_normalise(text)] += 1
    contradictions = {text: sorted(intents) for text, intents in owners.items() if len(intents) > 1}
    repeats = [text for text, count in counts.items() if count > 1 and text not in contradictions]
    assert not contradictions
    assert not repeats


def test_no_heldout_message_is_in_the_training_data(examples, heldout):
    training = {_normalise(text) for texts in examples.values() for text in texts}
    leaked = [item["text"] for item in heldout if _normalise(item["text"]) in training]
    assert not leaked, f"held-out messages found in nlu_data/: {leaked}"


def test_no_blind_message_is_in_the_training_data(examples, blind):
    """The blind writers also wrote the commands and greetings everyone writes (转人工, TD, 你好, 业主接待日是哪天):
    those short ones are the same by nature; a longer message in both was copied."""
    training = {_normalise(text) for texts in examples.values() for text in texts}
    leaked = [item["text"] for items in blind.values() for item in items
              if len(_normalise(item["text"])) > 8 and _normalise(item["text"]) in training]
    assert not leaked, f"blind messages found in nlu_data/: {leaked}"


def test_rasa_data_validate_passes_with_no_unexplained_warning(domain):
    """Rasa's validator cannot see responses sent from custom actions; any other warning fails."""
    result = subprocess.run(
        [sys.executable, "-m", "rasa", "data", "validate", "--data", "nlu_data",
         "--domain", "domain.yml", "--config", "config.yml"],
        cwd=ROOT, capture_output=True, text=True,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    action_code = "".join(path.read_text(encoding="utf-8") for path in (ROOT / "actions").glob("*.py"))
    form_slots = {slot for form in domain["forms"].values() for slot in form["required_slots"]}
    unexplained = []
    for warning in re.findall(r"UserWarning: (.*)", output):
        used = re.match(r"The utterance '(utter_\w+)' is not used in any story or rule", warning)
        asked_by_form = used and used.group(1).startswith("utter_ask_") and used.group(1)[10:] in form_slots
        if not (used and (f'"{used.group(1)}"' in action_code or asked_by_form)):
            unexplained.append(warning)
    assert not unexplained
