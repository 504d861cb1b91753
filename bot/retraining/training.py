"""Background retraining: train on the current data, score the new model and the active one.

``start`` (the console's button, ``python -m bot.cli model train``) writes a training record and
starts ``python -m bot.retraining run <id>`` in a session of its own, at low CPU priority so that
the Rasa server answering residents on the same cores comes first. That process updates the
record as it goes (progress from Rasa's epoch bar), so the console only reads files, survives a
restart of its own, and never holds TensorFlow in memory.

A record: id, status (training → evaluating → done | failed), progress 0–100, stage, by,
started_at, finished_at, model, active (the model it was compared with), error, pid.
"""

from __future__ import annotations

import fcntl
import os
import re
import secrets
import subprocess
import sys
import time
from collections import deque
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Dict, Optional

from bot.model_store import PROJECT, model_name, train_model
from bot.retraining.control import ControlError, ModelControl
from bot.retraining.evaluation import evaluate_model, heldout_hash, load_heldout
from bot.retraining.registry import ModelRegistry, RegistryError, now_iso, read_json, write_json
from bot.settings import Settings

EPOCHS = re.compile(r"Epochs:\s+(\d{1,3})%")
# Progress: preparing 0–5, DIET's epochs 5–85, scoring the new model 85–95 and the active one 95–100.
TRAIN_FROM, TRAIN_TO, EVALUATE_ACTIVE = 5, 85, 95
FINISHED = ("done", "failed")


class TrainingBusy(RuntimeError):
    """A training is already running; one at a time (they would share two cores)."""


def _alive(pid: Optional[int]) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Trainings:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.registry = ModelRegistry(settings.models_dir)

    def get(self, training_id: str) -> Dict[str, Any]:
        record = read_json(self.registry.training_path(training_id))
        if record is None:
            raise RegistryError(f"no training {training_id}")
        return self._checked(record)

    def latest(self) -> Optional[Dict[str, Any]]:
        records = self.registry.trainings(limit=1)
        return self._checked(records[0]) if records else None

    def _checked(self, record: Dict[str, Any]) -> Dict[str, Any]:
        """A record whose process died without finishing it (killed, machine restarted) is failed."""
        if record["status"] not in FINISHED and not _alive(record.get("pid")):
            return {**record, "status": "failed", "error": "训练进程意外停止了，请重新训练"}
        return record

    def running(self) -> Optional[Dict[str, Any]]:
        latest = self.latest()
        return latest if latest and latest["status"] not in FINISHED else None

    def start(self, by: str) -> Dict[str, Any]:
        """Write the record and start the training process; TrainingBusy if one is running."""
        self.settings.models_dir.mkdir(parents=True, exist_ok=True)
        with open(self.settings.models_dir / ".trainings.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            busy = self.running()
            if busy:
                raise TrainingBusy(busy["id"])
            training_id = f"{datetime.now():%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"
            record = {"id": training_id, "status": "training", "progress": 0, "stage": "准备训练数据",
                      "by": by, "started_at": now_iso(), "finished_at": None, "model": None,
                      "active": None, "error": None, "pid": None}
            path = self.registry.training_path(training_id)
            write_json(path, record)
            log = open(path.with_suffix(".log"), "wb")
            process = subprocess.Popen(
                [sys.executable, "-m", "bot.retraining", "run", training_id], cwd=PROJECT,
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                preexec_fn=lambda: os.nice(10))
            log.close()
            record["pid"] = process.pid
            self._update(record)
            return record

    def _update(self, record: Dict[str, Any], **changes: Any) -> None:
        record.update(changes)
        write_json(self.registry.training_path(record["id"]), record)

    # ---------------------------------------------------------------- the training process
    def run(self, training_id: str) -> int:
        record = read_json(self.registry.training_path(training_id))
        record["pid"] = os.getpid()
        tail: deque = deque(maxlen=30)
        try:
            name = model_name(self.settings.training_root)
            self._update(record, stage="训练新模型", progress=TRAIN_FROM)
            model = train_model(self.settings.training_root, self.settings.models_dir, name,
                                log=lambda line: tail.append(line),
                                on_output=self._progress(record, tail))
            self._update(record, model=model.name, status="evaluating", stage="用预留测试集评估新模型",
                         progress=TRAIN_TO)
            self.evaluation(model.name)
            active = self.active_model()
            self._update(record, active=active, stage="评估当前模型", progress=EVALUATE_ACTIVE)
            if active and active != model.name:
                self.evaluation(active)
            self._update(record, status="done", stage="完成", progress=100, finished_at=now_iso())
            return 0
        except Exception as error:  # the record says why; the log file has the whole output
            detail = "\n".join(list(tail)[-8:])
            self._update(record, status="failed", finished_at=now_iso(),
                         error=f"{type(error).__name__}: {error}\n{detail}".strip())
            raise

    def _progress(self, record: Dict[str, Any], tail: deque) -> Callable[[str], None]:
        last = [0.0]

        def seen(line: str) -> None:
            tail.append(line)
            match = EPOCHS.search(line)
            if match and time.monotonic() - last[0] > 1.0:  # the bar redraws many times a second
                last[0] = time.monotonic()
                share = min(100, int(match.group(1))) / 100
                self._update(record, progress=int(TRAIN_FROM + share * (TRAIN_TO - TRAIN_FROM)))
        return seen

    # ---------------------------------------------------------------- scores
    def active_model(self) -> Optional[str]:
        """The model the Rasa server answers with; if it is not running, the one it would start with."""
        try:
            return ModelControl.of(self.settings).status().get("active")
        except ControlError:
            active = self.registry.active()
            return active["model"] if active else None

    def evaluation(self, model: str) -> Dict[str, Any]:
        """The model's scores on the held-out messages, computed once per model and held-out content."""
        files = self.settings.heldout_files
        path = self.registry.evaluation_path(model, heldout_hash(files))
        cached = read_json(path)
        if cached is not None:
            return cached
        scores = evaluate_model(self.registry.path_of(model), load_heldout(files))
        result = {"model": model, "heldout": [str(file) for file in files], "evaluated_at": now_iso(), **scores}
        write_json(path, result)
        return result

    def cached_evaluation(self, model: Optional[str]) -> Optional[Dict[str, Any]]:
        if not model:
            return None
        try:
            return read_json(self.registry.evaluation_path(model, heldout_hash(self.settings.heldout_files)))
        except RegistryError:
            return None


def log_path(settings: Settings, training_id: str) -> Path:
    return ModelRegistry(settings.models_dir).training_path(training_id).with_suffix(".log")
