"""Residents' WeChat images are downloaded (media/get on the fake WeChat API, over HTTP) into the
photos directory before WeChat forgets them, once, and the console then serves its own copy."""

from __future__ import annotations

from sqlalchemy import select

from bot.console import photos
from bot.console.photos import PhotoStore
from bot.db.engine import transaction
from bot.db.models import Ticket, TicketAttachment
from bot.services.tickets import NewRequest
from bot.wechat.attachments import DbImageSink
from bot.wechat.media import MAX_ATTEMPTS, MediaKeeper
from tests.wechat.conftest import client_for, openid

ALICE = openid("alice")
JPEG = b"\xff\xd8\xff\xe0" + b"leaking pipe" * 100


async def sent_photo(services, media_id: str) -> str:
    ticket = services.tickets.submit(NewRequest(ALICE, "repair", "厨房水管漏水", building="3", unit="1", room="101"))
    await DbImageSink(services.factory, clock=services.now)(ALICE, media_id, "http://mmbiz.qpic.cn/x", f"msg:{media_id}")
    return ticket.number


def keeper(services, config, tmp_path) -> MediaKeeper:
    return MediaKeeper(services.factory, client_for(services, config), PhotoStore(tmp_path / "photos"),
                       clock=services.now)


def shown(services, number: str):
    with transaction(services.factory) as session:
        ticket = session.execute(select(Ticket).where(Ticket.number == number)).scalar_one()
        return [p.src for p in photos.on_ticket(session, ticket, services.settings.timezone)]


def attachment(services) -> TicketAttachment:
    with transaction(services.factory) as session:
        row = session.execute(select(TicketAttachment)).scalar_one()
        session.expunge(row)
        return row


async def test_a_residents_photo_is_kept_and_shown_from_our_copy(services, fake, config, tmp_path):
    number = await sent_photo(services, "media-1")
    fake.add_media("media-1", JPEG)
    assert shown(services, number) == ["http://mmbiz.qpic.cn/x"]  # until it is kept: WeChat's PicUrl

    assert keeper(services, config, tmp_path).keep_pending() == 1

    row = attachment(services)
    assert (tmp_path / "photos" / row.file_name).read_bytes() == JPEG
    assert (row.content_type, row.size) == ("image/jpeg", len(JPEG))
    assert shown(services, number) == [f"/tickets/{number}/photos/{row.id}"]
    assert keeper(services, config, tmp_path).keep_pending() == 0  # kept once, by whichever worker
    assert len(list((tmp_path / "photos").iterdir())) == 1


async def test_a_photo_wechat_no_longer_has_is_not_asked_for_again(services, fake, config, tmp_path):
    number = await sent_photo(services, "gone")  # the fake answers 40007 invalid media_id
    assert keeper(services, config, tmp_path).keep_pending() == 0
    assert attachment(services).fetch_attempts == MAX_ATTEMPTS
    asked = len(fake.received("/cgi-bin/media/get"))
    keeper(services, config, tmp_path).keep_pending()
    assert len(fake.received("/cgi-bin/media/get")) == asked
    assert shown(services, number) == ["http://mmbiz.qpic.cn/x"]


async def test_something_that_is_no_image_is_not_stored_and_tried_a_few_times(services, fake, config, tmp_path):
    await sent_photo(services, "odd")
    fake.add_media("odd", b"<html>not a photo</html>", "text/html")
    for _ in range(MAX_ATTEMPTS + 2):
        keeper(services, config, tmp_path).keep_pending()
    assert attachment(services).fetch_attempts == MAX_ATTEMPTS
    assert len(fake.received("/cgi-bin/media/get")) == MAX_ATTEMPTS
    assert not (tmp_path / "photos").exists() or not list((tmp_path / "photos").iterdir())


async def test_photos_older_than_wechat_keeps_them_are_left_alone(services, fake, config, tmp_path, clock):
    await sent_photo(services, "old")
    fake.add_media("old", JPEG)
    clock.advance(days=3, minutes=1)
    assert keeper(services, config, tmp_path).keep_pending() == 0
    assert fake.received("/cgi-bin/media/get") == []
