"""Admins change the compound's routing in the console: a building's butler (its open tickets
follow, everyone is told), the routing roles, the reception calendar and the time limits. Every
change passes the compound file's checks, all or nothing, and is recorded; only admins may.

Demo compound: wang looks after building 3, chen after 5 and 6; zhou is the admin."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.compounds.export import export_data
from bot.db.engine import transaction
from bot.db.models import RoutingChange, Staff
from bot.services.common import compound
from tests.console.conftest import report
from tests.console.test_console import outbox

ROUTES = [("get", "/admin/routing", None), ("post", "/admin/routing/buildings/3", {"butler": "chen"}),
          ("post", "/admin/routing/roles", {"duty_manager": "zhao", "mediation_committee": "", "errand_agent": ""}),
          ("post", "/admin/routing/reception", {"days": "5", "hours": "09:00-10:00", "place": "", "on_holiday": "keep"}),
          ("post", "/admin/routing/time-limits/repair",
           {"accept_minutes": "5", "urgent_minutes": "5", "day_start": "08:00", "day_end": "20:00"})]


def staff_id(services, code: str) -> int:
    with transaction(services.factory) as session:
        return session.execute(select(Staff.id).where(Staff.code == code)).scalar_one()


def routing_state(services) -> tuple:
    """The compound as its file would say it, and how many changes are recorded."""
    with transaction(services.factory) as session:
        data = export_data(session, compound(session, "demo"))
        return data, session.execute(select(func.count()).select_from(RoutingChange)).scalar_one()


async def admin(browser):
    b = await browser()
    await b.log_in("zhou")
    await b.get("/admin/routing")
    return b


async def test_only_admins_reach_the_routing_page_and_its_forms(services, browser):
    before = routing_state(services)
    for code in ("wang", "zhao"):
        b = await browser()
        _, home = await b.log_in(code)
        assert "派单设置" not in home
        for method, path, form in ROUTES:
            response, page = await (b.get(path) if method == "get" else b.post(path, form))
            assert response.status == 403 and "只有管理员能打开" in page, (code, path)
    assert routing_state(services) == before


async def test_the_page_shows_buildings_roles_calendar_and_limits(browser):
    b = await browser()
    _, home = await b.log_in("zhou")
    assert '<a href="/admin/routing">派单设置</a>' in home

    response, page = await b.get("/admin/routing")

    assert response.status == 200
    assert "3栋" in page and "王秀英（wang）" in page and "暂无，工单转给值班物业经理" in page  # 19 has none
    assert "赵志刚（zhao）" in page and "党员调解室（mediation）" in page and "杜晓燕（du）" in page
    assert "每月3日和15日 9:00–11:30，党群服务站（3号楼一层），节假日照常举行" in page
    assert "接下来：12月3日（周四）、12月15日（周二）" in page
    assert 'name="accept_minutes" value="30"' in page


async def test_a_new_butler_gets_the_buildings_open_tickets_and_new_ones(services, browser):
    open_one = report(services, "zhang", "repair", "厨房水管漏水", "3", "2", "502")
    other = report(services, "li", "repair", "楼道灯坏了", "1", "1", "502")
    b = await admin(browser)

    response, page = await b.post("/admin/routing/buildings/3", {"butler": "chen"})

    assert response.status == 200 and "1张未完成的工单转给了新的红管家" in page
    assert "3栋红管家：王秀英 → 陈美玲" in page and "周文" in page  # the audit: who and what
    moved = services.tickets.get(open_one.number)
    assert (moved.status, moved.assignee_name) == ("transferred", "陈美玲")
    assert services.tickets.get(other.number).assignee_name == "刘建华"
    told = [(n.kind, n.recipient_kind, n.recipient_id, n.text) for n in outbox(services)][2:]
    assert told == [
        ("status_changed", "resident", told[0][2], f"您的工单 {open_one.number}（报修）已转交。"),
        ("ticket_assigned", "staff", staff_id(services, "chen"), told[1][3]),
        ("ticket_reassigned", "staff", staff_id(services, "wang"),
         f"3栋改由陈美玲负责，工单 {open_one.number} 已转过去，您不用再处理了。")]

    new = report(services, "wu", "repair", "暖气不热", "3", "1", "301")
    assert services.tickets.get(new.number).assignee_name == "陈美玲"


async def test_a_building_left_without_a_butler_says_how_many_tickets_remain(services, browser):
    report(services, "zhang", "repair", "厨房水管漏水", "3", "2", "502")
    b = await admin(browser)

    _, page = await b.post("/admin/routing/buildings/3", {"butler": ""})

    assert "原红管家手上还有这栋楼1张未完成的工单" in page
    new = report(services, "wu", "repair", "暖气不热", "3", "1", "301")
    assert services.tickets.get(new.number).assignee_name == "赵志刚"  # the duty manager


INVALID = {
    "reception day 32": ("/admin/routing/reception",
                         {"days": "3,32", "hours": "09:00-11:30", "place": "", "on_holiday": "keep"},
                         "接待日请填1到31之间的日子"),
    "hours 25:00-26:00": ("/admin/routing/reception",
                          {"days": "3,15", "hours": "25:00-26:00", "place": "", "on_holiday": "keep"},
                          "接待时间请写成“09:00-11:30”"),
    "hours ending before they start": ("/admin/routing/reception",
                                       {"days": "3", "hours": "11:00-09:00", "place": "", "on_holiday": "keep"},
                                       "结束要晚于开始"),
    "negative time limit": ("/admin/routing/time-limits/repair",
                            {"accept_minutes": "-5", "urgent_minutes": "10", "day_start": "08:00", "day_end": "20:00"},
                            "接单时限请填1到43200之间的分钟数"),
    "words as minutes": ("/admin/routing/time-limits/parcel",
                         {"accept_minutes": "半小时", "urgent_minutes": "10", "day_start": "08:00", "day_end": "20:00"},
                         "接单时限请填1到43200之间的分钟数"),
    "a non-butler as butler": ("/admin/routing/buildings/3", {"butler": "zhao"}, "请选一位楼栋红管家"),
    "no duty manager": ("/admin/routing/roles", {"duty_manager": "", "mediation_committee": "mediation",
                                                 "errand_agent": "du"}, "必须有一位值班物业经理"),
}


@pytest.mark.parametrize("path, form, message", INVALID.values(), ids=INVALID.keys())
async def test_invalid_input_is_explained_and_changes_nothing(services, browser, path, form, message):
    ticket = report(services, "zhang", "repair", "厨房水管漏水", "3", "2", "502")
    before = routing_state(services)
    b = await admin(browser)

    response, page = await b.post(path, form)

    assert response.status == 400 and message in page
    assert routing_state(services) == before
    assert services.tickets.get(ticket.number).assignee_name == "王秀英"


async def test_the_problem_is_shown_beside_its_form_with_what_was_typed(browser):
    b = await admin(browser)
    _, page = await b.post("/admin/routing/reception",
                           {"days": "3,32", "hours": "09:00-11:30", "place": "<b>活动室</b>", "on_holiday": "keep"})
    error = page.index("接待日请填1到31之间的日子")
    assert page.index("<h2>业主接待日</h2>") < error < page.index('action="/admin/routing/reception"')
    assert 'value="3,32"' in page and 'value="&lt;b&gt;活动室&lt;/b&gt;"' in page


async def test_a_form_without_the_csrf_token_changes_nothing(services, browser):
    before = routing_state(services)
    b = await admin(browser)
    for token in ("", "forged"):
        response, _ = await b.post("/admin/routing/buildings/3", {"butler": "chen"}, csrf=token)
        assert response.status == 403
    assert routing_state(services) == before


async def test_roles_calendar_and_limits_take_effect_and_are_recorded(services, browser):
    b = await admin(browser)

    await b.post("/admin/routing/roles", {"duty_manager": "zhao", "mediation_committee": "", "errand_agent": "du"})
    await b.post("/admin/routing/reception",
                 {"days": "5，20", "hours": "14:00-16:00", "place": "活动室", "on_holiday": "next_working_day"})
    _, page = await b.post("/admin/routing/time-limits/repair",
                           {"accept_minutes": "45", "urgent_minutes": "5", "day_start": "07:30", "day_end": "21:00"})

    dispute = report(services, "zhang", "noise_dispute", "楼上半夜跺脚", "3", "2", "502", other_party="楼上")
    assert services.tickets.get(dispute.number).assignee_name == "赵志刚"  # no committee: the duty manager
    info = services.compound_info()
    assert info.calendar.days_of_month == (5, 20) and info.calendar.place == "活动室"
    repair = report(services, "li", "repair", "水管漏水", "1", "1", "502")  # 10:00: due in 45 minutes
    assert services.tickets.get(repair.number).due_at.strftime("%H:%M") == "10:45"
    assert "党员调解室：党员调解室 → —" in page and "接待日：每月3日和15日" in page
    assert "报修时限：30分钟内接单，紧急10分钟，工作时间08:00–20:00 → 45分钟内接单，紧急5分钟，工作时间07:30–21:00" in page
    assert "已保存，马上生效。" in page
    assert "接下来：12月5日（周六）、12月20日（周日）、1月5日（周二）（这一年的节假日安排还没公布，未核对）" in page
