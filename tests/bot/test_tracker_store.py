"""Conversations survive a restart of the Rasa server: the tracker store endpoints.yml names,
loaded by Rasa itself, on SQLite and on a real PostgreSQL; old conversations are purged.

The whole assistant restarted in the middle of a form: tests/e2e/test_make_run.py."""

from __future__ import annotations

import asyncio
import os
import time
from unittest import mock

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_tracker_store
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActiveLoop, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import read_endpoint_config

from bot import settings as settings_module
from bot.conversation_store import default_url, purge
from bot.db.engine import make_engine
from bot.tracker_store import TrackerStore
from tests.conftest import ROOT

DOMAIN = Domain.load(str(ROOT / "domain.yml"))


def _store_from_endpoints(url: str):
    """The tracker store exactly as `rasa run --endpoints endpoints.yml` builds it."""
    with mock.patch.dict(os.environ, {"TRACKER_STORE_URL": url, "ACTION_ENDPOINT_URL": "http://127.0.0.1:9/webhook"}):
        config = read_endpoint_config(str(ROOT / "endpoints.yml"), "tracker_store")
    return create_tracker_store(config, DOMAIN)


def _mid_form(sender: str) -> DialogueStateTracker:
    """A resident reported a leak; the ticket form asked for the address."""
    tracker = DialogueStateTracker(sender, DOMAIN.slots)
    tracker.update(SessionStarted())
    tracker.update(UserUttered("卫生间漏水了", intent={"name": "repair", "confidence": 0.97}))
    tracker.update(ActiveLoop("ticket_form"))
    tracker.update(SlotSet("request_type", "repair"))
    tracker.update(SlotSet("requested_slot", "building"))
    return tracker


def test_sqlite_conversations_get_a_file_beside_the_database():
    assert default_url("sqlite:////srv/red-butler/data/red-butler.db") == \
        "sqlite:////srv/red-butler/data/conversations.db"
    assert default_url("sqlite:///data/red-butler.db") == "sqlite:///data/conversations.db"


def test_a_server_database_also_holds_the_conversations():
    url = "postgresql+psycopg2://bot:s3cret@127.0.0.1:5432/red_butler"
    assert default_url(url) == url


def test_tracker_store_url_overrides_the_default():
    base = {"DATABASE_URL": "sqlite:////srv/rb/red-butler.db"}
    assert settings_module.load(base, dotenv=ROOT / "no.env").conversations_url == "sqlite:////srv/rb/conversations.db"
    chosen = settings_module.load({**base, "TRACKER_STORE_URL": "sqlite:////var/lib/rb/talk.db"},
                                  dotenv=ROOT / "no.env")
    assert chosen.conversations_url == "sqlite:////var/lib/rb/talk.db"


def test_rasa_loads_our_store_from_endpoints_yml(tmp_path):
    store = _store_from_endpoints(f"sqlite:///{tmp_path / 'conversations.db'}")
    assert isinstance(store, TrackerStore)


@pytest.mark.parametrize("url", ["nosuchdb://somewhere/x", ""])
def test_a_store_that_cannot_start_stops_the_server_instead_of_forgetting_conversations(url):
    """Rasa falls back to memory, with a mere warning, on ImportError or AttributeError."""
    with pytest.raises(Exception) as raised:
        store = TrackerStore(DOMAIN, host=url)
        pytest.fail(f"started with {url!r}: {store}")
    assert not isinstance(raised.value, (ImportError, AttributeError))


def test_a_form_in_progress_survives_a_restart(any_db_services):
    url = any_db_services.settings.conversations_url
    before = _store_from_endpoints(url)
    asyncio.run(before.save(_mid_form("oXYZ-resident")))
    before.engine.dispose()  # the process ends

    after = _store_from_endpoints(url)  # a new process: nothing in memory
    tracker = asyncio.run(after.retrieve("oXYZ-resident"))
    assert tracker is not None and isinstance(after, TrackerStore)
    assert tracker.active_loop_name == "ticket_form"
    assert tracker.get_slot("requested_slot") == "building"
    assert tracker.get_slot("request_type") == "repair"
    assert tracker.latest_message.text == "卫生间漏水了"
    assert asyncio.run(after.retrieve("someone-else")) is None
    after.engine.dispose()


def test_saving_again_adds_only_the_new_events(tmp_path):
    store = TrackerStore(DOMAIN, host=f"sqlite:///{tmp_path / 'conversations.db'}")
    tracker = _mid_form("resident-2")
    asyncio.run(store.save(tracker))
    tracker.update(UserUttered("3栋2单元502", intent={"name": "inform", "confidence": 0.9}))
    asyncio.run(store.save(tracker))
    with store.engine.connect() as connection:
        texts = connection.execute(sa.text("SELECT type_name FROM events WHERE sender_id = 'resident-2'")).scalars()
        assert list(texts).count("user") == 2
    assert len(asyncio.run(store.retrieve("resident-2")).events) == len(tracker.events)


def _two_sessions(sender: str) -> DialogueStateTracker:
    """Yesterday's finished conversation, then today's form in progress."""
    tracker = DialogueStateTracker(sender, DOMAIN.slots)
    tracker.update(SessionStarted(timestamp=time.time() - 86400))
    tracker.update(UserUttered("业主接待日是哪天", intent={"name": "ask_reception_day", "confidence": 0.99},
                               timestamp=time.time() - 86400))
    for event in _mid_form(sender).events:
        tracker.update(event)
    return tracker


@pytest.mark.parametrize("writer, reader", [("ours", "rasa"), ("rasa", "ours")])
def test_rasa_and_ours_read_each_others_conversations(tmp_path, writer, reader):
    """Same table, same rows, same latest session: switching back to Rasa's store loses nothing."""
    path = tmp_path / "conversations.db"
    stores = {"ours": TrackerStore(DOMAIN, host=f"sqlite:///{path}"),
              "rasa": SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(path))}
    asyncio.run(stores[writer].save(_two_sessions("resident-3")))
    tracker = asyncio.run(stores[writer].retrieve("resident-3"))  # as the server does for each message
    tracker.update(UserUttered("3栋2单元502", intent={"name": "inform", "confidence": 0.9}))
    asyncio.run(stores[writer].save(tracker))  # adds only the new event

    latest = asyncio.run(stores[reader].retrieve("resident-3"))
    everything = asyncio.run(stores[reader].retrieve_full_tracker("resident-3"))
    assert [e.as_dict() for e in latest.events] == \
        [e.as_dict() for e in asyncio.run(stores[writer].retrieve("resident-3")).events]
    assert latest.events[0].type_name == "session_started" and latest.active_loop_name == "ticket_form"
    assert "业主接待日是哪天" not in [getattr(e, "text", None) for e in latest.events]
    assert len(latest.events) == len(_mid_form("x").events) + 1
    assert len(everything.events) == len(_two_sessions("x").events) + 1
    for store in stores.values():
        store.engine.dispose()


def test_the_purge_deletes_old_conversations_and_keeps_recent_ones(tmp_path):
    url = f"sqlite:///{tmp_path / 'conversations.db'}"
    engine = make_engine(url, future=False)
    assert purge(engine, 90) == 0  # before Rasa made the table: nothing to do
    store = TrackerStore(DOMAIN, host=url)
    now = time.time()
    old, recent = _mid_form("old-resident"), _mid_form("recent-resident")
    for event in old.events:
        event.timestamp = now - 100 * 86400
    asyncio.run(store.save(old))
    asyncio.run(store.save(recent))

    assert purge(engine, 90, now=now) == len(old.events)
    assert asyncio.run(store.retrieve("old-resident")) is None
    assert asyncio.run(store.retrieve("recent-resident")).active_loop_name == "ticket_form"
    engine.dispose()
    store.engine.dispose()


def test_the_nightly_job_purges_the_assistants_conversation_store(services):
    from bot.scheduler import jobs

    url = services.settings.conversations_url
    assert url.endswith("/conversations.db")
    store = TrackerStore(DOMAIN, host=url)
    old = _mid_form("old-resident")
    for event in old.events:
        event.timestamp = time.time() - 91 * 86400
    asyncio.run(store.save(old))
    asyncio.run(store.save(_mid_form("recent-resident")))

    jobs.run_conversation_purge(90)

    assert asyncio.run(store.retrieve("old-resident")) is None
    assert asyncio.run(store.retrieve("recent-resident")) is not None
    store.engine.dispose()
