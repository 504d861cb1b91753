"""ReviewService: messages the model was unsure about are kept, with the ranking, for the admins;
the resident's own choice labels them; "都不是" hands them to a person, through the outbox."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.db.engine import transaction
from bot.db.models import LowConfidenceMessage, Notification, Staff
from bot.services.review import MAX_TEXT, Ranked

RANKING = [Ranked("repair", 0.41), Ranked("parcel", 0.33), Ranked("out_of_scope", 0.12)]


def stored(services, message_id: int) -> LowConfidenceMessage:
    with transaction(services.factory) as session:
        return session.get(LowConfidenceMessage, message_id)


def staff_outbox(services) -> list:
    """(staff code, kind, text) of every outbox row for staff."""
    with transaction(services.factory) as session:
        codes = dict(session.execute(select(Staff.id, Staff.code)).all())
        return [(codes.get(n.recipient_id), n.kind, n.text) for n in session.execute(
            select(Notification).where(Notification.recipient_kind == "staff").order_by(Notification.id)).scalars()]


def test_an_unsure_message_is_kept_with_its_ranking(any_db_services, clock):
    message_id = any_db_services.review.record("me", "门口那个东西又不行了", RANKING, "nlu-20261120-3f2a")

    row = stored(any_db_services, message_id)
    assert (row.sender, row.text, row.status, row.label) == ("me", "门口那个东西又不行了", "pending", None)
    assert (row.top_intent, row.model_id) == ("repair", "nlu-20261120-3f2a")
    assert row.confidence == pytest.approx(0.41)
    assert row.created_at == clock.now
    assert json.loads(row.ranking) == [{"name": "repair", "confidence": 0.41}, {"name": "parcel", "confidence": 0.33},
                                       {"name": "out_of_scope", "confidence": 0.12}]
    assert [m.id for m in any_db_services.review.pending()] == [message_id]


def test_a_message_without_a_ranking_is_kept_too(any_db_services):
    row = stored(any_db_services, any_db_services.review.record("me", "？？", [], None))
    assert (row.top_intent, row.confidence, json.loads(row.ranking)) == (None, None, [])


def test_the_residents_choice_labels_the_message(any_db_services):
    message_id = any_db_services.review.record("me", "门口那个东西又不行了", RANKING, "m1")

    any_db_services.review.resident_chose(message_id, "parcel")

    row = stored(any_db_services, message_id)
    assert (row.label, row.top_intent) == ("parcel", "repair")


def test_a_choice_for_an_unknown_message_changes_nothing(any_db_services):
    message_id = any_db_services.review.record("me", "门口那个东西又不行了", RANKING, "m1")
    any_db_services.review.resident_chose(message_id + 1000, "parcel")
    assert stored(any_db_services, message_id).label is None


def test_a_bound_residents_message_goes_to_their_butler(any_db_services):
    any_db_services.residents.bind("me", building="17", unit=None, room="804")
    message_id = any_db_services.review.record("me", "门口那个东西又不行了", RANKING, "m1")

    assert any_db_services.review.hand_to_butler(message_id) == "金国强"

    assert stored(any_db_services, message_id).status == "handed_to_butler"
    [(code, kind, text)] = staff_outbox(any_db_services)
    assert (code, kind) == ("jin", "handed_to_butler")
    assert "17栋1单元804" in text and "门口那个东西又不行了" in text


def test_an_unbound_residents_message_goes_to_the_duty_manager(any_db_services):
    message_id = any_db_services.review.record("stranger", "你们物业电话多少", RANKING, "m1")

    assert any_db_services.review.hand_to_butler(message_id) == "赵志刚"

    [(code, kind, text)] = staff_outbox(any_db_services)
    assert (code, kind) == ("zhao", "handed_to_butler")
    assert "住址未登记" in text


def test_a_resident_of_building_19_without_a_butler_goes_to_the_duty_manager(any_db_services):
    any_db_services.residents.bind("me", building="19", unit=None, room="302")
    message_id = any_db_services.review.record("me", "门口那个东西又不行了", RANKING, "m1")
    assert any_db_services.review.hand_to_butler(message_id) == "赵志刚"
    assert [code for code, _, _ in staff_outbox(any_db_services)] == ["zhao"]


def test_handing_an_unknown_message_writes_nothing(any_db_services):
    assert any_db_services.review.hand_to_butler(4242) is None
    assert staff_outbox(any_db_services) == []


def test_a_very_long_message_is_truncated(any_db_services):
    text = "楼道里一直有怪味" * 400  # 3,200 characters
    row = stored(any_db_services, any_db_services.review.record("me", text, RANKING, "m1"))
    assert MAX_TEXT == 2000
    assert row.text == text[:2000]


@pytest.mark.parametrize("text", [
    "'); DROP TABLE low_confidence_messages; --",
    "1' OR '1'='1",
    "<script>alert('红管家')</script>",
    '<img src=x onerror="alert(1)"> 楼上漏水 & 楼下 "吵"',
    "50%的人说 \\n 不对 %s %(name)s {number}",
])
def test_odd_looking_text_is_stored_exactly_as_written(any_db_services, text):
    message_id = any_db_services.review.record(text, text, [Ranked(text[:40], 0.2)], "m1")

    row = stored(any_db_services, message_id)
    assert (row.text, row.sender) == (text, text[:64])
    assert json.loads(row.ranking)[0]["name"] == text[:40]
    assert len(any_db_services.review.pending()) == 1  # the table is still there


def test_odd_looking_text_reaches_the_butler_verbatim(any_db_services):
    text = "<b>{number}</b> '; DELETE FROM notifications; --"
    message_id = any_db_services.review.record("stranger", text, RANKING, "m1")
    any_db_services.review.hand_to_butler(message_id)
    [(_, _, sent)] = staff_outbox(any_db_services)
    assert text in sent
