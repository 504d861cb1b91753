"""bot.rasa_server: Rasa's check of the action server's replies, with the schema checked once."""

import pytest
from jsonschema import ValidationError, validators
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from bot import rasa_server

VALID = {"events": [{"event": "slot", "name": "requested_slot", "value": "time", "timestamp": None}],
         "responses": [{"text": "请问什么时间上门？", "buttons": []}]}


@pytest.fixture()
def action():
    rasa_server.install()
    return RemoteAction("action_create_ticket", EndpointConfig("http://127.0.0.1:1/webhook"))


def test_a_valid_reply_passes(action):
    assert action._validate_action_result(VALID) is True
    assert action._validate_action_result({}) is True


@pytest.mark.parametrize("reply", [
    {"events": [{"name": "no event type"}]},
    {"events": "not a list"},
    {"responses": [["not an object"]]},
])
def test_an_invalid_reply_fails_as_in_rasa(action, reply):
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result(reply)


def test_the_schema_is_checked_once(action, monkeypatch):
    checks = []
    cls = validators.validator_for(RemoteAction.action_response_format_spec())
    original = cls.check_schema.__func__
    monkeypatch.setattr(cls, "check_schema", classmethod(lambda c, s, **kw: checks.append(s) or original(c, s, **kw)))
    for _ in range(5):
        action._validate_action_result(VALID)
    assert len(checks) <= 1  # none if an earlier test already built the validator


def test_install_twice_keeps_one_wrapper(action):
    patched = RemoteAction._validate_action_result
    rasa_server.install()
    assert RemoteAction._validate_action_result is patched


def test_make_run_starts_rasa_through_it(tmp_path):
    from bot import run, settings
    items = run.services(settings.load(), tmp_path / "model.tar.gz")
    rasa = next(s for s in items if s.name == "rasa")
    assert rasa.argv[1:4] == ["-m", "bot.rasa_server", "run"]


def test_event_types_resolve_as_in_rasa(action):
    from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered
    assert Event.resolve_by_type("user") is UserUttered
    assert Event.resolve_by_type("slot") is SlotSet
    assert Event.resolve_by_type("slot") is SlotSet  # remembered
    assert Event.resolve_by_type("topic") is None
    assert Event.resolve_by_type("no such event", default=ActionExecuted) is ActionExecuted
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("no such event")


def test_a_tracker_survives_the_tracker_store(action):
    from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.core.tracker_store import InMemoryTrackerStore
    from rasa.shared.core.domain import Domain
    events = [ActionExecuted("action_listen"), UserUttered("确认", {"name": "affirm", "confidence": 0.9}),
              SlotSet("building", "3"), ActionExecuted("action_create_ticket")]
    tracker = DialogueStateTracker.from_events("resident", events)
    store = InMemoryTrackerStore(Domain.empty())
    again = store.deserialise_tracker("resident", store.serialise_tracker(tracker))
    assert list(again.events) == list(tracker.events)
