"""The admins' dashboard and CSV export, from real tickets and their audit trail (November 2026)."""

from __future__ import annotations

import csv
import io

from bot.console.dashboard import _cell
from bot.services.review import Ranked
from bot.tickets.lifecycle import Status
from tests.console.conftest import openid, report


def work(services, ticket, butler, *, accept_after_minutes=10, rating=None):
    services.now.advance(minutes=accept_after_minutes)
    services.tickets.step(ticket.number, Status.ACCEPTED, staff_code=butler)
    services.now.advance(hours=2)
    services.tickets.step(ticket.number, Status.RESOLVED, staff_code=butler)
    if rating is not None:
        who = services.tickets.get(ticket.number)
        services.tickets.rate(openid_of(services, ticket.number), score=rating, not_fixed=False,
                              number=who.number)


def openid_of(services, number):
    from sqlalchemy import select

    from bot.db.engine import transaction
    from bot.db.models import Resident, Ticket
    with transaction(services.factory) as session:
        return session.execute(select(Resident.openid).join(Ticket, Ticket.resident_id == Resident.id)
                               .where(Ticket.number == number)).scalar_one()


def month_of_work(services):
    for i, room in enumerate(("101", "102", "103")):
        work(services, report(services, f"w{i}", "repair", "水管漏水", "3", "1", room), "wang", rating=5)
    for i, room in enumerate(("101", "102", "103")):
        work(services, report(services, f"l{i}", "parcel", "快递柜打不开", "1", "1", room), "liu",
             accept_after_minutes=24 * 60, rating=3)  # accepted a day late, middling ratings
    dispute = report(services, "d0", "noise_dispute", "楼上吵", "3", "2", "502", other_party="楼上")
    services.tickets.step(dispute.number, Status.ACCEPTED, staff_code="mediation")
    services.tickets.step(dispute.number, Status.RESOLVED, staff_code="mediation", reason="双方和解")
    services.review.record(openid("x"), "那个啥", [Ranked("repair", 0.4)], "m1")


async def test_only_admins_see_the_dashboard_and_the_export(services, browser):
    b = await browser()
    await b.log_in("wang")
    for path in ("/admin/dashboard", "/admin/dashboard.csv"):
        response, page = await b.get(path)
        assert response.status == 403 and "只有管理员" in page


async def test_the_month_in_numbers_with_the_red_and_yellow_flags(services, browser):
    month_of_work(services)
    b = await browser()
    await b.log_in("zhou")

    response, page = await b.get("/admin/dashboard?month=2026-11")

    assert response.status == 200 and "2026年11月数据" in page
    assert "工单：</span>7" in page and "邻里纠纷调解：</span>1/1" in page
    assert "按时接单：</span>57%（4/7）" in page  # wang's 3 and the dispute; liu's 3 were late
    assert "<td>王秀英</td><td>3</td><td>3</td><td>5.0</td><td>100%</td><td>🚩 挂红旗</td>" in page
    assert "<td>刘建华</td><td>3</td><td>3</td><td>3.0</td><td>0%</td><td>🟨 挂黄旗</td>" in page
    assert "<svg" in page and ">报修</text>" in page and "那周" in page
    _, empty = await b.get("/admin/dashboard?month=2026-10")
    assert "工单：</span>0" in empty and "这个月没有数据" in empty


async def test_the_csv_export_lists_every_ticket_of_the_month_for_excel(services, browser):
    month_of_work(services)
    b = await browser()
    await b.log_in("zhou")

    response = await b.client.get("/admin/dashboard.csv?month=2026-11")
    body = (await response.read()).decode("utf-8")

    assert response.headers["Content-Disposition"] == 'attachment; filename="tickets-2026-11.csv"'
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body[1:])))
    assert rows[0][:4] == ["工单号", "类型", "状态", "优先级"] and len(rows) == 8
    wang = next(r for r in rows if r[7] == "王秀英")
    assert (wang[1], wang[2], wang[11], wang[13]) == ("报修", "已完成", "是", "5")


def test_a_cell_a_spreadsheet_would_run_is_kept_as_text():
    assert _cell("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"
    assert _cell("3栋") == "3栋"


async def test_the_unsure_messages_are_a_share_of_all_the_messages_the_model_read(services, browser):
    month_of_work(services)  # one unsure message
    for _ in range(20):
        services.review.count_message("wechat")
    b = await browser()
    await b.log_in("zhou")
    _, page = await b.get("/admin/dashboard?month=2026-11")
    assert "<td>1</td><td>20</td><td>5.0%</td>" in page
