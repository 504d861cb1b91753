"""WeChat web authorisation (snsapi_base), how staff log in to the console inside WeChat: the
link from a template message opens the console; WeChat's authorisation page sends the browser
back with a one-time code; the server exchanges it for the openid and finds the staff member.

Plain requests against WeChat's documented endpoints (the fake WeChat API answers them in dev).
"""

from __future__ import annotations

from typing import Optional
from urllib.parse import quote, urlencode

import requests

from bot.wechat.config import WeChatConfig


class OAuthError(RuntimeError):
    """WeChat did not give an openid for the code (expired, reused, refused, unreachable)."""


def authorize_url(config: WeChatConfig, redirect_uri: str, state: str) -> str:
    query = urlencode({"appid": config.appid, "redirect_uri": redirect_uri, "response_type": "code",
                       "scope": "snsapi_base", "state": state}, quote_via=quote)
    return f"{config.oauth_base_url}/connect/oauth2/authorize?{query}#wechat_redirect"


def openid_for(config: WeChatConfig, code: str, session: Optional[requests.Session] = None) -> str:
    """The openid of whoever WeChat issued ``code`` to (a code works once, for 5 minutes)."""
    http = session or requests
    try:
        answer = http.get(f"{config.api_base_url}/sns/oauth2/access_token", timeout=config.timeout, params={
            "appid": config.appid, "secret": config.secret, "code": code, "grant_type": "authorization_code"}).json()
    except (requests.RequestException, ValueError) as error:
        raise OAuthError(f"no answer from WeChat: {error}") from None
    if answer.get("errcode") or not answer.get("openid"):
        raise OAuthError(f"WeChat refused the code: {answer.get('errcode')} {answer.get('errmsg', '')}")
    return str(answer["openid"])
