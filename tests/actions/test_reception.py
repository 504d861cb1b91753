"""action_reception_day with a real Tracker, CollectingDispatcher and the real domain.yml."""

import re
from datetime import date

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.reception import ActionReceptionDay
from bot import settings
from tests.conftest import ROOT


@pytest.fixture
def domain():
    return yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


def _tracker(text):
    latest = {"text": text, "intent": {"name": "ask_reception_day", "confidence": 0.98}, "entities": []}
    return Tracker("resident-1", {}, latest, [], False, None, {}, "action_listen")


def _render(domain, message):
    template = domain["responses"][message["response"]][0]["text"]
    return re.sub(r"{(\w+)}", lambda match: message[match.group(1)], template)


class FixedDay(ActionReceptionDay):
    def __init__(self, today):
        self._today = today

    def today(self, config):
        return self._today


@pytest.fixture
def reception_days(monkeypatch):
    def use(days):
        monkeypatch.setenv("RECEPTION_DAYS", days)
        settings.get.cache_clear()
    yield use
    settings.get.cache_clear()


def test_answers_with_the_next_two_reception_days(domain, reception_days):
    reception_days("3,15")
    dispatcher = CollectingDispatcher()
    events = FixedDay(date(2026, 11, 21)).run(dispatcher, _tracker("接待日是哪天"), domain)
    assert events == []
    [message] = dispatcher.messages
    assert _render(domain, message) == (
        "业主接待日是每月3日和15日。下一次是12月3日（周四），再下一次是12月15日（周二）。"
        "有什么问题可以当面反映，能解决的现场解决。")


def test_uses_the_compounds_own_days(domain, reception_days):
    reception_days("3,13,23")
    dispatcher = CollectingDispatcher()
    FixedDay(date(2026, 11, 22)).run(dispatcher, _tracker("逢三说事是哪天"), domain)
    text = _render(domain, dispatcher.messages[0])
    assert "每月3日、13日和23日" in text
    assert "下一次是明天 11月23日（周一）" in text


def test_action_name_is_declared_in_the_domain(domain):
    assert ActionReceptionDay().name() in domain["actions"]
