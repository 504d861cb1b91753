"""The linear alternative (bench/linear_config.yml) as Rasa trains, stores and loads it."""

import asyncio
import os
import subprocess
import sys

import pytest

from bot.retraining.evaluation import out_of_scope_as_ticket, ticket_macro_f1
from tests.conftest import ROOT, address_entities

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def linear_parse(tmp_path_factory):
    out = tmp_path_factory.mktemp("linear-model")
    subprocess.run(
        [sys.executable, "-m", "rasa", "train", "nlu", "--nlu", "nlu_data", "--config", "bench/linear_config.yml",
         "--out", str(out), "--fixed-model-name", "linear", "--quiet"],
        cwd=ROOT, check=True, env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
    )
    from rasa.core.agent import Agent

    loop = asyncio.new_event_loop()
    agent = Agent.load(str(out / "linear.tar.gz"))  # the classifier comes back from the archive
    yield lambda text: loop.run_until_complete(agent.parse_message(text))
    loop.close()


def test_the_issue_examples(linear_parse):
    parsed = linear_parse("3栋2单元502卫生间漏水了")
    assert parsed["intent"]["name"] == "repair"
    assert address_entities(parsed) == {"building": ["3"], "unit": ["2"], "room": ["502"]}
    assert linear_parse("物业费怎么交")["intent"]["name"] == "out_of_scope"


def test_it_is_scored_on_the_held_out_messages_as_the_benchmark_reports(linear_parse, heldout):
    pairs = [(item["intent"], linear_parse(item["text"])["intent"]["name"]) for item in heldout]
    assert out_of_scope_as_ticket(pairs) <= 0.03
    assert ticket_macro_f1(pairs) >= 0.90
