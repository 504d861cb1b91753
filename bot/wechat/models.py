"""Tables of the WeChat side (migration 0002): the shared access token, each outbox
notification's delivery state, and the log of every delivery attempt; and (migration 0009) the
answers owed to residents that could not be delivered yet.

They live on bot.db.models.Base: whatever compares Base.metadata with the database (Alembic's
env.py, the migration tests) must import this module first.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Text

from bot.db.models import Base, UTCDateTime, utcnow


class WeChatToken(Base):
    """One row per credential, shared by every process (wechatpy's session key, e.g.
    "<appid>_access_token"). Refreshers lock the row, so one process fetches at a time."""

    __tablename__ = "wechat_tokens"
    key = Column(String(128), primary_key=True)
    value = Column(String(512), nullable=True)
    expires_at = Column(UTCDateTime, nullable=True)  # NULL or past: must be fetched again
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow)


class NotificationDispatch(Base):
    """Where delivering one outbox notification stands. Workers claim a row (claimed_by,
    claimed_at) before sending, so two workers never send the same notification."""

    __tablename__ = "notification_dispatch"
    __table_args__ = (Index("ix_notification_dispatch_state_next", "state", "next_attempt_at"),)
    notification_id = Column(Integer, ForeignKey("notifications.id"), primary_key=True)
    state = Column(String(10), nullable=False, default="pending")  # pending | sent | failed
    claimed_by = Column(String(80), nullable=True)
    claimed_at = Column(UTCDateTime, nullable=True)
    next_attempt_at = Column(UTCDateTime, nullable=False)


class NotificationDelivery(Base):
    """The log: one row per call to WeChat (or per decision not to call), with its answer."""

    __tablename__ = "notification_deliveries"
    id = Column(Integer, primary_key=True)
    notification_id = Column(Integer, ForeignKey("notifications.id"), nullable=False, index=True)
    attempt = Column(Integer, nullable=False)  # Notification.attempts after this attempt
    channel = Column(String(10), nullable=False)  # cs (customer service) | template | none
    openid = Column(String(64), nullable=True)
    errcode = Column(Integer, nullable=True)  # 0 ok; NULL: no answer (network error, timeout)
    errmsg = Column(String(300), nullable=False, default="")
    msgid = Column(String(40), nullable=True)  # template sends
    outcome = Column(String(10), nullable=False)  # sent | fallback | retry | failed
    worker = Column(String(80), nullable=False)
    at = Column(UTCDateTime, nullable=False)


class OwedAnswer(Base):
    """An answer the channel could not deliver (no customer-service API, or WeChat refused it),
    kept for the reply to the resident's next message (bot.wechat.inbox). In the database so
    that a restart of the Rasa server does not lose it."""

    __tablename__ = "wechat_owed_answers"
    id = Column(Integer, primary_key=True)
    openid = Column(String(64), nullable=False, index=True)
    push_key = Column(String(120), nullable=False)  # the push it answers (bot.wechat.inbound.dedupe_key)
    chunks = Column(Text, nullable=False)  # JSON list of messages, each within WeChat's text limit
    expires_at = Column(UTCDateTime, nullable=False)
