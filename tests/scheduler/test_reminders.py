"""Reception-day reminders: who gets what, once; the opted-out get nothing; the staff get the
agenda; failed deliveries are listed for the butler to phone, elderly households first.

Demo compound: reception days the 3rd and the 15th, 9:00–11:30 at 党群服务站（3号楼一层）;
3-2-502 is an elderly resident living alone (butler wang), 1-1-502 is butler liu's, building 19
has no butler (duty manager zhao). Now is 2026-11-21 10:00 in Shanghai."""

from __future__ import annotations

import threading
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.db.engine import transaction
from bot.db.models import ReminderSend
from bot.scheduler.reminders import ReminderService
from bot.services.tickets import NewRequest
from bot.tickets.lifecycle import Status
from tests.scheduler.conftest import notifier_for, openid, outbox, resident, staff_id
from tests.support.services import build_services

DEC_3 = date(2026, 12, 3)
SH = ZoneInfo("Asia/Shanghai")
SEND = "/cgi-bin/message/custom/send"
EVENING = ("明天12月3日（周四）9:00–11:30是业主接待日，地点：党群服务站（3号楼一层）。"
           "报修进度、邻里纠纷、意见建议，都可以当面说。回复“退订提醒”不再接收。")


def sends(services) -> int:
    with transaction(services.factory) as session:
        return session.execute(select(func.count()).select_from(ReminderSend)).scalar_one()


def test_residents_get_the_evening_reminder_once_and_the_opted_out_get_nothing(any_db_services):
    services = any_db_services
    zhang = resident(services, "zhang")
    li = resident(services, "li", ("1", "1", "502"))
    resident(services, "wu", ("5", "1", "602"), reminders=False)
    reminders = ReminderService(services)

    report = reminders.send("demo", "residents_evening", DEC_3)

    assert [(r.kind, r.id) for r, _ in report.queued] == [("resident", zhang), ("resident", li)]
    assert (report.already_sent, report.opted_out) == (0, 1)
    assert [(n.recipient_id, n.kind, n.text) for n in outbox(services)] == [
        (zhang, "reception_reminder", EVENING), (li, "reception_reminder", EVENING)]

    again = reminders.send("demo", "residents_evening", DEC_3)  # a restart, a second process, a retry

    assert (len(again.queued), again.already_sent) == (0, 2)
    assert len(outbox(services)) == 2 and sends(services) == 2


def test_the_morning_reminder_is_its_own_send(services):
    resident(services, "zhang")
    ReminderService(services).send("demo", "residents_evening", DEC_3)

    report = ReminderService(services).send("demo", "residents_morning", DEC_3)

    assert len(report.queued) == 1
    assert outbox(services)[-1].text == ("今天9:00–11:30是业主接待日，地点：党群服务站（3号楼一层）。"
                                         "有事欢迎来当面说。回复“退订提醒”不再接收。")


def test_a_dry_run_shows_who_would_get_what_and_sends_nothing(services):
    zhang = resident(services, "zhang")

    report = ReminderService(services).send("demo", "residents_evening", DEC_3, dry_run=True)

    assert report.dry_run and [(r.id, text) for r, text in report.queued] == [(zhang, EVENING)]
    assert outbox(services) == [] and sends(services) == 0
    assert "would queue 1" in report.summary()


def test_a_day_that_is_no_reception_day_sends_nothing(services):
    resident(services, "zhang")

    report = ReminderService(services).send("demo", "residents_evening", date(2026, 12, 4))

    assert report.skipped and report.queued == () and outbox(services) == []


def test_the_job_sends_only_on_the_evening_before_a_reception_day(services):
    resident(services, "zhang")
    reminders = ReminderService(services)

    services.now.now = datetime(2026, 12, 1, 18, 0, tzinfo=SH)
    assert reminders.run_slot("residents_evening") == []
    services.now.now = datetime(2026, 12, 2, 18, 0, tzinfo=SH)
    [report] = reminders.run_slot("residents_evening")
    assert (report.reception_date, len(report.queued)) == (DEC_3, 1)
    # Run again late (a misfire at 00:30 within the grace time): the same reception day, nothing new.
    services.now.now = datetime(2026, 12, 3, 0, 30, tzinfo=SH)
    [late] = reminders.run_slot("residents_evening")
    assert (late.reception_date, len(late.queued), late.already_sent) == (DEC_3, 0, 1)


def test_staff_get_the_agenda_the_morning_before(services):
    zhang, li = openid("zhang"), openid("li")
    resident(services, "zhang")
    resident(services, "li", ("1", "1", "502"))
    dispute = services.tickets.submit(NewRequest(zhang, "noise_dispute", "楼上半夜跺脚", building="3", unit="2",
                                                 room="502", other_party="楼上602"))
    repair = services.tickets.submit(NewRequest(li, "repair", "楼道灯坏了", building="1", unit="1", room="502"))
    rated = services.tickets.submit(NewRequest(li, "parcel", "快递柜打不开", building="1", unit="1", room="502"))
    services.tickets.step(rated.number, Status.ACCEPTED, staff_code="liu")
    services.tickets.step(rated.number, Status.RESOLVED, staff_code="liu")
    services.tickets.rate(li, score=1, not_fixed=False, comment="还是打不开")
    services.now.now = datetime(2026, 12, 2, 8, 30, tzinfo=SH)  # the repair is long overdue by now

    report = ReminderService(services).send("demo", "staff_agenda", DEC_3)

    got = {r.name for r, _ in report.queued}
    assert got == {"王秀英", "刘建华", "陈美玲", "金国强", "党员调解室", "赵志刚"}  # not the errand agent, not the admin
    text = report.queued[0][1]
    assert text.splitlines()[0] == "【12月3日（周四）接待日议程】红星家园 9:00–11:30，党群服务站（3号楼一层）"
    assert "一、未结的邻里纠纷（1）" in text and dispute.number in text
    assert "二、超时未接单（1）" in text and repair.number in text
    assert "三、差评和没修好（11月15日以来）（1）" in text and rated.number in text and "还是打不开" in text
    assert {n.kind for n in outbox(services) if n.recipient_kind == "staff"} >= {"reception_agenda"}


def test_wechat_failing_then_recovering_delivers_every_reminder_once(services, fake, config):
    ids = [resident(services, name, address) for name, address in
           (("zhang", ("3", "2", "502")), ("li", ("1", "1", "502")), ("wu", ("5", "1", "602")))]
    ReminderService(services).send("demo", "residents_evening", DEC_3)
    fake.fail_next(SEND, -1, times=2)  # WeChat busy for the first two
    notifier = notifier_for(services, config, retry_base_seconds=60)

    first = notifier.deliver_pending()
    services.now.advance(minutes=2)
    second = notifier.deliver_pending()

    assert (first.sent, first.retrying, second.sent) == (1, 2, 2)
    to = [r.body["touser"] for r in fake.received(SEND)]
    assert len(to) == 5 and set(to) == {openid("zhang"), openid("li"), openid("wu")}  # 3 sent + 2 refused
    assert ReminderService(services).delivery("demo", DEC_3) == [("residents_evening", "sent", 3)]
    assert {n.recipient_id for n in outbox(services) if n.sent_at} == set(ids)


def test_residents_the_reminder_cannot_reach_are_listed_elderly_first_and_sent_to_their_butler(services, fake,
                                                                                                 config):
    resident(services, "li", ("1", "1", "502"), phone="13912345678")
    resident(services, "zhang", ("3", "2", "502"), phone="13800000001")  # 独居老人
    resident(services, "chen", ("19", "1", "1101"))  # building 19: no butler; 独居老人, 残疾人
    resident(services, "wu", ("5", "1", "602"))  # reached
    reminders = ReminderService(services)
    reminders.send("demo", "residents_evening", DEC_3)
    fake.unsubscribed.update({openid("li"), openid("zhang"), openid("chen")})
    notifier_for(services, config).deliver_pending()

    people = reminders.unreachable("demo", DEC_3)

    assert [(p.location, p.elderly_first, p.butler) for p in people] == [
        ("19栋1单元1101", True, ""), ("3栋2单元502", True, "wang"), ("1栋1单元502", False, "liu")]
    assert people[1].phone == "13800000001" and "43004" in people[1].error

    services.now.now = datetime(2026, 12, 2, 20, 0, tzinfo=SH)
    [followup] = reminders.run_slot("unreachable_followup")

    by = {r.id: text for r, text in followup.queued}
    assert set(by) == {staff_id(services, "wang"), staff_id(services, "liu"), staff_id(services, "zhao")}
    assert by[staff_id(services, "wang")] == ("明天12月3日（周四）接待日的提醒没能送到以下住户，请打电话告知一声：\n"
                                              "1. 3栋2单元502 13800000001 ★独居老人")
    assert "19栋1单元1101 无电话 ★残疾人、独居老人" in by[staff_id(services, "zhao")]


def test_two_processes_sending_at_once_queue_each_reminder_once(any_db_services, clock):
    services = any_db_services
    for i in range(12):
        resident(services, f"r{i:02d}", ("3", "1", f"{i // 4 + 1}0{i % 4 + 1}"))
    url = services.settings.database_url
    others = [build_services(url, clock) for _ in range(3)]  # as separate scheduler processes would
    barrier = threading.Barrier(len(others))
    errors = []

    def send(built):
        try:
            barrier.wait()
            ReminderService(built).send("demo", "residents_evening", DEC_3)
        except Exception as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=send, args=(built,)) for built in others]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for built in others:
        built.factory.kw["bind"].dispose()

    assert errors == []
    assert len(outbox(services)) == 12 and sends(services) == 12
    assert len({n.recipient_id for n in outbox(services)}) == 12
