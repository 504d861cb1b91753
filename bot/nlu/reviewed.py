"""The reviewed-examples file: messages the admins labelled in the console's NLU inbox, as Rasa
training data (``nlu_data/nlu/reviewed.yml``), so the next training learns from them.

Plain Python. Writes are atomic (a temporary file renamed over the old one) and serialised by a
lock file, so two console processes never lose each other's examples; an example already in
the file for that intent is not added twice. Text is kept on one line, and brackets, which Rasa
would read as entity annotations ([3栋](building)), become full-width.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, List

import yaml

HEADER = ("# Examples the admins reviewed in the console's NLU inbox (accepted or relabelled).\n"
          "# Written by the console (bot/nlu/reviewed.py); safe to edit by hand.\n")
_BRACKETS = str.maketrans({"[": "［", "]": "］", "(": "（", ")": "）", "{": "｛", "}": "｝"})


def clean(text: str) -> str:
    return " ".join(text.split()).translate(_BRACKETS)[:300]


def read(path: Path) -> Dict[str, List[str]]:
    """intent -> examples, in file order."""
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    found: Dict[str, List[str]] = {}
    for item in data.get("nlu") or []:
        if "intent" in item:
            lines = [line.strip()[2:].strip() for line in str(item.get("examples", "")).splitlines()
                     if line.strip().startswith("- ")]
            found.setdefault(item["intent"], []).extend(lines)
    return found


def add(path: Path, intent: str, text: str) -> bool:
    """Add ``text`` as an example of ``intent``; False if it was there already (or is empty)."""
    example = clean(text)
    if not example:
        return False
    with _locked(path):
        examples = read(path)
        if example in examples.get(intent, []):
            return False
        examples.setdefault(intent, []).append(example)
        _write(path, examples)
        return True


def render(examples: Dict[str, List[str]]) -> str:
    parts = [HEADER, 'version: "3.1"\n\nnlu:\n']
    for intent in sorted(examples):
        parts.append(f"  - intent: {intent}\n    examples: |\n")
        parts.extend(f"      - {example}\n" for example in examples[intent])
    return "".join(parts)


def _write(path: Path, examples: Dict[str, List[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".reviewed-", suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(render(examples))
    os.replace(temporary, path)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.parent / f".{path.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
