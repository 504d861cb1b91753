"""Who may see which ticket in the console (plain Python; the service applies the same rule in SQL).

- butler: tickets assigned to them, and every ticket of the buildings they look after;
- mediation committee: disputes, and tickets assigned to them;
- errand agent: pension-certification errands, and tickets assigned to them;
- duty manager and admin: every ticket of the compound.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import FrozenSet, Optional

SEES_ALL = frozenset({"duty_manager", "admin"})
BY_TYPE = {"mediation_committee": "noise_dispute", "errand_agent": "pension_certification"}


@dataclass(frozen=True)
class StaffUser:
    id: int
    code: str
    name: str
    role: str
    buildings: FrozenSet[str] = frozenset()  # the buildings a butler looks after

    @property
    def sees_all(self) -> bool:
        return self.role in SEES_ALL

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def may_see(user: StaffUser, *, assignee_id: Optional[int], building: Optional[str], request_type: str) -> bool:
    if user.sees_all or assignee_id == user.id:
        return True
    if user.role == "butler":
        return building is not None and building in user.buildings
    return BY_TYPE.get(user.role) == request_type
