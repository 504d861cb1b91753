"""Ticket numbers a resident can read over the phone: BX-20261121-0007.

The prefix says the kind (报修 BX, 噪音 ZY, 快递 KD, 认证 RZ), then the day, then the
sequence number of that kind on that day in the compound.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Optional, Tuple

PREFIXES = {"repair": "BX", "noise_dispute": "ZY", "parcel": "KD", "pension_certification": "RZ"}
_KINDS = {prefix: kind for kind, prefix in PREFIXES.items()}
_PATTERN = re.compile(r"(?<![A-Za-z])(BX|ZY|KD|RZ)\s*-?\s*(\d{8})\s*-?\s*(\d{4})(?!\d)", re.IGNORECASE)


def format_number(kind: str, day: date, sequence: int) -> str:
    if not 1 <= sequence <= 9999:
        raise ValueError(f"sequence must be 1..9999, got {sequence}")
    return f"{PREFIXES[kind]}-{day:%Y%m%d}-{sequence:04d}"


def find_number(text: str) -> Optional[str]:
    """The first ticket number in a message, normalised (bx20261121-0007 -> BX-20261121-0007)."""
    match = _PATTERN.search(text or "")
    if not match:
        return None
    return f"{match.group(1).upper()}-{match.group(2)}-{match.group(3)}"


def parse_number(number: str) -> Tuple[str, date, int]:
    """BX-20261121-0007 -> ("repair", date(2026, 11, 21), 7)."""
    normalised = find_number(number)
    if normalised is None or normalised != number.strip().upper():
        raise ValueError(f"not a ticket number: {number!r}")
    prefix, day, sequence = normalised.split("-")
    return _KINDS[prefix], date(int(day[:4]), int(day[4:6]), int(day[6:])), int(sequence)
