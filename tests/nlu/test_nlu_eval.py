"""make nlu-eval scores each pipeline twice: as Rasa reports it (fallback undone) and as the
assistant answers (a guess below the pipeline's own fallback threshold is never a ticket)."""

from bench.common import PIPELINES
from bench.nlu_eval import as_deployed, fallback_share, fallback_threshold
from bot.retraining.evaluation import out_of_scope_as_ticket


def _result(intent, predicted, confidence):
    return {"intent": intent, "intent_prediction": {"name": predicted, "confidence": confidence}}


def test_each_pipeline_is_scored_with_its_own_fallback_threshold():
    assert fallback_threshold(PIPELINES["ours"]) == 0.55
    assert fallback_threshold(PIPELINES["linear"]) == 0.4
    assert fallback_threshold(PIPELINES["stock"]) == 0.3


def test_an_unsure_wrong_ticket_falls_back_and_a_sure_one_stays_a_ticket():
    results = [_result("out_of_scope", "parcel", 0.5), _result("out_of_scope", "repair", 0.9),
               _result("repair", "repair", 0.95), _result("parcel", "parcel", 0.3)]
    deployed = as_deployed(results, 0.55)
    assert deployed == [("out_of_scope", "nlu_fallback"), ("out_of_scope", "repair"),
                        ("repair", "repair"), ("parcel", "nlu_fallback")]
    assert out_of_scope_as_ticket(deployed) == 0.5
    assert fallback_share(deployed) == 0.5
