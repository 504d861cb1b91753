"""The gate a retrained model passes before it answers residents, and how models are scored."""

from __future__ import annotations

import pytest

from bot.retraining.evaluation import compare, heldout_hash, load_heldout, scores, top_intent
from bot.retraining.training import EPOCHS


def evaluation(**f1s):
    return {"intents": {name: {"f1": value} for name, value in f1s.items()},
            "ticket_macro_f1": sum(f1s.get(i, 0) for i in ("repair", "noise_dispute", "parcel",
                                                            "pension_certification")) / 4}


ACTIVE = evaluation(repair=0.97, noise_dispute=0.99, parcel=0.95, pension_certification=1.0, greet=1.0)


def test_a_model_no_worse_on_any_ticket_intent_passes():
    candidate = evaluation(repair=0.98, noise_dispute=0.98, parcel=0.95, pension_certification=1.0, greet=0.5)
    comparison = compare(ACTIVE, candidate, margin=0.02)
    assert comparison.passes  # noise_dispute -0.01 is inside the margin; greet is not a ticket intent
    assert [row.intent for row in comparison.rows][:4] == ["noise_dispute", "parcel", "pension_certification",
                                                          "repair"]  # ticket intents first


def test_a_ticket_intent_that_falls_beyond_the_margin_blocks_activation():
    candidate = evaluation(repair=0.97, noise_dispute=0.96, parcel=0.95, pension_certification=1.0, greet=1.0)
    comparison = compare(ACTIVE, candidate, margin=0.02)
    assert not comparison.passes
    assert [(row.intent, round(row.delta, 3)) for row in comparison.blocked] == [("noise_dispute", -0.03)]


def test_a_ticket_intent_the_new_model_lost_altogether_blocks_it():
    candidate = evaluation(repair=0.97, noise_dispute=0.99, pension_certification=1.0, greet=1.0)
    assert [row.intent for row in compare(ACTIVE, candidate, margin=0.02).blocked] == ["parcel"]


def test_without_a_scored_active_model_nothing_is_compared_and_nothing_blocks():
    comparison = compare(None, ACTIVE, margin=0.02)
    assert comparison.passes and comparison.active_macro is None
    assert all(row.active is None and row.delta is None for row in comparison.rows)


@pytest.mark.parametrize("ranking, expected", [
    ([{"name": "nlu_fallback", "confidence": 0.55}, {"name": "parcel", "confidence": 0.25}], "parcel"),
    ([{"name": "repair", "confidence": 0.99}], "repair"),
    ([], "nlu_fallback"),
])
def test_the_score_looks_past_the_fallback_as_rasa_test_does(ranking, expected):
    assert top_intent({"intent": {"name": "nlu_fallback"}, "intent_ranking": ranking}) == expected


def test_scores_per_intent():
    pairs = [("repair", "repair"), ("repair", "parcel"), ("parcel", "parcel"), ("out_of_scope", "repair")]
    result = scores(pairs)
    assert result["intents"]["repair"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}
    assert result["out_of_scope_as_ticket"] == 1.0 and result["accuracy"] == 0.5


def test_training_progress_is_read_from_rasas_epoch_bar():
    line = "Epochs:  45%|████▌     | 18/40 [00:09<00:11,  1.93it/s, t_loss=2.41, i_acc=0.912]"
    assert EPOCHS.search(line).group(1) == "45"


def test_every_held_out_file_is_scored_and_a_change_to_any_of_them_scores_again(tmp_path):
    first, second = tmp_path / "heldout.yml", tmp_path / "blind.yml"
    first.write_text("- {text: 厨房水管漏了, intent: repair}\n", encoding="utf-8")
    second.write_text("- {text: 物业费怎么交, intent: out_of_scope}\n- {text: 你好, intent: greet}\n", encoding="utf-8")
    assert [item["intent"] for item in load_heldout([first, second])] == ["repair", "out_of_scope", "greet"]
    before = heldout_hash([first, second])
    assert heldout_hash([first]) != before  # a cached score on fewer messages is not reused
    second.write_text("- {text: 物业费怎么交, intent: out_of_scope}\n", encoding="utf-8")
    assert heldout_hash([first, second]) != before
