"""Trained models, named by a hash of everything that shapes them.

``make run``, ``make test`` and the benchmarks all call :func:`ensure_model`:
a model is trained only when none exists for the current inputs.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Callable, Iterable, Optional

# Files and folders whose content decides the model (the NLU components' code included).
MODEL_INPUTS = ("config.yml", "domain.yml", "nlu_data", "bot/nlu")
MODEL_PREFIX = "red-butler"
PROJECT = Path(__file__).resolve().parent.parent


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


def rasa_train_command(root: Path, out: Path, name: str, config: str = "config.yml", quiet: bool = True) -> list:
    return [sys.executable, "-m", "rasa", "train", "--data", "nlu_data", "--config", config,
            "--domain", "domain.yml", "--out", str(out), "--fixed-model-name", name, *(["--quiet"] if quiet else [])]


def training_env(**extra: str) -> dict:
    """The environment every training runs in (make model, the console's retraining, the benchmarks)."""
    return {
        **os.environ, "RASA_TELEMETRY_ENABLED": "false",
        # The same inputs give the same model, to the bit: DIET's random_seed alone leaves TensorFlow's
        # multi-threaded CPU kernels free to sum in any order, and two trainings then differ slightly.
        "TF_DETERMINISTIC_OPS": "1",
        # bot.nlu's components are imported by Rasa; the training root may be a copy of the project's data.
        "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT), os.environ.get("PYTHONPATH", "")])),
        **extra,
    }


def _run_training(root: Path, out: Path, name: str, on_output: Optional[Callable[[str], None]]) -> int:
    env = training_env()
    if on_output is None:
        return subprocess.run(rasa_train_command(root, out, name), cwd=root, env=env).returncode
    process = subprocess.Popen(rasa_train_command(root, out, name, quiet=False), cwd=root, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    pending = b""
    for chunk in iter(lambda: process.stdout.read1(4096), b""):  # tqdm ends its updates with \r
        pending += chunk
        *lines, pending = re.split(rb"[\r\n]", pending)
        for line in lines:
            if line.strip():
                on_output(line.decode("utf-8", "replace"))
    return process.wait()


def train_model(root: Path, models_dir: Path, name: str, log: Callable[[str], None] = print,
                on_output: Optional[Callable[[str], None]] = None) -> Path:
    """Train ``models_dir/<name>.tar.gz`` from ``root``'s inputs unless it exists; its path.

    Training writes into a temporary folder and moves the finished model into place,
    so an interrupted run never leaves a half model; a lock keeps two processes
    (``make run``, ``make test``, a retraining from the console) from training at once.
    ``on_output`` receives Rasa's output line by line (progress bars included); without it
    the output goes to this process's terminal.
    """
    models_dir.mkdir(parents=True, exist_ok=True)
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
            code = _run_training(root, Path(tmp), name, on_output)
            trained = Path(tmp) / f"{name}.tar.gz"
            if code != 0 or not trained.exists():
                raise RuntimeError(f"rasa train failed (exit {code}); see its output above")
            shutil.move(str(trained), target)
        log(f"==> Model trained: {target}")
        return target


def ensure_model(root: Path, models_dir: Path, log: Callable[[str], None] = print) -> Path:
    """Return the model for the current inputs, training it first if there is none."""
    return train_model(root, models_dir, model_name(root), log)
