"""Late answers through WeChat's customer-service API (message/custom/send).

wechatpy's client is synchronous (requests): each send runs in the loop's default executor,
bounded by ``timeout``. A send that timed out may still arrive (the thread goes on): delivery is
at least once. Failures are logged and kept in ``failures`` (the last ``history`` of them).

A message that failed for a passing reason (no answer in time, a network error, WeChat's -1
"system busy") is tried again, ``tries`` times in all, ``retry_seconds`` apart and doubling:
otherwise an answer such as a ticket's number would wait for the resident's next message,
which may never come. Other refusals (the resident unfollowed, 48 hours passed …) are final.

48001 (the account has no customer-service API: unverified accounts) switches the API off for
the rest of the process: from then on the channel lets WeChat retry and answers the retry.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable, Deque, List, Optional, Sequence

import requests
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

logger = logging.getLogger(__name__)

NO_API = frozenset({48001})  # api unauthorized: no customer-service messages at all
PASSING = frozenset({None, -1})  # no answer (timeout, network) or "system busy": worth another try
PER_USER_MESSAGE = 5  # WeChat allows 5 customer-service messages per message of the user

ClientFactory = Callable[[], Optional[WeChatClient]]


@dataclass(frozen=True)
class Failure:
    openid: str
    key: str  # the push whose answer it was
    errcode: Optional[int]  # None: no answer (timeout, network)
    errmsg: str
    at: float  # time.time()


class CustomerService:
    def __init__(self, client_factory: ClientFactory, *, enabled: bool = True, timeout: float = 5.0,
                 history: int = 200, tries: int = 3, retry_seconds: float = 5.0) -> None:
        self._factory = client_factory
        self._client: Optional[WeChatClient] = None
        self._timeout = timeout
        self._tries = max(1, tries)
        self._retry_seconds = retry_seconds
        self.available = enabled
        self.failures: Deque[Failure] = deque(maxlen=history)

    async def send(self, openid: str, chunks: Sequence[str], *, key: str) -> List[str]:
        """Send ``chunks`` in order, up to WeChat's 5 per user message; the ones not sent."""
        chunks = list(chunks)
        for index, chunk in enumerate(chunks[:PER_USER_MESSAGE]):
            if not await self._send_with_retries(openid, chunk, key):
                return chunks[index:]
        return chunks[PER_USER_MESSAGE:]

    async def _send_with_retries(self, openid: str, text: str, key: str) -> bool:
        attempt, delay = 1, self._retry_seconds
        while True:
            failure = await self._send_one(openid, text, key)
            if failure is None:
                return True
            again = attempt < self._tries and failure.errcode in PASSING and self.available
            self._record(failure, retry_in=delay if again else None)
            if not again:
                return False
            await asyncio.sleep(delay)
            attempt, delay = attempt + 1, delay * 2

    async def _send_one(self, openid: str, text: str, key: str) -> Optional[Failure]:
        client = self._get_client()
        if client is None:
            return Failure(openid, key, None, "no WeChat client (WECHAT_APPID/WECHAT_SECRET unset)",
                           time.time())
        loop = asyncio.get_running_loop()
        try:
            await asyncio.wait_for(loop.run_in_executor(None, client.message.send_text, openid, text),
                                   self._timeout)
        except WeChatClientException as error:
            return Failure(openid, key, error.errcode, str(error.errmsg or error), time.time())
        except (asyncio.TimeoutError, requests.RequestException) as error:
            return Failure(openid, key, None, f"no answer: {type(error).__name__}", time.time())
        except Exception as error:  # the token store's database, an unreadable answer, ...
            logger.exception("wechat customer-service send raised")
            return Failure(openid, key, None, f"{type(error).__name__}: {error}"[:300], time.time())
        return None

    def _get_client(self) -> Optional[WeChatClient]:
        if self._client is None and self.available:
            self._client = self._factory()
            if self._client is None:
                self.available = False
        return self._client

    def _record(self, failure: Failure, retry_in: Optional[float] = None) -> None:
        self.failures.append(failure)
        if failure.errcode in NO_API:
            self.available = False
        then = (" (customer-service API off from now on)" if not self.available
                else f" (trying again in {retry_in:g} s)" if retry_in is not None else "")
        logger.warning("wechat customer-service send failed: openid=%s key=%s errcode=%s errmsg=%s%s",
                       failure.openid, failure.key, failure.errcode, failure.errmsg, then)
