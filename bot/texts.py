"""Chinese labels and message templates from bot/texts.yml, for text that Python composes."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from datetime import datetime
from typing import Any, Dict

import yaml

TEXTS = Path(__file__).resolve().parent / "texts.yml"


@lru_cache(maxsize=1)
def _all() -> Dict[str, Dict[str, str]]:
    return yaml.safe_load(TEXTS.read_text(encoding="utf-8"))


def label(group: str, key: str) -> str:
    """The Chinese name of a status, request type, role or priority (the key if none)."""
    return _all()[group].get(key, key)


def labels(group: str) -> Dict[str, str]:
    """A whole group of bot/texts.yml (e.g. notification_titles by kind)."""
    return dict(_all()[group])


def notification(kind: str, **values: Any) -> str:
    return text("notifications", kind, **values)


def text(group: str, key: str, **values: Any) -> str:
    """A text of bot/texts.yml with its {placeholders} filled in."""
    return _all()[group][key].format(**values)


def describe_time(moment: datetime, now: datetime) -> str:
    """今天 10:30, 明天 08:30, or 11月23日 08:30 (both in the compound's time zone)."""
    days = (moment.date() - now.date()).days
    prefix = {0: "今天", 1: "明天"}.get(days, f"{moment.month}月{moment.day}日")
    return f"{prefix} {moment:%H:%M}"
