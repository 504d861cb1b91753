"""make bench-gate's counts: which held-out messages a retrained model lost or gained, per intent."""

from __future__ import annotations

from bench.gate_noise import EDITS, changed, render
from bot.tickets import REQUEST_TYPES


def test_lost_and_gained_are_counted_per_intent():
    wanted = ["repair", "repair", "out_of_scope", "parcel", "out_of_scope"]
    before = ["repair", "out_of_scope", "out_of_scope", "parcel", "repair"]
    after = ["out_of_scope", "repair", "repair", "parcel", "out_of_scope"]

    # repair: message 0 lost, 2 lost (now a false repair); 1 gained, 4 gained (no longer a false repair)
    assert changed(wanted, before, after, "repair") == (2, 2)
    assert changed(wanted, before, after, "parcel") == (0, 0)


def test_the_report_names_every_refusal():
    run = {"text": "小区里新装的健身器材是谁捐的呀", "intent": "out_of_scope", "refused": ["repair"],
           "deltas": {"repair": -0.022}, "changed": {name: (6, 0) for name in REQUEST_TYPES}}

    report = render([run, {**run, "refused": []}], 0.02)

    assert "-0.022 (6/0)" in report and "| repair |" in report and "Refused: 1 of 2." in report


def test_every_edit_is_a_label_the_model_knows(domain):
    assert {intent for _, intent in EDITS} <= set(domain["intents"])
