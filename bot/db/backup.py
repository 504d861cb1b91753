"""`python -m bot.cli db backup DIR`: copies of everything the assistant cannot rebuild.

The SQLite databases (tickets and everything else; the conversations, bot/conversation_store.py)
are copied with SQLite's online backup API, which gives a consistent copy while the assistant
keeps writing (a plain file copy of a database in WAL mode can miss or tear the latest
transactions). Each copy is checked with ``PRAGMA integrity_check``. The photos staff uploaded
are copied as files. A PostgreSQL database is left to pg_dump, and the command says so.
Models are not copied: they are rebuilt from nlu_data/ (`make model`).

Each run writes a new folder ``red-butler-YYYYmmdd-HHMMSS``; it gets that name only when every
copy in it passed, so a folder with the name is a whole backup. ``keep`` removes the oldest whole
backups beyond that many (a nightly timer, deploy/systemd/, would otherwise fill the disk).
"""

from __future__ import annotations

import re
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


WHOLE = re.compile(r"red-butler-\d{8}-\d{6}(-\d+)?")


def backup(settings: Settings, directory: Path, now: Optional[datetime] = None,
           keep: Optional[int] = None) -> int:
    stamp = f"red-butler-{(now or datetime.now()):%Y%m%d-%H%M%S}"
    directory.mkdir(parents=True, exist_ok=True)
    folder = next(directory / name for name in (stamp, *(f"{stamp}-{n}" for n in range(2, 100)))
                  if not (directory / name).exists())  # two backups within a second (a timer, a person)
    partial = directory / f".{folder.name}.partial"
    partial.mkdir()
    try:
        done = _copy_all(settings, partial)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    partial.rename(folder)
    for line in done:
        print(f"==> {line}")
    print(f"==> backup in {folder}")
    if keep is not None:
        for old in prune(directory, keep):
            print(f"==> removed the old backup {old}")
    return 0


def prune(directory: Path, keep: int) -> List[Path]:
    """Remove the oldest whole backups in ``directory`` beyond the newest ``keep``; the removed."""
    whole = sorted(path for path in directory.iterdir() if path.is_dir() and WHOLE.fullmatch(path.name))
    old = whole[:max(0, len(whole) - keep)]
    for path in old:
        shutil.rmtree(path)
    return old


def _copy_all(settings: Settings, folder: Path) -> List[str]:
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
        done.append(f"{label} → {target.name} ({target.stat().st_size // 1024} KB, integrity ok)")
    if settings.photos_dir.is_dir():
        shutil.copytree(settings.photos_dir, folder / "photos")
        count = sum(1 for item in (folder / "photos").rglob("*") if item.is_file())
        done.append(f"photos → photos/ ({count} files)")
    return done
