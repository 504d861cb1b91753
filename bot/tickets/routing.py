"""Who a request goes to: data per compound, not code.

repair, parcel, pension_certification → the butler of the resident's building (pension
errands → the errand agent where the compound has one); noise_dispute → the mediation
committee. A building with no butler, an unknown building, or anything else that cannot be
routed → the duty manager, with the reason written down. A ticket is never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional

BUTLER_TYPES = ("repair", "parcel", "pension_certification")
UNKNOWN_BUILDING = "居民楼栋未知"  # the duty manager's, until the building is known


@dataclass(frozen=True)
class RoutingTable:
    """One compound's routing data (loaded from YAML or database rows)."""

    duty_manager: str
    butlers: Mapping[str, str] = field(default_factory=dict)  # building -> staff id
    mediation_committee: Optional[str] = None  # staff id of the committee's desk
    errand_agent: Optional[str] = None  # for pension certification

    def __post_init__(self) -> None:
        if not self.duty_manager:
            raise ValueError("a compound needs a duty manager: unroutable tickets go there")


@dataclass(frozen=True)
class Route:
    assignee: str
    role: str  # butler | errand_agent | mediation_committee | duty_manager
    fallback_reason: str = ""  # why it went to the duty manager instead (shown to staff, in Chinese)

    @property
    def is_fallback(self) -> bool:
        return bool(self.fallback_reason)


def route(table: RoutingTable, request_type: str, building: Optional[str]) -> Route:
    if request_type == "noise_dispute":
        if table.mediation_committee:
            return Route(table.mediation_committee, "mediation_committee")
        return _manager(table, "本小区未设置调解室")
    if request_type not in BUTLER_TYPES:
        return _manager(table, f"无法识别的诉求类型 {request_type}")
    if request_type == "pension_certification" and table.errand_agent:
        return Route(table.errand_agent, "errand_agent")
    if not building:
        return _manager(table, UNKNOWN_BUILDING)
    butler = table.butlers.get(str(building))
    if not butler:
        return _manager(table, f"{building}栋没有红管家")
    return Route(butler, "butler")


def _manager(table: RoutingTable, reason: str) -> Route:
    return Route(table.duty_manager, "duty_manager", reason)
