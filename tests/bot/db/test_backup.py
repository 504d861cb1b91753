"""`python -m bot.cli db backup DIR`: consistent copies of the databases and photos that can be
opened and read back, taken while the assistant keeps writing."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import threading

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.services.tickets import NewRequest
from bot.tracker_store import TrackerStore
from tests.conftest import ROOT


def _cli(*args, env):
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=120)


def test_a_backup_while_tickets_are_written_can_be_read_back(services, tmp_path):
    url = services.settings.database_url
    photos = tmp_path / "photos"
    photos.mkdir()
    (photos / "a.jpg").write_bytes(b"\xff\xd8\xff photo")
    store = TrackerStore(Domain.load(str(ROOT / "domain.yml")), host=services.settings.conversations_url)
    tracker = DialogueStateTracker("oBACKUP", [])
    tracker.update(SessionStarted())
    tracker.update(UserUttered("卫生间漏水了"))
    asyncio.run(store.save(tracker))
    services.residents.bind("oBACKUP", building="3", unit="2", room="502")
    services.tickets.submit(NewRequest("oBACKUP", "repair", "卫生间漏水了", building="3", unit="2", room="502"))

    stop = threading.Event()

    def keep_writing():  # the assistant does not stop for a backup
        while not stop.is_set():
            services.tickets.submit(NewRequest("oBACKUP", "parcel", "快递丢了", building="3", unit="2", room="502"))

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        result = _cli("db", "backup", str(tmp_path / "backups"),
                      env={"DATABASE_URL": url, "PHOTOS_DIR": str(photos)})
    finally:
        stop.set()
        writer.join()
    assert result.returncode == 0, result.stdout + result.stderr
    [folder] = (tmp_path / "backups").iterdir()
    assert "integrity ok" in result.stdout and f"backup in {folder}" in result.stdout

    copy = sqlite3.connect(folder / "red-butler.db")
    descriptions = [row[0] for row in copy.execute("SELECT description FROM tickets")]
    copy.close()
    assert "卫生间漏水了" in descriptions
    conversations = sqlite3.connect(folder / "conversations.db")
    assert conversations.execute("SELECT count(*) FROM events WHERE sender_id = 'oBACKUP'").fetchone()[0] == 2
    conversations.close()
    assert (folder / "photos" / "a.jpg").read_bytes() == b"\xff\xd8\xff photo"
    store.engine.dispose()


def test_a_server_database_is_left_to_its_own_tool(tmp_path):
    result = _cli("db", "backup", str(tmp_path), env={"DATABASE_URL": "postgresql+psycopg2://u:secret@127.0.0.1:1/x"})
    assert "pg_dump" in result.stdout and "secret" not in result.stdout


def test_keep_removes_only_the_oldest_whole_backups(tmp_path):
    """A nightly backup with --keep 2: the two newest stay; a folder that is not one of ours stays."""
    database = tmp_path / "red-butler.db"
    sqlite3.connect(database).close()
    backups = tmp_path / "backups"
    backups.mkdir()
    for name in ("red-butler-20261101-023000", "red-butler-20261102-023000"):
        (backups / name).mkdir()
    (backups / "handmade-copy").mkdir()
    result = _cli("db", "backup", str(backups), "--keep", "2",
                  env={"DATABASE_URL": f"sqlite:///{database}", "PHOTOS_DIR": str(tmp_path / "none")})
    assert result.returncode == 0, result.stdout + result.stderr
    names = sorted(path.name for path in backups.iterdir())
    assert names[0] == "handmade-copy" and names[1] == "red-butler-20261102-023000" and len(names) == 3
    assert "removed the old backup" in result.stdout and "20261101" in result.stdout


def test_a_failed_backup_leaves_no_folder_that_looks_whole(tmp_path):
    database = tmp_path / "red-butler.db"
    database.write_bytes(b"this is not a SQLite database" * 200)
    backups = tmp_path / "backups"
    result = _cli("db", "backup", str(backups), env={"DATABASE_URL": f"sqlite:///{database}"})
    assert result.returncode == 1
    assert "the backup failed" in result.stderr and "Traceback" not in result.stderr
    assert list(backups.iterdir()) == []


def test_keep_must_be_a_positive_number(tmp_path):
    result = _cli("db", "backup", str(tmp_path), "--keep", "0", env={})
    assert result.returncode == 2 and "at least 1" in result.stderr
