"""Several residents reporting the same problem join one ticket.

Five residents of building 3 writing 电梯坏了 within the window are one repair: shared
facilities (the lift, stairwell lights, the entrance door, chargers, the water main) of one
building are one problem, except that a lift, lights or door in another 单元 are another one. Facilities inside a flat (a toilet, a tap) are the same problem only
when reported from the same flat. The same emergency (着火了 twice) is one ticket when it comes
from the same flat or the same resident, whatever facility the words name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable, Optional

SHARED_FACILITIES = frozenset({"电梯", "楼道灯", "门禁", "充电桩", "监控", "外墙", "屋顶", "下水道", "路灯"})
# Each 单元 (stairwell) has its own: unit 1's lift and unit 2's are two problems, when both units are known.
PER_UNIT = frozenset({"电梯", "楼道灯", "门禁"})
DEFAULT_WINDOW = timedelta(hours=6)


@dataclass(frozen=True)
class Report:
    """What the duplicate check needs to know about a ticket or a new report."""

    request_type: str
    building: Optional[str]
    room: Optional[str]
    facility: Optional[str]
    at: datetime
    ticket_id: Optional[int] = None
    unit: Optional[str] = None  # 3栋1单元502 and 3栋2单元502 are different flats
    emergency: Optional[str] = None  # gas, fire …: see same_emergency


def same_problem(new: Report, existing: Report, window: timedelta = DEFAULT_WINDOW) -> bool:
    if new.request_type != "repair" or existing.request_type != "repair":
        return False
    if not new.facility or new.facility != existing.facility or not new.building:
        return False
    if new.building != existing.building or abs(new.at - existing.at) > window:
        return False
    same_flat = bool(new.room) and (new.unit or "1", new.room) == (existing.unit or "1", existing.room)
    other_unit = new.facility in PER_UNIT and bool(new.unit and existing.unit) and new.unit != existing.unit
    return (new.facility in SHARED_FACILITIES and not other_unit) or same_flat


def same_emergency(new: Report, existing: Report, same_resident: bool,
                   window: timedelta = DEFAULT_WINDOW) -> bool:
    """着火了 said again (with ``emergency`` set on both) is the same emergency when it comes from the
    same flat, or from the same resident somewhere not shown to be another building; no facility is
    needed to tell. Another flat's fire is another ticket."""
    if not new.emergency or new.emergency != existing.emergency or abs(new.at - existing.at) > window:
        return False
    if new.room and (new.building, new.unit or "1", new.room) == (existing.building, existing.unit or "1",
                                                                   existing.room):
        return True  # a family member, or the same resident again
    elsewhere = bool(new.building and existing.building and new.building != existing.building)
    return same_resident and not elsewhere


def find_duplicate(new: Report, open_tickets: Iterable[Report],
                   window: timedelta = DEFAULT_WINDOW) -> Optional[Report]:
    """The most recent open ticket describing the same problem, if any."""
    matches = [t for t in open_tickets if same_problem(new, t, window)]
    return max(matches, key=lambda t: t.at, default=None)
