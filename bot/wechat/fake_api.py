"""A fake of WeChat's API on loopback, answering like api.weixin.qq.com for what we use.

Endpoints: GET /cgi-bin/token, POST /cgi-bin/message/custom/send, POST
/cgi-bin/message/template/send, POST /cgi-bin/menu/create, GET /cgi-bin/media/get, and web
authorisation (snsapi_base): GET /connect/oauth2/authorize (WeChat's page, which knows who holds
the phone; the fake is told with ``&fake_openid=``) redirecting back with a one-time code, and
GET /sns/oauth2/access_token exchanging it for the openid. Errors are
HTTP 200 JSON {"errcode", "errmsg"}, as WeChat sends them. Every request is recorded
(``received()``, GET /_fake/requests) and errors can be injected (Python API, or POST
/_fake/inject with the same names as JSON keys).

Run it alone: ``python -m bot.wechat.fake_api --port 8089``.
"""

from __future__ import annotations

import argparse
import json
import re
import threading
import time
import uuid
from collections import defaultdict, deque
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Deque, Dict, List, Optional, Set, Tuple
from urllib.parse import parse_qsl, quote, urlsplit

TOKEN_TTL = 7200
OLD_TOKEN_GRACE = 300  # a replaced token still works this long
OAUTH_CODE_TTL = 300  # WeChat: a code works once, within 5 minutes
OPENID = re.compile(r"^[\w-]{28}$")
ERRMSG = {
    -1: "system error", 0: "ok", 40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type", 40003: "invalid openid", 40007: "invalid media_id", 40013: "invalid appid",
    40016: "invalid button size", 40037: "invalid template_id", 40125: "invalid appsecret",
    41001: "access_token missing", 42001: "access_token expired", 43004: "require subscribe",
    43101: "user refuse to accept the msg", 44002: "empty post data",
    45009: "reach max api daily quota limit",
    45015: "response out of time limit or subscription is canceled", 47001: "data format error",
    47003: "argument invalid!",
}
Reply = Tuple[str, bytes]  # content type, body


def error(errcode: int, detail: str = "") -> Dict[str, Any]:
    message = ERRMSG.get(errcode, "error") + (f" {detail}" if detail else "")
    return {"errcode": errcode, "errmsg": f"{message} rid: {uuid.uuid4().hex[:24]}"}


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    query: Dict[str, str]
    body: Any  # parsed JSON, raw text if not JSON, None if empty
    at: float


class FakeWeChatAPI:
    """The fake's state and its HTTP server. ``start()`` it, use ``url``, ``stop()`` it."""

    def __init__(self, appid: str = "wxfake00000000001", secret: str = "fake-secret", *,
                 host: str = "127.0.0.1", port: int = 0, clock: Callable[[], float] = time.time) -> None:
        self.appid, self.secret, self.clock = appid, secret, clock
        self._address = (host, port)
        self._lock = threading.Lock()
        self._server: Optional[ThreadingHTTPServer] = None
        self._thread: Optional[threading.Thread] = None
        self.reset()

    # control ---------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget requests, tokens and injected errors."""
        with self._lock:
            self._received: List[Received] = []
            self._tokens: Dict[str, Tuple[float, float]] = {}  # token -> (usable until, natural expiry)
            self._queued: Dict[str, Deque[int]] = defaultdict(deque)
            self._delays: Dict[Optional[str], float] = {}
            self.outside_window: Set[str] = set()  # custom send -> 45015
            self.unsubscribed: Set[str] = set()  # any send -> 43004
            self.refusing: Set[str] = set()  # template send -> 43101
            self.quota_exceeded: Set[str] = set()  # paths answering 45009
            self.media: Dict[str, Tuple[bytes, str]] = {}
            self.menu: Optional[Dict[str, Any]] = None
            self._codes: Dict[str, Tuple[str, float]] = {}  # OAuth code -> (openid, expiry)

    def fail_next(self, path: str, errcode: int, times: int = 1) -> None:
        """The next ``times`` requests to ``path`` answer ``errcode``."""
        with self._lock:
            self._queued[path].extend([errcode] * times)

    def set_delay(self, seconds: float, path: Optional[str] = None) -> None:
        """Answer requests to ``path`` (every path if None) ``seconds`` late (0: on time)."""
        with self._lock:
            self._delays[path] = seconds

    def revoke_tokens(self) -> None:
        """Every token issued so far stops working (40001), as after a token fetch elsewhere."""
        with self._lock:
            self._tokens = {token: (0.0, expiry) for token, (_, expiry) in self._tokens.items()}

    def add_media(self, media_id: str, data: bytes, content_type: str = "image/jpeg") -> None:
        self.media[media_id] = (data, content_type)

    def received(self, path: Optional[str] = None) -> List[Received]:
        with self._lock:
            return [r for r in self._received if path is None or r.path == path]

    # server ----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the fake WeChat API is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "FakeWeChatAPI":
        self._server = _Server(self._address, _handler_for(self))
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-wechat", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "FakeWeChatAPI":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # answering -------------------------------------------------------------------------

    def handle(self, method: str, path: str, query: Dict[str, str], body: Any) -> Reply:
        """Record the request, answer it, and wait out any injected delay."""
        with self._lock:
            self._received.append(Received(method, path, query, body, self.clock()))
            delay = self._delays.get(path, self._delays.get(None, 0.0))
            answer = self._answer(method, path, query, body)
        if delay:
            time.sleep(delay)
        if isinstance(answer, tuple):
            return answer
        return "application/json; encoding=utf-8", json.dumps(answer, ensure_ascii=False).encode("utf-8")

    def authorize(self, query: Dict[str, str]) -> Tuple[int, str]:
        """GET /connect/oauth2/authorize: (302, where to) with a one-time code, or (400, why)."""
        with self._lock:
            self._received.append(Received("GET", "/connect/oauth2/authorize", query, None, self.clock()))
            if query.get("appid") != self.appid:
                return 400, "fake WeChat: appid is not this account's (WeChat shows an error page)"
            if query.get("response_type") != "code" or query.get("scope") not in ("snsapi_base", "snsapi_userinfo"):
                return 400, "fake WeChat: response_type=code and scope=snsapi_base expected"
            openid = query.get("fake_openid", "")
            if not OPENID.match(openid):
                return 400, "fake WeChat: add &fake_openid=<28-character openid> (who opens the link in WeChat)"
            code = uuid.uuid4().hex
            self._codes[code] = (openid, self.clock() + OAUTH_CODE_TTL)
        target = query.get("redirect_uri", "")
        joiner = "&" if "?" in target else "?"
        return 302, f"{target}{joiner}code={code}&state={quote(query.get('state', ''), safe='')}"

    def _sns_token(self, query: Dict[str, str], _body: Any) -> Dict[str, Any]:
        if query.get("grant_type") != "authorization_code":
            return error(40002)
        if query.get("appid") != self.appid:
            return error(40013)
        if query.get("secret") != self.secret:
            return error(40125)
        openid, expiry = self._codes.pop(query.get("code", ""), ("", 0.0))  # a code works once
        if not openid or self.clock() > expiry:
            return error(40029)  # invalid code
        return {"access_token": f"FAKE_SNS_{uuid.uuid4().hex}", "expires_in": 7200,
                "refresh_token": f"FAKE_REFRESH_{uuid.uuid4().hex}", "openid": openid, "scope": "snsapi_base"}

    def _answer(self, method: str, path: str, query: Dict[str, str], body: Any) -> Any:
        if path == "/sns/oauth2/access_token" and method == "GET":
            return error(self._queued[path].popleft()) if self._queued[path] else self._sns_token(query, body)
        routes = {"/cgi-bin/token": ("GET", self._token),
                  "/cgi-bin/message/custom/send": ("POST", self._custom),
                  "/cgi-bin/message/template/send": ("POST", self._template),
                  "/cgi-bin/menu/create": ("POST", self._menu),
                  "/cgi-bin/media/get": ("GET", self._media_get)}
        if path not in routes or routes[path][0] != method:
            return {"errcode": 404, "errmsg": f"the fake does not know {method} {path}"}  # not a WeChat code
        if self._queued[path]:
            return error(self._queued[path].popleft())
        if path != "/cgi-bin/token":
            refused = self._check_token(query.get("access_token"))
            if refused:
                return error(refused)
        if path in self.quota_exceeded:
            return error(45009)
        if method == "POST" and not isinstance(body, dict):
            return error(44002 if body is None else 47001)
        return routes[path][1](query, body)

    def _check_token(self, token: Optional[str]) -> int:
        if not token:
            return 41001
        if token not in self._tokens:
            return 40001
        usable_until, expiry = self._tokens[token]
        now = self.clock()
        return 42001 if now >= expiry else 40001 if now >= usable_until else 0

    def _token(self, query: Dict[str, str], _body: Any) -> Dict[str, Any]:
        if query.get("grant_type") != "client_credential":
            return error(40002)
        if query.get("appid") != self.appid:
            return error(40013)
        if query.get("secret") != self.secret:
            return error(40125)
        now = self.clock()
        self._tokens = {t: (min(until, now + OLD_TOKEN_GRACE), expiry)
                        for t, (until, expiry) in self._tokens.items()}
        token = f"FAKE_{uuid.uuid4().hex}{uuid.uuid4().hex}"
        self._tokens[token] = (now + TOKEN_TTL, now + TOKEN_TTL)
        return {"access_token": token, "expires_in": TOKEN_TTL}

    def _recipient_error(self, openid: Any) -> int:
        if not isinstance(openid, str) or not OPENID.match(openid):
            return 40003
        return 43004 if openid in self.unsubscribed else 0

    def _custom(self, _query: Dict[str, str], body: Dict[str, Any]) -> Dict[str, Any]:
        openid = body.get("touser")
        failed = self._recipient_error(openid) or (45015 if openid in self.outside_window else 0)
        if failed:
            return error(failed)
        msgtype = body.get("msgtype")
        if not msgtype or not isinstance(body.get(msgtype), dict):
            return error(47001)
        return {"errcode": 0, "errmsg": "ok"}

    def _template(self, _query: Dict[str, str], body: Dict[str, Any]) -> Dict[str, Any]:
        openid = body.get("touser")
        failed = self._recipient_error(openid) or (43101 if openid in self.refusing else 0)
        if failed:
            return error(failed)
        if not body.get("template_id"):
            return error(40037)
        data = body.get("data")
        if not isinstance(data, dict):
            return error(47001)
        for key, field in data.items():  # since 2023-05: at most 20 characters a field
            value = field.get("value") if isinstance(field, dict) else None
            if not isinstance(value, str) or not 0 < len(value) <= 20:
                return error(47003, f"data.{key}.value invalid")
        return {"errcode": 0, "errmsg": "ok", "msgid": int(uuid.uuid4().int % 10**16)}

    def _menu(self, _query: Dict[str, str], body: Dict[str, Any]) -> Dict[str, Any]:
        buttons = body.get("button")
        if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
            return error(40016)
        if any(len(b.get("sub_button", [])) > 5 for b in buttons if isinstance(b, dict)):
            return error(40016, "sub_button")
        self.menu = body
        return {"errcode": 0, "errmsg": "ok"}

    def _media_get(self, query: Dict[str, str], _body: Any) -> Any:
        found = self.media.get(query.get("media_id", ""))
        if found is None:
            return error(40007)
        data, content_type = found
        return content_type, data

    def inject(self, spec: Dict[str, Any]) -> None:
        """The JSON form of the control API (POST /_fake/inject)."""
        for item in spec.get("fail_next", []):
            self.fail_next(item["path"], int(item["errcode"]), int(item.get("times", 1)))
        if "delay" in spec:
            self.set_delay(float(spec["delay"]), spec.get("delay_path"))
        with self._lock:
            for name in ("outside_window", "unsubscribed", "refusing", "quota_exceeded"):
                getattr(self, name).update(spec.get(name, []))
        if spec.get("revoke_tokens"):
            self.revoke_tokens()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that gave up waiting (timeouts) close the connection: not worth a traceback."""


def _handler_for(fake: FakeWeChatAPI) -> type:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def _serve(self, method: str) -> None:
            parts = urlsplit(self.path)
            query = dict(parse_qsl(parts.query, keep_blank_values=True))
            body = _parse(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            if parts.path == "/_fake/requests":
                reply = "application/json", json.dumps([asdict(r) for r in fake.received()],
                                                       ensure_ascii=False).encode("utf-8")
            elif parts.path == "/_fake/inject" and method == "POST":
                fake.inject(body if isinstance(body, dict) else {})
                reply = "application/json", b'{"errcode":0,"errmsg":"ok"}'
            elif parts.path == "/connect/oauth2/authorize" and method == "GET":
                status, where = fake.authorize(query)
                self.send_response(status)
                if status == 302:
                    self.send_header("Location", where)
                text = where.encode("utf-8") if status != 302 else b""
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(text)))
                self.end_headers()
                self.wfile.write(text)
                return
            else:
                reply = fake.handle(method, parts.path, query, body)
            self.send_response(200)
            self.send_header("Content-Type", reply[0])
            self.send_header("Content-Length", str(len(reply[1])))
            self.end_headers()
            self.wfile.write(reply[1])

        def log_message(self, *args: Any) -> None:  # quiet: tests read received() instead
            pass

    return Handler


def _parse(raw: bytes) -> Any:
    if not raw:
        return None
    text = raw.decode("utf-8", "replace")
    try:
        return json.loads(text)
    except ValueError:
        return text


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.wechat.fake_api", description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8089)
    parser.add_argument("--appid", default="wxfake00000000001")
    parser.add_argument("--secret", default="fake-secret")
    args = parser.parse_args(argv)
    fake = FakeWeChatAPI(args.appid, args.secret, host=args.host, port=args.port).start()
    print(f"fake WeChat API on {fake.url} (appid {args.appid}); Ctrl-C stops it", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
