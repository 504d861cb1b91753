"""The one notifier: delivers the outbox (bot.db.models.Notification) through WeChat.

Residents get a customer-service text (exactly the notification's text); outside the 48-hour
window (45015, or 45047 / 48001: no customer-service message possible) a template message
instead, if one is configured. Staff get a template message (with a link to the console when
configured), or a customer-service text when no staff template is configured.

Errors (inside HTTP 200 JSON) are sorted into:
  - sent: errcode 0. Only then is ``sent_at`` set.
  - retry later, with exponential backoff, up to ``max_attempts``: no answer (network error,
    timeout), -1 system busy, a refused token after the client's one refetch, 45009 (daily quota
    reached: waits at least ``quota_retry_seconds``, since the quota only resets the next day),
    and codes not listed here (a retry costs one call; losing a message costs more).
  - failed for good, never retried: unsubscribed (43004), refused (43101), invalid openid (40003),
    template errors (40037, 47001, 47003), the window errors above with no template to fall back
    on, and recipients without a WeChat openid.
Every call is logged in notification_deliveries. A timeout is retried although WeChat may have
delivered the message: delivery is at least once.

``deliver_pending`` is synchronous (wechatpy uses requests): run it in a worker thread, a
process of its own or an executor. Several may run at once (see bot.wechat.claims).
"""

from __future__ import annotations

import os
import socket
import uuid
from collections import Counter
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, Callable, Dict, List, Optional
from zoneinfo import ZoneInfo

import requests
from sqlalchemy.orm import sessionmaker
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from bot.db.engine import transaction
from bot.db.models import utcnow
from bot.wechat import claims
from bot.wechat.claims import Call, Job, Outcome
from bot.wechat.config import WeChatConfig
from bot.wechat.templates import link, template_data
from bot.wechat.token_store import Clock

# Customer-service messages cannot reach the user; a template message may.
FALLBACK_TO_TEMPLATE = frozenset({45015, 45047, 48001})
PERMANENT = frozenset({40003, 40037, 43004, 43101, 47001, 47003}) | FALLBACK_TO_TEMPLATE
QUOTA = 45009
# Long texts (an agenda, a list to phone) and a resident's words with no ticket to link to (a
# message passed on, a complaint): a template shows 20 characters of them, so staff get these as
# customer-service texts first, and the template (title and link) only as a fallback.
LONG_TEXT_KINDS = frozenset({"reception_agenda", "reminder_unreachable", "handed_to_butler",
                             "complaint_forwarded"})


@dataclass(frozen=True)
class DeliveryCounts:
    claimed: int = 0
    sent: int = 0
    retrying: int = 0  # will be tried again later
    failed: int = 0  # given up for good


def classify(errcode: Optional[int]) -> str:
    """sent | retry | failed for the answer to the last call (None: no answer)."""
    if errcode == 0:
        return "sent"
    return "failed" if errcode in PERMANENT else "retry"


def default_worker_id() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Notifier:
    def __init__(self, factory: sessionmaker, client: WeChatClient, config: WeChatConfig, *,
                 timezone: ZoneInfo, clock: Clock = utcnow, worker: Optional[str] = None) -> None:
        self._factory = factory
        self._client = client
        self._config = config
        self._timezone = timezone
        self._clock = clock
        self.worker = worker or default_worker_id()

    def deliver_pending(self, limit: int = 50) -> DeliveryCounts:
        """Claim up to ``limit`` due notifications, send each once, record every result."""
        token = f"{uuid.uuid4().hex[:12]}/{self.worker}"[:80]  # unique part first: it may be cut
        now = self._clock()
        stale_before = now - timedelta(seconds=self._config.claim_timeout_seconds)
        with transaction(self._factory) as session:
            ids = claims.claim(session, token=token, now=now, limit=limit, stale_before=stale_before)
        if not ids:
            return DeliveryCounts()
        with transaction(self._factory) as session:
            jobs = claims.load_jobs(session, ids, timezone=self._timezone,
                                    openid_pattern=self._config.openid_pattern)
        states: Counter = Counter()
        for job in jobs:
            states[self._deliver(job, token)] += 1
        return DeliveryCounts(claimed=len(jobs), sent=states["sent"], retrying=states["pending"],
                              failed=states["failed"])

    def _deliver(self, job: Job, token: str) -> str:
        calls = self._send(job)
        now = self._clock()
        outcome = self._outcome(job, calls[-1], now)
        logged = [replace(c, outcome="fallback") for c in calls[:-1]]
        logged.append(replace(calls[-1], outcome="retry" if outcome.state == "pending" else outcome.state))
        with transaction(self._factory) as session:
            claims.record(session, job, logged, outcome, token=token, worker=self.worker, now=now)
        return outcome.state

    def _send(self, job: Job) -> List[Call]:
        if job.undeliverable:
            return [Call("none", None, None, job.undeliverable, outcome="failed")]
        config = self._config
        staff_template = self._template_for_staff(job) if job.recipient_kind == "staff" else None
        if staff_template is not None and job.kind not in LONG_TEXT_KINDS:
            return [staff_template()]
        first = self._call("cs", job.openid, lambda: self._client.message.send_text(job.openid, job.text))
        if first.errcode not in FALLBACK_TO_TEMPLATE:
            return [first]
        if job.recipient_kind == "resident" and config.resident_template_id:
            return [first, self._template(job, config.resident_template_id,
                                          config.resident_template_fields, None)]
        if staff_template is not None:
            return [first, staff_template()]
        return [first]

    def _template_for_staff(self, job: Job) -> Optional[Callable[[], Call]]:
        config = self._config
        if not config.staff_template_id:
            return None
        return lambda: self._template(job, config.staff_template_id, config.staff_template_fields,
                                      link(config.console_url, job.values["number"], job.ticket_id))

    def _template(self, job: Job, template_id: str, fields: Any, url: Optional[str]) -> Call:
        data = template_data(fields, job.values)
        return self._call("template", job.openid,
                          lambda: self._client.message.send_template(job.openid, template_id, data, url=url))

    @staticmethod
    def _call(channel: str, openid: Optional[str], send: Callable[[], Dict[str, Any]]) -> Call:
        try:
            answer = send()
        except WeChatClientException as error:
            return Call(channel, openid, error.errcode, str(error.errmsg or f"no answer: {error}"))
        except requests.RequestException as error:
            return Call(channel, openid, None, f"no answer: {type(error).__name__}: {error}")
        msgid = answer.get("msgid") if isinstance(answer, dict) else None
        return Call(channel, openid, 0, "ok", None if msgid is None else str(msgid))

    def _outcome(self, job: Job, last: Call, now: Any) -> Outcome:
        attempts = job.attempts + 1
        kind = "failed" if last.channel == "none" else classify(last.errcode)
        if kind == "sent":
            return Outcome("sent", None, now)
        error = f"{last.channel} {last.errcode}: {last.errmsg}"
        if last.errcode in FALLBACK_TO_TEMPLATE:
            error += " (outside the 48-hour window and no template to fall back on)"
        if kind == "retry" and attempts >= self._config.max_attempts:
            return Outcome("failed", f"gave up after {attempts} attempts; {error}", now)
        if kind == "failed":
            return Outcome("failed", error, now)
        return Outcome("pending", error, now + self._backoff(attempts, last.errcode))

    def _backoff(self, attempts: int, errcode: Optional[int]) -> timedelta:
        config = self._config
        seconds = min(config.retry_base_seconds * 2 ** (attempts - 1), config.retry_max_seconds)
        if errcode == QUOTA:
            seconds = max(seconds, config.quota_retry_seconds)
        return timedelta(seconds=seconds)
