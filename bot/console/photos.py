"""Photos on tickets: what staff upload in the console (checked by their first bytes, stored
under a random name in the photos directory) and how a ticket's photos are shown, residents'
WeChat images included."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from typing import Optional, Tuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import texts
from bot.db.models import Staff, Ticket, TicketAttachment

MAX_BYTES = 5 * 1024 * 1024
# content type -> (file extension, does this start of a file say it is one)
KINDS = {
    "image/jpeg": (".jpg", lambda head: head.startswith(b"\xff\xd8\xff")),
    "image/png": (".png", lambda head: head.startswith(b"\x89PNG\r\n\x1a\n")),
    "image/webp": (".webp", lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP"),
}


class PhotoError(ValueError):
    """An upload that is refused; ``message`` says why, in Chinese."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.message = texts.text("console_photos", problem)


@dataclass(frozen=True)
class Photo:
    src: str  # where the browser loads it: the console's own route, or WeChat's PicUrl; "" if neither
    who: str  # 居民, or the staff member's name
    note: str
    at: str  # local "11-21 10:30"


def content_type(data: bytes) -> str:
    """The photo's content type by its first bytes; PhotoError if it is empty, too large or no
    JPEG, PNG or WebP (whatever its name or the browser says)."""
    if not data:
        raise PhotoError("empty")
    if len(data) > MAX_BYTES:
        raise PhotoError("too_large")
    found = next((kind for kind, (_, looks) in KINDS.items() if looks(data[:16])), None)
    if found is None:
        raise PhotoError("not_image")
    return found


class PhotoStore:
    """Files in one directory, under names nobody can guess."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def save(self, data: bytes, kind: str) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = secrets.token_hex(16) + KINDS[kind][0]
        (self.directory / name).write_bytes(data)
        return name

    def remove(self, name: str) -> None:
        (self.directory / name).unlink(missing_ok=True)

    def path(self, name: str) -> Optional[Path]:
        """The stored file, or None if it is gone."""
        path = self.directory / Path(name).name
        return path if path.is_file() else None


def wechat_src(url: str) -> str:
    """A resident's PicUrl, if it is a web address a page may load."""
    return url if url.startswith(("https://", "http://")) else ""


def note_suffix(note: str) -> Tuple[str, str]:
    """The note as stored, and as the ticket's trail tells it."""
    note = " ".join(note.split())[:500]
    return note, texts.text("ticket_events", "staff_photo", note=f"：{note}" if note else "")


def on_ticket(session: Session, ticket: Ticket, tz: tzinfo) -> Tuple[Photo, ...]:
    """The ticket's photos, oldest first, as the ticket page shows them."""
    rows = session.execute(select(TicketAttachment, Staff.name).outerjoin(Staff, Staff.id == TicketAttachment.staff_id)
                           .where(TicketAttachment.ticket_id == ticket.id).order_by(TicketAttachment.id)).all()
    return tuple(Photo(f"/tickets/{ticket.number}/photos/{row.id}" if row.file_name else wechat_src(row.url),
                       name or texts.text("console_photos", "resident"), row.note,
                       f"{row.created_at.astimezone(tz):%m-%d %H:%M}") for row, name in rows)
