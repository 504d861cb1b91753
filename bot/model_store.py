"""Trained models, named by a hash of everything that shapes them.

``make run``, ``make test`` and the benchmarks all call :func:`ensure_model`:
a model is trained only when none exists for the current inputs.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Callable, Iterable

# Files and folders whose content decides the model (the NLU components' code included).
MODEL_INPUTS = ("config.yml", "domain.yml", "nlu_data", "bot/nlu")
MODEL_PREFIX = "red-butler"


def _files(root: Path, inputs: Iterable[str]) -> Iterable[Path]:
    for name in inputs:
        path = root / name
        candidates = sorted(path.rglob("*")) if path.is_dir() else [path]
        for candidate in candidates:
            if candidate.is_file() and "__pycache__" not in candidate.parts:
                yield candidate


def input_hash(root: Path, inputs: Iterable[str] = MODEL_INPUTS) -> str:
    """sha256 over the relative paths and contents of the model's inputs."""
    digest = hashlib.sha256()
    for path in _files(root, inputs):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def model_name(root: Path) -> str:
    return f"{MODEL_PREFIX}-{input_hash(root)[:12]}"


def rasa_train_command(root: Path, out: Path, name: str, config: str = "config.yml") -> list:
    return [sys.executable, "-m", "rasa", "train", "--data", "nlu_data", "--config", config,
            "--domain", "domain.yml", "--out", str(out), "--fixed-model-name", name, "--quiet"]


def ensure_model(root: Path, models_dir: Path, log: Callable[[str], None] = print) -> Path:
    """Return the model for the current inputs, training it first if there is none.

    Training writes into a temporary folder and moves the finished model into place,
    so an interrupted run never leaves a half model; a lock keeps two processes
    (``make run`` and ``make test``) from training the same model at once.
    """
    models_dir.mkdir(parents=True, exist_ok=True)
    name = model_name(root)
    target = models_dir / f"{name}.tar.gz"
    with open(models_dir / ".train.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for leftover in models_dir.glob(".training-*"):  # from a training that was killed
            shutil.rmtree(leftover, ignore_errors=True)
        if target.exists():
            log(f"==> Model up to date: {target}")
            return target
        log(f"==> Training {name} (no model for the current nlu_data/config/domain yet): about 2 minutes")
        with tempfile.TemporaryDirectory(dir=models_dir, prefix=".training-") as tmp:
            env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false"}
            result = subprocess.run(rasa_train_command(root, Path(tmp), name), cwd=root, env=env)
            trained = Path(tmp) / f"{name}.tar.gz"
            if result.returncode != 0 or not trained.exists():
                raise RuntimeError(f"rasa train failed (exit {result.returncode}); see its output above")
            shutil.move(str(trained), target)
        log(f"==> Model trained: {target}")
        return target
