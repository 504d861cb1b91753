"""`python -m bot.cli db backup DIR`: copies of everything the assistant cannot rebuild.

The SQLite databases (tickets and everything else; the conversations, bot/conversation_store.py)
are copied with SQLite's online backup API, which gives a consistent copy while the assistant
keeps writing (a plain file copy of a database in WAL mode can miss or tear the latest
transactions). Each copy is checked with ``PRAGMA integrity_check``. The photos staff uploaded
are copied as files. A PostgreSQL database is left to pg_dump, and the command says so.
Models are not copied: they are rebuilt from nlu_data/ (`make model`).
"""

from __future__ import annotations

import shutil
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import List, Optional

from bot.db.engine import safe_url, sqlite_file
from bot.settings import Settings


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy of the SQLite database ``source``, checked."""
    src, dst = sqlite3.connect(source, timeout=30), sqlite3.connect(target)
    try:
        src.backup(dst)  # page by page from one read snapshot; writers go on meanwhile
        problems = dst.execute("PRAGMA integrity_check").fetchall()
    finally:
        src.close()
        dst.close()
    if problems != [("ok",)]:
        raise RuntimeError(f"the copy of {source} failed its integrity check: {problems[:3]}")


def backup(settings: Settings, directory: Path, now: Optional[datetime] = None) -> int:
    folder = directory / f"red-butler-{(now or datetime.now()):%Y%m%d-%H%M%S}"
    folder.mkdir(parents=True, exist_ok=False)
    done: List[str] = []
    for label, url in (("database", settings.database_url), ("conversations", settings.conversations_url)):
        path = sqlite_file(url)
        if path is None:
            print(f"==> {label}: {safe_url(url)} is not a SQLite file: "
                  "back it up with the server's own tool (PostgreSQL: pg_dump)")
            continue
        if not path.exists():
            print(f"==> {label}: {path} does not exist yet; nothing to copy")
            continue
        target = folder / path.name
        copy_database(path, target)
        done.append(f"{label} → {target} ({target.stat().st_size // 1024} KB, integrity ok)")
    if settings.photos_dir.is_dir():
        shutil.copytree(settings.photos_dir, folder / "photos")
        count = sum(1 for item in (folder / "photos").rglob("*") if item.is_file())
        done.append(f"photos → {folder / 'photos'} ({count} files)")
    for line in done:
        print(f"==> {line}")
    print(f"==> backup in {folder}")
    return 0
