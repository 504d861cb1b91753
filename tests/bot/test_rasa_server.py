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
