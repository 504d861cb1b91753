"""The models folder as a record: which models exist, which one answers residents, who switched.

Everything is a file beside the models it describes (the models are files on the Rasa host):

    models/<name>.tar.gz                 trained models (bot.model_store names them by input hash)
    models/active.json                   the model an admin (or a script) activated last
    models/activations.jsonl             every switch, oldest first: who, when, from, to, override
    models/evaluations/<name>.<h>.json   a model's scores on the held-out files with content hash h
    models/trainings/<id>.json           background trainings started from the console or the CLI

``active.json`` is written by the Rasa server itself once the new model answers
(:mod:`bot.retraining.hot_swap`), so it never names a model that failed to load. Writes are atomic
(a temporary file renamed into place); the history is appended under a lock.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import tempfile
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Union

MODEL_FILE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}\.tar\.gz$")


class RegistryError(ValueError):
    """A model name that is malformed or names no model in the folder."""


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` to ``path`` atomically: readers see the old file or the new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(data, out, ensure_ascii=False, indent=1)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_json(path: Path) -> Optional[Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


@dataclass(frozen=True)
class Activation:
    """One switch of the model residents talk to."""

    model: str
    by: str  # a staff code, or "cli"
    at: str
    override: bool = False  # activated although a ticket intent lost more than the margin
    reason: str = ""
    restore: bool = False  # back to the model before

    @classmethod
    def from_request(cls, model: str, body: Mapping[str, Any]) -> "Activation":
        return cls(model=model, by=str(body.get("by") or "unknown")[:40], at=now_iso(),
                   override=bool(body.get("override")), reason=str(body.get("reason") or "")[:500],
                   restore=bool(body.get("restore")))


@dataclass(frozen=True)
class ModelFile:
    name: str
    size: int
    trained_at: str


class ModelRegistry:
    def __init__(self, models_dir: Union[str, Path]) -> None:
        self.folder = Path(models_dir)

    # ---------------------------------------------------------------- models
    def path_of(self, name: str) -> Path:
        """The model file called ``name`` (no folders, no ``..``), which must exist."""
        if not MODEL_FILE.match(name or ""):
            raise RegistryError(f"not a model file name: {name!r}")
        path = self.folder / name
        if not path.is_file():
            raise RegistryError(f"no model {name} in {self.folder}")
        return path

    def models(self) -> List[ModelFile]:
        """Trained models, newest first."""
        found = [p for p in self.folder.glob("*.tar.gz") if MODEL_FILE.match(p.name)]
        found.sort(key=lambda p: p.stat().st_mtime, reverse=True)
        return [ModelFile(p.name, p.stat().st_size,
                          datetime.fromtimestamp(p.stat().st_mtime, timezone.utc).isoformat(timespec="seconds"))
                for p in found]

    # ---------------------------------------------------------------- activations
    @property
    def _active_file(self) -> Path:
        return self.folder / "active.json"

    def active(self) -> Optional[Dict[str, Any]]:
        """The last recorded activation with ``previous``: the model it replaced."""
        return read_json(self._active_file)

    def active_path(self) -> Optional[Path]:
        """The activated model's file, if one was activated and is still there."""
        active = self.active()
        if not active:
            return None
        try:
            return self.path_of(active["model"])
        except RegistryError:
            return None

    def record(self, activation: Activation, previous: Optional[str]) -> None:
        entry = {**asdict(activation), "previous": previous}
        with open(self.folder / ".activations.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            with open(self.folder / "activations.jsonl", "a", encoding="utf-8") as history:
                history.write(json.dumps(entry, ensure_ascii=False) + "\n")
            write_json(self._active_file, entry)

    def history(self) -> List[Dict[str, Any]]:
        """Every switch, newest first."""
        try:
            lines = (self.folder / "activations.jsonl").read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        return [json.loads(line) for line in reversed(lines) if line.strip()]

    def prune(self, keep: Iterable[str]) -> List[str]:
        """Delete the models not named in ``keep`` (and their scores); the names deleted."""
        kept = set(keep)
        removed = []
        for model in self.models():
            if model.name in kept:
                continue
            (self.folder / model.name).unlink(missing_ok=True)
            for scores in (self.folder / "evaluations").glob(f"{model.name[:-len('.tar.gz')]}.*.json"):
                scores.unlink(missing_ok=True)
            removed.append(model.name)
        return removed

    # ---------------------------------------------------------------- evaluations and trainings
    def evaluation_path(self, model: str, heldout_hash: str) -> Path:
        self.path_of(model)
        return self.folder / "evaluations" / f"{model[:-len('.tar.gz')]}.{heldout_hash[:12]}.json"

    def training_path(self, training_id: str) -> Path:
        if not re.fullmatch(r"[0-9]{8}-[0-9]{6}-[0-9a-f]{6}", training_id or ""):
            raise RegistryError(f"not a training id: {training_id!r}")
        return self.folder / "trainings" / f"{training_id}.json"

    def trainings(self, limit: Optional[int] = None) -> List[Dict[str, Any]]:
        """Trainings, newest first (only the newest ``limit`` files are read)."""
        files = sorted((self.folder / "trainings").glob("*.json"), reverse=True)[:limit]
        return [data for data in (read_json(f) for f in files) if data]
