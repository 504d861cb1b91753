"""The notifier delivers the outbox through WeChat and records every attempt; sent_at is set
only when WeChat said ok. Assertions are on what the fake WeChat API received.

Demo compound: building 3's butler is wang; now is 2026-11-21 10:00 in Shanghai."""

from __future__ import annotations

import threading
from typing import List

from sqlalchemy import select, update

from bot.db.engine import transaction
from bot.db.models import Notification, Resident, Staff
from bot.services import outbox
from bot.services.tickets import NewRequest
from bot.tickets.lifecycle import Status
from bot.wechat import claims
from bot.wechat.models import NotificationDelivery, NotificationDispatch
from bot.wechat.notifier import DeliveryCounts
from tests.wechat.conftest import RESIDENT_TEMPLATE, STAFF_TEMPLATE, client_for, notifier_for, openid

SEND = "/cgi-bin/message/custom/send"
TEMPLATE = "/cgi-bin/message/template/send"
ALICE = openid("alice")


# -- helpers ---------------------------------------------------------------------------------
def resident(services, who: str = ALICE) -> int:
    services.residents.bind(who, building="3", unit="1", room="101")
    with transaction(services.factory) as session:
        return session.execute(select(Resident.id).where(Resident.openid == who)).scalar_one()


def notify(services, resident_id: int, text: str = "您的工单已登记。") -> int:
    """A resident notification in the outbox (no ticket); its id."""
    with transaction(services.factory) as session:
        row = Notification(recipient_kind="resident", recipient_id=resident_id, kind="status_changed",
                           text=text)
        session.add(row)
        session.flush()
        return row.id


def give_openid(services, staff_code: str) -> str:
    with transaction(services.factory) as session:
        session.execute(update(Staff).where(Staff.code == staff_code).values(openid=openid(staff_code)))
    return openid(staff_code)


def notification(services, notification_id: int) -> Notification:
    with transaction(services.factory) as session:
        return session.get(Notification, notification_id)


def log(services, notification_id: int) -> List[tuple]:
    """(attempt, channel, errcode, outcome) of every delivery attempt, in order."""
    with transaction(services.factory) as session:
        rows = session.execute(select(NotificationDelivery)
                               .where(NotificationDelivery.notification_id == notification_id)
                               .order_by(NotificationDelivery.id)).scalars()
        return [(r.attempt, r.channel, r.errcode, r.outcome) for r in rows]


def state(services, notification_id: int) -> str:
    with transaction(services.factory) as session:
        return session.get(NotificationDispatch, notification_id).state


def texts_sent(fake) -> List[str]:
    return [r.body["text"]["content"] for r in fake.received(SEND)]


# -- residents: customer-service text, template outside the 48-hour window ----------------------
def test_a_resident_gets_exactly_the_text_as_a_customer_service_message(services, fake, config):
    note = notify(services, resident(services), "您的工单 BX-20261121-0001（报修）负责人已接单。")

    counts = notifier_for(services, config).deliver_pending()

    assert counts == DeliveryCounts(claimed=1, sent=1)
    [received] = fake.received(SEND)
    assert received.body == {"touser": ALICE, "msgtype": "text",
                             "text": {"content": "您的工单 BX-20261121-0001（报修）负责人已接单。"}}
    assert notification(services, note).sent_at == services.now()
    assert log(services, note) == [(1, "cs", 0, "sent")]
    assert notifier_for(services, config).deliver_pending() == DeliveryCounts()  # sent once only


def test_outside_the_48_hour_window_a_template_goes_instead(services, fake, config):
    ticket = services.tickets.submit(NewRequest(ALICE, "repair", "厨房水管漏水", building="3", unit="1",
                                                room="101"))
    give_openid(services, "wang")
    services.tickets.step(ticket.number, Status.ACCEPTED, staff_code="wang")
    fake.outside_window.add(ALICE)

    notifier_for(services, config).deliver_pending()

    [template] = [r.body for r in fake.received(TEMPLATE) if r.body["touser"] == ALICE]
    with transaction(services.factory) as session:
        note = session.execute(select(Notification)
                               .where(Notification.recipient_kind == "resident")).scalar_one()
    created = note.created_at.astimezone(services.settings.timezone)
    assert template["template_id"] == RESIDENT_TEMPLATE and "url" not in template
    assert template["data"] == {"character_string1": {"value": ticket.number},
                                "thing2": {"value": "负责人已接单"},
                                "time3": {"value": f"{created:%Y-%m-%d %H:%M}"}}
    assert log(services, note.id) == [(1, "cs", 45015, "fallback"), (1, "template", 0, "sent")]
    assert notification(services, note.id).sent_at is not None


def test_outside_the_window_without_a_resident_template_it_fails(services, fake, config):
    note = notify(services, resident(services))
    fake.outside_window.add(ALICE)

    counts = notifier_for(services, config, resident_template_id="").deliver_pending()

    assert counts == DeliveryCounts(claimed=1, failed=1)
    assert fake.received(TEMPLATE) == []
    assert "48-hour" in notification(services, note).last_error


# -- errors: permanent, retryable, timeouts, quota -------------------------------------------
def test_an_unsubscribed_resident_fails_for_good_and_is_not_retried(services, fake, config):
    note = notify(services, resident(services))
    fake.unsubscribed.add(ALICE)
    notifier = notifier_for(services, config)

    assert notifier.deliver_pending() == DeliveryCounts(claimed=1, failed=1)
    services.now.advance(days=1)
    assert notifier.deliver_pending() == DeliveryCounts()

    assert len(fake.received(SEND)) == 1
    row = notification(services, note)
    assert row.sent_at is None and row.attempts == 1 and row.last_error.startswith("cs 43004")
    assert state(services, note) == "failed"
    assert log(services, note) == [(1, "cs", 43004, "failed")]


def test_system_busy_is_retried_after_a_backoff_and_then_delivered(services, fake, config):
    note = notify(services, resident(services))
    fake.fail_next(SEND, -1)
    notifier = notifier_for(services, config, retry_base_seconds=60)

    assert notifier.deliver_pending() == DeliveryCounts(claimed=1, retrying=1)
    assert notification(services, note).sent_at is None
    services.now.advance(seconds=59)
    assert notifier.deliver_pending() == DeliveryCounts()  # not due yet
    services.now.advance(seconds=1)
    assert notifier.deliver_pending() == DeliveryCounts(claimed=1, sent=1)

    assert log(services, note) == [(1, "cs", -1, "retry"), (2, "cs", 0, "sent")]
    assert notification(services, note).attempts == 2 and notification(services, note).sent_at is not None


def test_an_answer_slower_than_the_timeout_is_a_failed_attempt_retried_later(services, fake, config):
    note = notify(services, resident(services))
    notifier = notifier_for(services, config, timeout=0.3)
    client_for(services, config).access_token  # the token is fetched (and shared) before WeChat turns slow
    fake.set_delay(1.0, SEND)

    assert notifier.deliver_pending() == DeliveryCounts(claimed=1, retrying=1)
    assert "no answer" in notification(services, note).last_error
    fake.set_delay(0, SEND)
    services.now.advance(minutes=1)
    assert notifier.deliver_pending() == DeliveryCounts(claimed=1, sent=1)

    assert log(services, note) == [(1, "cs", None, "retry"), (2, "cs", 0, "sent")]
    assert len(fake.received(SEND)) == 2  # at least once: the slow one may have arrived too


def test_retries_stop_after_max_attempts(services, fake, config):
    note = notify(services, resident(services))
    fake.fail_next(SEND, -1, times=10)
    notifier = notifier_for(services, config, max_attempts=3)

    for _ in range(5):
        notifier.deliver_pending()
        services.now.advance(hours=2)

    assert len(fake.received(SEND)) == 3
    assert [outcome for *_, outcome in log(services, note)] == ["retry", "retry", "failed"]
    assert notification(services, note).last_error.startswith("gave up after 3 attempts")


def test_a_reached_quota_waits_longer_than_the_usual_backoff(services, fake, config):
    note = notify(services, resident(services))
    fake.quota_exceeded.add(SEND)
    notifier = notifier_for(services, config, retry_base_seconds=60, quota_retry_seconds=1800)

    assert notifier.deliver_pending() == DeliveryCounts(claimed=1, retrying=1)
    fake.quota_exceeded.clear()
    services.now.advance(minutes=29)
    assert notifier.deliver_pending() == DeliveryCounts()
    services.now.advance(minutes=1)
    assert notifier.deliver_pending() == DeliveryCounts(claimed=1, sent=1)
    assert log(services, note)[0] == (1, "cs", 45009, "retry")


def test_a_resident_known_only_from_the_rest_channel_is_undeliverable(services, fake, config):
    note = notify(services, resident(services, "terminal-1a2b3c4d"))

    assert notifier_for(services, config).deliver_pending() == DeliveryCounts(claimed=1, failed=1)

    assert fake.received() == []
    assert log(services, note) == [(1, "none", None, "failed")]
    assert "no WeChat openid" in notification(services, note).last_error


# -- staff: template messages ------------------------------------------------------------------
def test_staff_get_a_template_with_fields_of_at_most_20_characters(services, fake, config):
    ticket = services.tickets.submit(NewRequest(
        ALICE, "repair", "厨房水管漏水，已经流到楼下邻居家里了，麻烦尽快来看看", building="3", unit="1", room="101"))
    wang = give_openid(services, "wang")

    assert notifier_for(services, config).deliver_pending() == DeliveryCounts(claimed=1, sent=1)

    assert fake.received(SEND) == []
    [received] = fake.received(TEMPLATE)
    body = received.body
    assert (body["touser"], body["template_id"]) == (wang, STAFF_TEMPLATE)
    assert body["url"] == f"https://console.example/tickets/{ticket.number}"
    assert body["data"]["character_string1"] == {"value": ticket.number}
    assert body["data"]["thing2"] == {"value": "新工单待接单"}
    assert body["data"]["thing3"] == {"value": "3栋1单元101"}
    assert all(0 < len(field["value"]) <= 20 for field in body["data"].values())


def test_a_complaint_reaches_the_duty_manager_whole_as_a_customer_service_text(services, fake, config):
    # As a template, the duty manager saw 20 characters of it (居民意见（3栋1单元101）：保安…) and
    # had no ticket page to open.
    resident(services)
    words = "保安天天在岗亭里睡觉，外卖快递外人随便进出，晚上单元门也不关，老人孩子都不安全"
    assert services.review.forward_complaint(ALICE, words) == "值班物业经理赵志刚"
    zhao = give_openid(services, "zhao")

    assert notifier_for(services, config).deliver_pending() == DeliveryCounts(claimed=1, sent=1)

    assert fake.received(TEMPLATE) == []
    assert [r.body["touser"] for r in fake.received(SEND)] == [zhao]
    assert texts_sent(fake) == [f"居民意见（3栋1单元101）：{words} 请跟进处理。"]


def test_staff_without_an_openid_are_recorded_as_undeliverable(services, fake, config):
    with transaction(services.factory) as session:  # the demo compound gives every staff member one
        session.execute(update(Staff).where(Staff.code == "wang").values(openid=None))
    services.tickets.submit(NewRequest(ALICE, "repair", "厨房水管漏水", building="3", unit="1", room="101"))

    assert notifier_for(services, config).deliver_pending() == DeliveryCounts(claimed=1, failed=1)

    assert fake.received() == []
    with transaction(services.factory) as session:
        [row] = session.execute(select(Notification)).scalars()
    assert row.sent_at is None and "staff wang has no WeChat openid" in row.last_error


def test_urgent_notifications_go_first(services, fake, config):
    alice = resident(services)
    notify(services, alice, "普通")
    with transaction(services.factory) as session:
        outbox.to_resident(session, alice, None, "status_changed", urgent=True, number="X", type="报修",
                           status="紧急")

    notifier_for(services, config).deliver_pending(limit=1)

    assert texts_sent(fake) == ["您的工单 X（报修）紧急。"]


# -- several workers ---------------------------------------------------------------------------
def test_concurrent_workers_never_send_a_notification_twice(any_db_services, fake, config):
    alice = resident(any_db_services)
    ids = [notify(any_db_services, alice, f"消息 {n}") for n in range(30)]
    fake.set_delay(0.02, SEND)
    workers = [notifier_for(any_db_services, config, worker=f"w{n}") for n in range(4)]
    start = threading.Barrier(len(workers))
    totals: List[DeliveryCounts] = []

    def run(notifier) -> None:
        start.wait()
        while True:
            counts = notifier.deliver_pending(limit=3)
            totals.append(counts)
            if counts.claimed == 0:
                return

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sorted(texts_sent(fake)) == sorted(f"消息 {n}" for n in range(30))
    assert sum(c.sent for c in totals) == 30
    assert all(notification(any_db_services, i).sent_at is not None for i in ids)
    assert all(log(any_db_services, i) == [(1, "cs", 0, "sent")] for i in ids)


def test_a_claim_left_by_a_dead_worker_is_taken_over_after_the_claim_timeout(any_db_services, fake, config):
    note = notify(any_db_services, resident(any_db_services))
    now = any_db_services.now()
    with transaction(any_db_services.factory) as session:  # a worker claims it, then dies
        assert claims.claim(session, token="dead", now=now, limit=10, stale_before=now) == [note]
    notifier = notifier_for(any_db_services, config, claim_timeout_seconds=300)

    assert notifier.deliver_pending() == DeliveryCounts()
    any_db_services.now.advance(seconds=301)
    assert notifier.deliver_pending() == DeliveryCounts(claimed=1, sent=1)
    assert texts_sent(fake) == ["您的工单已登记。"]
