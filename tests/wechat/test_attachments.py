"""Photos are recorded on the resident's newest open ticket, once, with an event on its trail."""

from __future__ import annotations

from sqlalchemy import select

from bot.db.engine import transaction
from bot.db.models import TicketAttachment
from bot.services.tickets import NewRequest
from bot.wechat.attachments import DbImageSink
from tests.wechat.conftest import openid

ALICE, BOB = openid("alice"), openid("bob")


def rows(services):
    with transaction(services.factory) as session:
        return [(a.ticket_id, a.media_id, a.url, a.source_key) for a in session.execute(
            select(TicketAttachment).order_by(TicketAttachment.id)).scalars()]


async def test_a_photo_goes_to_the_newest_open_ticket_once(services, clock):
    sink = DbImageSink(services.factory, clock=services.now)
    assert await sink(ALICE, "m0", "http://p/0", "msg:0") is None  # unknown resident
    older = services.tickets.submit(NewRequest(ALICE, "repair", "厨房水管漏水", building="3", unit="1", room="101"))
    clock.advance(minutes=5)
    newer = services.tickets.submit(NewRequest(ALICE, "parcel", "快递显示签收了但是没收到"))
    assert await sink(ALICE, "m1", "http://p/1", "msg:1") == newer.number
    assert await sink(ALICE, "m1", "http://p/1", "msg:1") == newer.number  # a retry: recorded once
    services.tickets.cancel(ALICE, newer.number)
    assert await sink(ALICE, "m2", "http://p/2", "msg:2") == older.number
    recorded = rows(services)
    assert [(media, url) for _, media, url, _ in recorded] == [("m1", "http://p/1"), ("m2", "http://p/2")]
    assert recorded[0][0] != recorded[1][0]
    assert [e.reason for e in services.tickets.events(older.number)][-1] == "居民发来一张照片"


async def test_without_an_open_ticket_nothing_is_recorded(services):
    services.residents.bind(BOB, building="3", unit="1", room="102")
    assert await DbImageSink(services.factory)(BOB, "m", "http://p", "msg:9") is None
    assert rows(services) == []
