"""The outbound WeChat API client: wechatpy's ``WeChatClient`` pointed at any base URL (the real
API or the fake in bot.wechat.fake_api), with timeouts and the shared token store.

wechatpy 1.8.18 hard-codes the production token URL, fetches it without a timeout and, with
``auto_retry``, refetches and retries forever on 40001/42001; here the token comes from the
shared store and a refused token is replaced once per call.

The client is synchronous (requests): call it from a worker thread or an executor.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Dict, Tuple

from sqlalchemy.orm import sessionmaker
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from bot.db.models import utcnow
from bot.wechat.config import WeChatConfig
from bot.wechat.token_store import Clock, DbTokenStore

# The token was refused: invalid credential, invalid access_token, access_token expired.
TOKEN_ERRORS = frozenset({40001, 40014, 42001})


class CompoundWeChatClient(WeChatClient):
    """``WeChatClient`` whose base URL, timeout and token store are given."""

    def __init__(self, appid: str, secret: str, *, store: DbTokenStore,
                 base_url: str = "https://api.weixin.qq.com", timeout: float = 5.0) -> None:
        super().__init__(appid, secret, session=store, timeout=timeout, auto_retry=False)
        base = base_url.rstrip("/")
        self.API_BASE_URL = f"{base}/cgi-bin/"
        self._token_url = f"{base}/cgi-bin/token"

    @property
    def access_token(self) -> str:
        return self.session.fresh(self.access_token_key, self._fetch_token)

    def fetch_access_token(self) -> Dict[str, Any]:
        """Replace the stored token (one process fetches; the others reuse its answer)."""
        stale = self.session.get(self.access_token_key)
        if stale:
            self.session.invalidate(self.access_token_key, stale)
        return {"access_token": self.access_token}

    def _request(self, method: str, url_or_endpoint: str, **kwargs: Any) -> Any:
        """wechatpy's request, with a token from the store; a refused token is replaced once."""
        params = kwargs.pop("params", None)
        params = {} if params is None else params
        if not isinstance(params, dict) or "access_token" in params:
            return super()._request(method, url_or_endpoint, params=params, **kwargs)
        token = self.access_token
        try:
            return super()._request(method, url_or_endpoint, params={**params, "access_token": token},
                                    **kwargs)
        except WeChatClientException as error:
            if error.errcode not in TOKEN_ERRORS:
                raise
        self.session.invalidate(self.access_token_key, token)
        return super()._request(method, url_or_endpoint, params={**params, "access_token": self.access_token},
                                **kwargs)

    def _fetch_token(self) -> Tuple[str, int]:
        """GET /cgi-bin/token (errors arrive as HTTP 200 JSON with an errcode)."""
        response = self._http.get(self._token_url, timeout=self.timeout, params={
            "grant_type": "client_credential", "appid": self.appid, "secret": self.secret})
        if response.status_code != 200:
            raise WeChatClientException(None, f"HTTP {response.status_code}", client=self,
                                        request=response.request, response=response)
        result = response.json()
        if result.get("errcode"):
            raise WeChatClientException(int(result["errcode"]), result.get("errmsg", ""), client=self,
                                        request=response.request, response=response)
        return result["access_token"], int(result.get("expires_in", 7200))


def build_client(config: WeChatConfig, factory: sessionmaker, *,
                 clock: Clock = utcnow) -> CompoundWeChatClient:
    """A client for the account in ``config``, sharing the token through the database."""
    store = DbTokenStore(factory, clock=clock,
                         refresh_margin=timedelta(seconds=config.token_refresh_margin_seconds))
    return CompoundWeChatClient(config.appid, config.secret, store=store, base_url=config.api_base_url,
                                timeout=config.timeout)
