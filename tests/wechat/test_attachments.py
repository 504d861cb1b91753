"""Photos are recorded on the resident's newest open ticket (table created here: its migration
is still to come, see bot/wechat/attachments.py)."""

from __future__ import annotations

from sqlalchemy import select

from bot.db.engine import transaction
from bot.services.tickets import NewRequest
from bot.wechat.attachments import DbImageSink, ticket_attachments
from tests.wechat.conftest import openid

ALICE, BOB = openid("alice"), openid("bob")


def rows(services):
    with transaction(services.factory) as session:
        return [tuple(r) for r in session.execute(
            select(ticket_attachments.c.ticket_id, ticket_attachments.c.media_id, ticket_attachments.c.url,
                   ticket_attachments.c.source_key)).all()]


async def test_a_photo_goes_to_the_newest_open_ticket_once(services, clock):
    ticket_attachments.create(services.factory.kw["bind"])
    sink = DbImageSink(services.factory, clock=services.now)
    assert await sink(ALICE, "m0", "http://p/0", "msg:0") is None  # unknown resident
    older = services.tickets.submit(NewRequest(ALICE, "repair", "厨房水管漏水", building="3", unit="1", room="101"))
    clock.advance(minutes=5)
    newer = services.tickets.submit(NewRequest(ALICE, "parcel", "快递显示签收了但是没收到"))
    assert await sink(ALICE, "m1", "http://p/1", "msg:1") == newer.number
    assert await sink(ALICE, "m1", "http://p/1", "msg:1") == newer.number  # a retry: recorded once
    services.tickets.cancel(ALICE, newer.number)
    assert await sink(ALICE, "m2", "http://p/2", "msg:2") == older.number
    with transaction(services.factory) as session:
        columns = ticket_attachments.c
        ids = dict(session.execute(select(columns.source_key, columns.ticket_id)).all())
    assert len(rows(services)) == 2 and ids["msg:1"] != ids["msg:2"]


async def test_without_an_open_ticket_nothing_is_recorded(services):
    ticket_attachments.create(services.factory.kw["bind"])
    services.residents.bind(BOB, building="3", unit="1", room="102")
    assert await DbImageSink(services.factory)(BOB, "m", "http://p", "msg:9") is None
    assert rows(services) == []
