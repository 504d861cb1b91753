"""Routing is data; anything that cannot be routed lands with the duty manager, with the reason."""

import pytest

from bot.tickets.routing import RoutingTable, route

TABLE = RoutingTable(duty_manager="manager-li", butlers={"17": "butler-jin", "18": "butler-jin", "3": "butler-wang"},
                     mediation_committee="mediation-desk", errand_agent="agent-du")


@pytest.mark.parametrize("request_type, building, assignee, role", [
    ("repair", "3", "butler-wang", "butler"),
    ("parcel", "18", "butler-jin", "butler"),
    ("repair", "17", "butler-jin", "butler"),
    ("pension_certification", "3", "agent-du", "errand_agent"),
    ("noise_dispute", "3", "mediation-desk", "mediation_committee"),
])
def test_requests_go_to_the_right_person(request_type, building, assignee, role):
    result = route(TABLE, request_type, building)
    assert (result.assignee, result.role, result.is_fallback) == (assignee, role, False)


def test_pension_errands_go_to_the_butler_where_there_is_no_errand_agent():
    table = RoutingTable(duty_manager="manager-li", butlers={"3": "butler-wang"})
    assert route(table, "pension_certification", "3").assignee == "butler-wang"


@pytest.mark.parametrize("request_type, building, reason", [
    ("repair", "99", "99栋没有红管家"),
    ("repair", None, "居民楼栋未知"),
    ("cleaning", "3", "无法识别的诉求类型"),
])
def test_what_cannot_be_routed_goes_to_the_duty_manager_with_the_reason(request_type, building, reason):
    result = route(TABLE, request_type, building)
    assert result.assignee == "manager-li" and result.role == "duty_manager"
    assert reason in result.fallback_reason


def test_a_compound_without_a_duty_manager_is_refused():
    with pytest.raises(ValueError, match="duty manager"):
        RoutingTable(duty_manager="", butlers={"3": "butler-wang"})
