"""The WeChat simulator: a page in the browser that looks like a WeChat chat with the official
account. Pick a resident or a staff member, type or tap the menu; the server here plays WeChat:
it pushes the XML WeChat would push, signed with the token (encrypted in safe mode), to the
real webhook of the Rasa channel, with WeChat's 5 s timeout and three tries, and shows the
passive reply. The page also shows what reached the fake WeChat API for that person
(customer-service and template messages), read from the fake's GET /_fake/requests.

Run (``make run`` starts it in WeChat dev mode)::

    python -m bot.wechat.simulator --port 8090 --webhook http://127.0.0.1:5005/webhooks/wechat/webhook \\
        --fake-api http://127.0.0.1:8089 --token TOKEN --appid APPID [--aes-key KEY] \\
        --database-url sqlite:///data/red-butler.db --compound demo

Endpoints: GET / (the page), GET /health, GET /api/people, GET /api/menu,
POST /api/send {openid, kind: text|click|subscribe, text?, key?}, GET /api/inbox?openid=&since=.
The token and the key stay here: the page never sees them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import re
import secrets
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, AsyncIterator, Dict, List, Optional, Sequence

import aiohttp
import yaml
from aiohttp import web
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from bot import texts
from bot.db.engine import make_engine, make_session_factory
from bot.db.models import Building, Compound, Staff
from bot.wechat import menu as account_menu
from bot.wechat.pusher import (DEFAULT_ORIGINAL_ID, WECHAT_TIMEOUT_SECONDS, WECHAT_TRIES, Account, Push, deliver,
                               event, text_message)

logger = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "simulator"
DATA_FILE = STATIC / "simulator.yml"
ASSETS = {"simulator.js": "application/javascript", "simulator.css": "text/css"}
CUSTOM_SEND = "/cgi-bin/message/custom/send"
TEMPLATE_SEND = "/cgi-bin/message/template/send"
OPENID = re.compile(r"[A-Za-z0-9_-]{28}")
MAX_TEXT = 2000  # characters of one typed message
ROLE_ORDER = ("butler", "mediation_committee", "errand_agent", "duty_manager", "admin")


@dataclass(frozen=True)
class SimulatorConfig:
    webhook: str  # the channel's POST URL: .../webhooks/wechat/webhook
    fake_api: str  # the fake WeChat API: scheme://host:port
    account: Account
    database_url: str  # where the staff (and their openids) are
    compound: str  # compound code
    timeout: float = WECHAT_TIMEOUT_SECONDS  # WeChat's wait for the passive reply
    tries: int = WECHAT_TRIES


class _Runtime:
    """What the running app holds: the HTTP client, the database, the clock of each sender."""

    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self.http: Optional[aiohttp.ClientSession] = None
        self.engine: Optional[Engine] = None
        self.factory: Optional[sessionmaker] = None
        self._last_event: Dict[str, int] = {}

    def event_time(self, openid: str, now: int) -> int:
        """CreateTime of an event: WeChat tells events apart by sender and second, so two taps in
        one second would be taken for a retry; the second tap is dated a second later."""
        created = max(now, self._last_event.get(openid, 0) + 1)
        self._last_event[openid] = created
        return created


RUNTIME = web.AppKey("runtime", _Runtime)


def create_app(config: SimulatorConfig) -> web.Application:
    app = web.Application(client_max_size=64 * 1024)
    app[RUNTIME] = _Runtime(config)
    app.cleanup_ctx.append(_resources)
    app.add_routes([
        web.get("/", index), web.get("/static/{name}", asset), web.get("/health", health),
        web.get("/api/people", people), web.get("/api/menu", menu_buttons),
        web.post("/api/send", send), web.get("/api/inbox", inbox),
    ])
    return app


async def _resources(app: web.Application) -> AsyncIterator[None]:
    """Built when the app starts, never at import: the HTTP client and the database engine."""
    runtime = app[RUNTIME]
    runtime.http = aiohttp.ClientSession()
    runtime.engine = make_engine(runtime.config.database_url)
    runtime.factory = make_session_factory(runtime.engine)
    try:
        yield
    finally:
        await runtime.http.close()
        runtime.engine.dispose()


def _json(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=lambda value: json.dumps(value, ensure_ascii=False))


# -- the page -------------------------------------------------------------------------------------
async def index(_request: web.Request) -> web.StreamResponse:
    return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})


async def asset(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    if name not in ASSETS:
        raise web.HTTPNotFound()
    return web.FileResponse(STATIC / name, headers={"Content-Type": ASSETS[name], "Cache-Control": "no-cache"})


async def health(_request: web.Request) -> web.Response:
    return _json({"status": "ok"})


async def menu_buttons(_request: web.Request) -> web.Response:
    return _json(account_menu.menu())


# -- people ---------------------------------------------------------------------------------------
async def people(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    everyone = residents(runtime.config.compound)
    problem = ""
    try:
        everyone += await asyncio.get_running_loop().run_in_executor(
            None, staff_people, runtime.factory, runtime.config.compound)
    except SQLAlchemyError as error:
        logger.warning("simulator: cannot read the staff: %s", error)
        problem = f"staff unavailable: {type(error).__name__}"
    return _json({"people": everyone, "problem": problem})


@lru_cache(maxsize=1)
def _data() -> Dict[str, Any]:
    return yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))


def residents(compound: str) -> List[Dict[str, str]]:
    """The made-up residents of simulator.yml for the compound."""
    labels = _data()["labels"]
    listed = _data()["residents"].get(compound) or _data()["anyone"]
    return [{"openid": item["openid"], "kind": "resident", "name": item["name"],
             "label": labels["resident" if item.get("address") else "resident_without_address"].format(**item)}
            for item in listed]


def staff_people(factory: sessionmaker, compound: str) -> List[Dict[str, str]]:
    """The compound's active staff with an openid, butlers first, labelled with name and role."""
    with factory() as session:
        rows = session.execute(select(Staff).join(Compound, Compound.id == Staff.compound_id).where(
            Compound.code == compound, Staff.active.is_(True), Staff.openid.isnot(None))).scalars().all()
        buildings = session.execute(select(Building.butler_id, Building.number).join(
            Compound, Compound.id == Building.compound_id).where(Compound.code == compound)).all()
    looked_after: Dict[int, List[str]] = {}
    for butler_id, number in sorted(buildings, key=lambda row: _building_order(row[1])):
        looked_after.setdefault(butler_id, []).append(number)
    order = {role: i for i, role in enumerate(ROLE_ORDER)}
    rows = sorted(rows, key=lambda row: (order.get(row.role, len(order)), row.id))
    return [{"openid": row.openid, "kind": "staff", "name": row.name, "role": row.role,
             "label": staff_label(row.name, row.role, looked_after.get(row.id, []))} for row in rows]


def staff_label(name: str, role: str, buildings: Sequence[str]) -> str:
    labels = _data()["labels"]
    role_label = texts.label("roles", role)
    label = name if role_label == name else labels["staff"].format(role=role_label, name=name)
    if not buildings:
        return label
    numbers = labels["building_separator"].join(labels["building"].format(number=n) for n in buildings)
    return labels["staff_with_buildings"].format(role=role_label, name=name, buildings=numbers)


def _building_order(number: str) -> tuple:
    return (0, int(number), "") if number.isdigit() else (1, 0, number)


# -- sending --------------------------------------------------------------------------------------
class BadRequest(web.HTTPBadRequest):
    def __init__(self, problem: str) -> None:
        super().__init__(text=json.dumps({"error": problem}), content_type="application/json")


async def send(request: web.Request) -> web.Response:
    """Push one message as WeChat would; the passive reply as WeChat shows it."""
    runtime = request.app[RUNTIME]
    if request.content_type != "application/json":  # no form posts from other sites' pages
        raise BadRequest("send JSON")
    try:
        data = await request.json()
    except ValueError:
        raise BadRequest("the body is not JSON") from None
    push = build_push(runtime, data if isinstance(data, dict) else {})
    config = runtime.config
    delivery = await deliver(runtime.http, config.webhook, config.account, push,
                             timeout=config.timeout, tries=config.tries)
    if delivery.outcome in ("no_answer", "refused", "unreadable"):
        logger.warning("simulator: %s after %d tries: %s", delivery.outcome, delivery.attempts, delivery.detail)
    return _json({**delivery.as_json(), "request_xml": push.xml,
                              "encrypted": config.account.encrypted})


def build_push(runtime: _Runtime, data: Dict[str, Any]) -> Push:
    """The push for a request of the page; BadRequest if it is not one WeChat could send."""
    openid, kind, account = data.get("openid"), data.get("kind"), runtime.config.account
    if not isinstance(openid, str) or not OPENID.fullmatch(openid):
        raise BadRequest("openid: 28 ASCII letters, digits, - or _")
    now = int(time.time())
    if kind == "text":
        text = data.get("text")
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
            raise BadRequest(f"text: 1 to {MAX_TEXT} characters")
        return text_message(account, openid, text, msg_id=_msg_id(), create_time=now)
    if kind == "click":
        key = data.get("key")
        if key not in {button["key"] for button in account_menu.click_buttons()}:
            raise BadRequest("key: not a click button of menu.yml")
        return event(account, openid, "CLICK", key, create_time=runtime.event_time(openid, now))
    if kind == "subscribe":
        return event(account, openid, "subscribe", create_time=runtime.event_time(openid, now))
    raise BadRequest("kind: text, click or subscribe")


def _msg_id() -> int:
    """A MsgId like WeChat's: a 64-bit number, unique enough never to be taken for a retry."""
    return 10**18 + secrets.randbelow(8 * 10**18)


# -- the inbox ------------------------------------------------------------------------------------
async def inbox(request: web.Request) -> web.Response:
    """What reached the fake WeChat API for ``openid`` after ``since`` (the fake's clock)."""
    runtime = request.app[RUNTIME]
    openid = request.query.get("openid", "")
    if not OPENID.fullmatch(openid):
        raise BadRequest("openid: 28 ASCII letters, digits, - or _")
    try:
        since = float(request.query.get("since") or 0)
    except ValueError:
        raise BadRequest("since: a number") from None
    url = f"{runtime.config.fake_api.rstrip('/')}/_fake/requests"
    try:
        async with runtime.http.get(url, timeout=aiohttp.ClientTimeout(total=5)) as response:
            records = await response.json(content_type=None)
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
        return _json({"error": f"the fake WeChat API did not answer: {type(error).__name__}"}, status=502)
    messages = messages_for(records if isinstance(records, list) else [], openid, since)
    latest = max([since] + [message["at"] for message in messages])
    return _json({"openid": openid, "messages": messages, "latest": latest})


def messages_for(records: Sequence[Dict[str, Any]], openid: str, since: float) -> List[Dict[str, Any]]:
    """The customer-service and template messages to ``openid`` recorded after ``since``."""
    found = []
    for record in records:
        body, at = record.get("body"), float(record.get("at") or 0)
        if record.get("method") != "POST" or not isinstance(body, dict) or body.get("touser") != openid:
            continue
        if at <= since:
            continue
        if record.get("path") == CUSTOM_SEND:
            found.append(customer_service_message(body, at))
        elif record.get("path") == TEMPLATE_SEND:
            found.append(template_message(body, at))
    return found


def customer_service_message(body: Dict[str, Any], at: float) -> Dict[str, Any]:
    msgtype = str(body.get("msgtype") or "")
    content = body.get(msgtype) if isinstance(body.get(msgtype), dict) else {}
    if msgtype == "text":
        text = str(content.get("content") or "")
    elif msgtype == "news":
        text = "\n".join(str(article.get("title") or "") for article in content.get("articles") or [])
    else:
        text = f"[{msgtype}]"
    return {"kind": "customer_service", "at": at, "msgtype": msgtype, "text": text}


def template_message(body: Dict[str, Any], at: float) -> Dict[str, Any]:
    """A template message with its data fields as text: "编号：BX…" lines."""
    data = body.get("data") if isinstance(body.get("data"), dict) else {}
    labels = _data()["template_field_labels"]
    fields = []
    for key, field in data.items():
        value = field.get("value") if isinstance(field, dict) else field
        label = labels.get(re.sub(r"\d+$", "", str(key)), str(key))
        fields.append({"key": str(key), "label": label, "value": str(value)})
    return {"kind": "template", "at": at, "template_id": str(body.get("template_id") or ""),
            "url": str(body.get("url") or ""), "fields": fields,
            "text": "\n".join(f"{field['label']}：{field['value']}" for field in fields)}


# -- the command ----------------------------------------------------------------------------------
def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bot.wechat.simulator", description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--webhook", required=True, help="the WeChat channel's URL, …/webhooks/wechat/webhook")
    parser.add_argument("--fake-api", required=True, help="the fake WeChat API, http://127.0.0.1:8089")
    parser.add_argument("--token", required=True, help="the token the channel checks signatures with")
    parser.add_argument("--appid", required=True)
    parser.add_argument("--aes-key", default="", help="EncodingAESKey (43 characters): push in safe mode")
    parser.add_argument("--account", default=DEFAULT_ORIGINAL_ID, help="the account's original id (ToUserName)")
    parser.add_argument("--database-url", required=True, help="where the staff and their openids are")
    parser.add_argument("--compound", default="demo")
    parser.add_argument("--timeout", type=float, default=WECHAT_TIMEOUT_SECONDS,
                        help="seconds WeChat waits for the passive reply")
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s  %(message)s")
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)  # the page polls every 1.5 s
    try:
        account = Account(args.token, args.appid, args.aes_key, args.account)
    except ValueError as error:
        print(f"error: {error}", flush=True)
        return 2
    config = SimulatorConfig(args.webhook, args.fake_api, account, args.database_url, args.compound,
                             timeout=args.timeout)
    mode = "safe mode (encrypted)" if account.encrypted else "plaintext mode"
    web.run_app(create_app(config), host=args.host, port=args.port, print=lambda _: print(
        f"simulator: serving http://{args.host}:{args.port} (pushes to {args.webhook}, {mode})", flush=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
