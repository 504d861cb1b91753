"""Butlers work their tickets in the console; they see only theirs; every step reaches the
resident through the outbox; phone numbers are masked unless revealed (and the reveal logged);
forms need the session's CSRF token; log-ins are rate limited.

Demo compound: wang looks after building 3, liu after 1 and 2; mediation gets disputes, du the
pension errands, zhao (duty manager) and zhou (admin) see everything."""

from __future__ import annotations

from sqlalchemy import select

from bot.db.engine import transaction
from bot.db.models import Notification, PhoneReveal, Ticket
from tests.console.conftest import report


def outbox(services, kind=None):
    with transaction(services.factory) as session:
        rows = session.execute(select(Notification).order_by(Notification.id)).scalars().all()
    return [n for n in rows if kind is None or n.kind == kind]


def status(services, number):
    return services.tickets.get(number).status


async def test_a_page_needs_a_log_in(browser):
    b = await browser()
    response, _ = await b.get("/", allow_redirects=False)
    assert response.status == 302 and response.headers["Location"] == "/login"


async def test_a_butler_sees_the_tickets_of_their_buildings_only(services, browser):
    mine = report(services, "zhang", "repair", "厨房水管漏水", "3", "2", "502")
    theirs = report(services, "li", "repair", "楼道灯坏了", "1", "1", "502")
    b = await browser()

    response, page = await b.log_in("wang")

    assert response.status == 200 and "待办工单（1）" in page
    assert mine.number in page and theirs.number not in page
    other, text = await b.get(f"/tickets/{theirs.number}")
    assert other.status == 404 and "不归您处理" in text and "楼道灯" not in text
    refused, _ = await b.post(f"/tickets/{theirs.number}/step", {"step": "accept"})
    assert refused.status == 404 and status(services, theirs.number) == "assigned"


async def test_roles_see_their_kind_of_tickets(services, browser):
    repair = report(services, "zhang", "repair", "厨房水管漏水", "3", "2", "502")
    dispute = report(services, "li", "noise_dispute", "楼上半夜跺脚", "1", "1", "502", other_party="楼上")
    errand = report(services, "wu", "pension_certification", "帮我妈做生存认证", "5", "1", "602")
    seen = {}
    for code in ("mediation", "du", "zhao"):
        b = await browser()
        _, page = await b.log_in(code)
        seen[code] = {n for n in (repair.number, dispute.number, errand.number) if n in page}
    assert seen == {"mediation": {dispute.number}, "du": {errand.number},
                    "zhao": {repair.number, dispute.number, errand.number}}


async def test_a_butler_accepts_and_resolves_and_the_resident_is_told_each_time(services, browser):
    ticket = report(services, "zhang", "repair", "厨房水管漏水", "3", "2", "502")
    b = await browser()
    await b.log_in("wang")
    _, page = await b.get(f"/tickets/{ticket.number}")
    assert "接单" in page and "标记已处理" not in page

    accepted, page = await b.post(f"/tickets/{ticket.number}/step", {"step": "accept"})
    assert accepted.status == 200 and "已接单，居民会收到通知" in page
    assert status(services, ticket.number) == "accepted"
    _, page = await b.post(f"/tickets/{ticket.number}/step", {"step": "resolve"})
    assert status(services, ticket.number) == "resolved" and "居民会收到评价邀请" in page

    told = [(n.kind, n.text) for n in outbox(services) if n.recipient_kind == "resident"]
    assert told == [("status_changed", f"您的工单 {ticket.number}（报修）负责人已接单。"),
                    ("ticket_resolved", f"您的工单 {ticket.number}（报修）已处理完毕。请回复1–5给这次服务打分；"
                                        "没解决请回复“没修好”。")]
    events = [(e.to_status, e.actor) for e in services.tickets.events(ticket.number)]
    assert events[-2:] == [("accepted", "staff:wang"), ("resolved", "staff:wang")]


async def test_transfer_and_note(services, browser):
    ticket = report(services, "zhang", "repair", "厨房水管漏水", "3", "2", "502")
    b = await browser()
    await b.log_in("wang")
    await b.get(f"/tickets/{ticket.number}")

    await b.post(f"/tickets/{ticket.number}/note", {"text": "已电话联系，<b>明早</b>上门"})
    _, page = await b.post(f"/tickets/{ticket.number}/step", {"step": "transfer", "to": "chen", "reason": "水电归陈师傅"})

    view = services.tickets.get(ticket.number)
    assert (view.status, view.assignee_name) == ("transferred", "陈美玲")
    assert "备注：已电话联系，&lt;b&gt;明早&lt;/b&gt;上门" in page  # the note, escaped
    assert any(n.kind == "ticket_assigned" and n.recipient_kind == "staff" for n in outbox(services))


async def test_the_phone_is_masked_until_revealed_and_the_reveal_is_logged(services, browser):
    ticket = report(services, "zhang", "repair", "厨房水管漏水", "3", "2", "502", phone="13812345678")
    b = await browser()
    await b.log_in("wang")

    _, page = await b.get(f"/tickets/{ticket.number}")
    assert "138****5678" in page and "13812345678" not in page
    assert "独居老人" in page  # the household's tag (3-2-502)

    _, page = await b.post(f"/tickets/{ticket.number}/phone")
    assert "13812345678" in page and "本次查看已记录" in page
    with transaction(services.factory) as session:
        reveals = session.execute(select(PhoneReveal)).scalars().all()
        ticket_id = session.execute(select(Ticket.id).where(Ticket.number == ticket.number)).scalar_one()
    assert [(r.ticket_id, r.at) for r in reveals] == [(ticket_id, services.now())]


async def test_a_form_without_the_sessions_csrf_token_changes_nothing(services, browser):
    ticket = report(services, "zhang", "repair", "厨房水管漏水", "3", "2", "502")
    b = await browser()
    await b.log_in("wang")

    for token in ("", "forged"):
        refused, _ = await b.post(f"/tickets/{ticket.number}/step", {"step": "accept"}, csrf=token)
        assert refused.status == 403
    assert status(services, ticket.number) == "assigned"


async def test_what_residents_wrote_is_escaped(services, browser):
    ticket = report(services, "zhang", "repair", "<script>alert(1)</script>水管漏了", "3", "2", "502")
    b = await browser()
    await b.log_in("wang")

    response, page = await b.get(f"/tickets/{ticket.number}")

    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;水管漏了" in page
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


async def test_wrong_passwords_are_refused_and_then_rate_limited(services, browser):
    b = await browser()
    for _ in range(5):
        response, page = await b.log_in("wang", "wrong-password")
        assert response.status == 401 and "用户名或密码不对" in page
    response, page = await b.log_in("wang")  # the right password, too late
    assert response.status == 401 and "尝试次数太多" in page

    services.now.advance(minutes=16)
    response, page = await b.log_in("wang")
    assert response.status == 200 and "待办工单" in page


async def test_a_log_in_form_without_its_token_is_refused(browser):
    b = await browser()
    response, page = await b.post("/login", {"username": "wang", "password": "correct-horse-1"}, csrf="x")
    assert response.status == 401 and "页面已过期" in page


async def test_a_second_log_in_page_does_not_invalidate_the_first(browser):
    """Browsers fetch /favicon.ico and open tabs: the form already shown must still work."""
    b = await browser()
    await b.get("/login")
    form_token = b.csrf
    await b.client.get("/login")  # another tab
    response, page = await b.post("/login", {"username": "wang", "password": "correct-horse-1"}, csrf=form_token)
    assert response.status == 200 and "待办工单" in page


async def test_log_out_and_expiry_end_the_session(services, browser):
    b = await browser()
    await b.log_in("wang")
    await b.post("/logout")
    response, _ = await b.get("/", allow_redirects=False)
    assert response.status == 302

    c = await browser()
    await c.log_in("wang")
    services.now.advance(hours=13)
    response, _ = await c.get("/", allow_redirects=False)
    assert response.status == 302


async def test_the_mediation_committee_schedules_a_session_and_records_the_outcome(services, browser):
    dispute = report(services, "zhang", "noise_dispute", "楼上半夜拖椅子", "3", "2", "502", other_party="楼上602")
    b = await browser()
    await b.log_in("mediation")

    _, page = await b.get(f"/tickets/{dispute.number}")
    assert "安排当面调解" in page and '<option value="2026-12-03">12月3日（周四）</option>' in page
    assert "楼上602" in page  # the other party, for the committee
    await b.post(f"/tickets/{dispute.number}/step", {"step": "accept"})
    _, page = await b.post(f"/tickets/{dispute.number}/session", {"day": "2026-12-15"})

    assert "已安排在接待日当面调解" in page and "12月15日" in page
    from tests.console.test_console import outbox as sent
    assert sent(services, "on_agenda")[0].text.startswith(f"您的工单 {dispute.number}（邻里调解）已列入12月15日（周二）接待日的议程")

    await b.post(f"/tickets/{dispute.number}/step", {"step": "resolve", "reason": "双方同意晚十点后不拖椅子"})
    assert status(services, dispute.number) == "resolved"
    assert services.tickets.events(dispute.number)[-1].reason == "双方同意晚十点后不拖椅子"


async def test_a_session_on_a_day_that_is_no_reception_day_is_refused(services, browser):
    dispute = report(services, "zhang", "noise_dispute", "楼上半夜拖椅子", "3", "2", "502", other_party="楼上")
    b = await browser()
    await b.log_in("mediation")
    await b.get(f"/tickets/{dispute.number}")

    refused, _ = await b.post(f"/tickets/{dispute.number}/session", {"day": "2026-12-04"})

    assert refused.status == 409 and services.tickets.get(dispute.number).status == "assigned"
