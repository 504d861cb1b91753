"""Shared fixtures: the trained model (trained once per input hash) and the held-out messages."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Callable, Dict, List

import pytest
import yaml

from bot.nlu.address import ENTITIES as ADDRESS_ENTITIES
from bot.retraining.evaluation import load_heldout
from bot.settings import BLIND_FILES, HELDOUT_FILE, NEIGHBOURS_FILE
from bot.tickets import REQUEST_TYPES

ROOT = Path(__file__).resolve().parent.parent
TICKET_INTENTS = REQUEST_TYPES

# Real PostgreSQL on loopback (started when needed) and services on a migrated database.
pytest_plugins = ["tests.support.postgres", "tests.support.services"]


@pytest.fixture(scope="session")
def heldout() -> List[Dict]:
    return load_heldout([HELDOUT_FILE])


@pytest.fixture(scope="session")
def blind() -> Dict[str, List[Dict]]:
    return {name: load_heldout([path]) for name, path in BLIND_FILES.items()}


@pytest.fixture(scope="session")
def neighbours() -> List[Dict]:
    return load_heldout([NEIGHBOURS_FILE])


@pytest.fixture(scope="session")
def model_path() -> Path:
    from bot import settings
    from bot.model_store import ensure_model

    return ensure_model(ROOT, settings.load().models_dir)


@pytest.fixture(scope="session")
def parse(model_path) -> Callable[[str], Dict]:
    """Parse text with the real trained model, in process (as Rasa's /model/parse does)."""
    from rasa.core.agent import Agent

    loop = asyncio.new_event_loop()
    agent = Agent.load(str(model_path))

    def _parse(text: str) -> Dict:
        return loop.run_until_complete(agent.parse_message(text))

    yield _parse
    loop.close()


@pytest.fixture(scope="session")
def domain() -> Dict:
    """domain.yml as a dict, read once per test run (read it, do not change it)."""
    return yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


def address_entities(parsed: Dict) -> Dict[str, List[str]]:
    """building/unit/room/phone values of a parse result, by entity type."""
    found: Dict[str, List[str]] = {}
    for entity in parsed.get("entities", []):
        if entity["entity"] in ADDRESS_ENTITIES:
            found.setdefault(entity["entity"], []).append(entity["value"])
    return found
