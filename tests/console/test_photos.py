"""Photos on tickets: a butler uploads one with a note (JPEG, PNG or WebP by their first bytes,
at most 5 MB), it shows on the ticket and in its trail and is served only to those who may see
the ticket; residents' WeChat images land on their open ticket and show there too.

Demo compound: wang looks after building 3, liu after 1 and 2."""

from __future__ import annotations

import re

import aiohttp
from sqlalchemy import func, select

from bot.db.engine import transaction
from bot.db.models import TicketAttachment
from bot.wechat.attachments import DbImageSink
from bot.wechat.channel import ChannelOptions, WeChatInput
from bot.wechat.outbound import phrase
from tests.console.conftest import openid, report
from tests.wechat.conftest import serve  # noqa: F401  (fixture: the channel on loopback)
from tests.wechat.sim import TOKEN, StubAgent, WeChatSim, message_xml

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
IMAGE = re.compile(r'<img src="(/tickets/[^"]+/photos/\d+)"')


async def upload(b, number: str, data: bytes, note: str = "", csrf=None, filename: str = "photo.jpg"):
    form = aiohttp.FormData()
    form.add_field("csrf", b.csrf if csrf is None else csrf)
    form.add_field("note", note)
    form.add_field("photo", data, filename=filename, content_type="image/jpeg")
    response = await b.client.post(f"/tickets/{number}/photos", data=form)
    return response, await response.text()


def stored(services, photos_dir) -> tuple:
    with transaction(services.factory) as session:
        rows = session.execute(select(func.count()).select_from(TicketAttachment)).scalar_one()
    files = sorted(p.name for p in photos_dir.iterdir()) if photos_dir.exists() else []
    return rows, files


async def test_a_butler_uploads_a_photo_with_a_note_and_sees_it_on_the_ticket(services, browser, photos_dir):
    ticket = report(services, "zhang", "repair", "厨房水管漏水", "3", "2", "502")
    b = await browser()
    await b.log_in("wang")
    await b.get(f"/tickets/{ticket.number}")

    response, page = await upload(b, ticket.number, JPEG, note="<b>漏水点</b>在水槽下")

    assert response.status == 200 and "照片已上传" in page
    assert "王秀英：&lt;b&gt;漏水点&lt;/b&gt;在水槽下" in page  # the caption, escaped
    assert "上传了一张照片：&lt;b&gt;漏水点&lt;/b&gt;在水槽下" in page  # the trail
    image = await b.client.get(IMAGE.search(page).group(1))
    assert image.status == 200 and image.headers["Content-Type"] == "image/jpeg"
    assert await image.read() == JPEG
    _, files = stored(services, photos_dir)
    assert len(files) == 1 and re.fullmatch(r"[0-9a-f]{32}\.jpg", files[0])  # not the name sent


async def test_others_may_not_see_the_photo_or_its_ticket(services, browser):
    ticket = report(services, "zhang", "repair", "厨房水管漏水", "3", "2", "502")
    wang = await browser()
    await wang.log_in("wang")
    await wang.get(f"/tickets/{ticket.number}")
    _, page = await upload(wang, ticket.number, PNG)
    src = IMAGE.search(page).group(1)

    liu = await browser()
    await liu.log_in("liu")  # building 1 and 2
    page_response, _ = await liu.get(f"/tickets/{ticket.number}")
    image_response, text = await liu.get(src)
    assert (page_response.status, image_response.status) == (404, 404) and "不归您处理" in text
    refused, _ = await upload(liu, ticket.number, JPEG)
    assert refused.status == 404

    stranger = await browser()
    response, _ = await stranger.get(src, allow_redirects=False)
    assert response.status == 302 and response.headers["Location"].startswith("/login")


async def test_a_file_that_is_no_photo_or_too_large_is_refused_and_nothing_stored(services, browser, photos_dir):
    ticket = report(services, "zhang", "repair", "厨房水管漏水", "3", "2", "502")
    b = await browser()
    await b.log_in("wang")
    await b.get(f"/tickets/{ticket.number}")

    not_image, page = await upload(b, ticket.number, b"<script>alert(1)</script>", filename="photo.jpg")
    assert not_image.status == 400 and "只能上传JPG、PNG或WebP格式的照片" in page
    too_large, page = await upload(b, ticket.number, JPEG[:16] + b"\x00" * (5 * 1024 * 1024))
    assert too_large.status == 400 and "照片太大了，请选5MB以内的照片" in page
    far_too_large, page = await upload(b, ticket.number, JPEG[:16] + b"\x00" * (7 * 1024 * 1024))
    assert far_too_large.status == 413 and "上传的内容太大了" in page

    assert stored(services, photos_dir) == (0, [])
    assert "照片" not in services.tickets.events(ticket.number)[-1].reason


async def test_an_upload_without_the_csrf_token_stores_nothing(services, browser, photos_dir):
    ticket = report(services, "zhang", "repair", "厨房水管漏水", "3", "2", "502")
    b = await browser()
    await b.log_in("wang")
    await b.get(f"/tickets/{ticket.number}")

    for token in ("", "forged"):
        response, _ = await upload(b, ticket.number, JPEG, csrf=token)
        assert response.status == 403
    assert stored(services, photos_dir) == (0, [])


async def test_a_residents_wechat_image_lands_on_their_open_ticket_and_shows_in_the_console(services, browser,
                                                                                            serve):
    ticket = report(services, "zhang", "repair", "厨房水管漏水", "3", "2", "502")
    channel = WeChatInput(TOKEN, options=ChannelOptions(customer_service=False),
                          image_sink=DbImageSink(services.factory, clock=services.now))
    sim = WeChatSim(await serve(channel, StubAgent()))
    url = "http://mmbiz.qpic.cn/mmbiz_jpg/abc/0"
    xml = message_xml(openid("zhang"), "image", {"PicUrl": url, "MediaId": "media-1"}, msg_id=77)

    reply = sim.read((await sim.push(xml)).body)

    assert reply["Content"] == phrase("image_attached", number=ticket.number)
    b = await browser()
    await b.log_in("wang")
    response, page = await b.get(f"/tickets/{ticket.number}")
    assert f'<img src="{url}"' in page and "居民发来一张照片" in page
    assert "http://mmbiz.qpic.cn" in response.headers["Content-Security-Policy"]
