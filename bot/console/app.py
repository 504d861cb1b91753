"""The console's web app (aiohttp, already in Rasa's dependencies).

Every page but /login, /health and /static needs a session (an HttpOnly, SameSite=Lax cookie
whose token the database keeps only hashed); every POST carries the session's CSRF token (the
log-in form a double-submit cookie); what a staff member may see is checked on every route by
the service (a ticket that is not theirs is a 404). Pages are escaped HTML under a strict
Content-Security-Policy. Blocking work (SQLAlchemy, scrypt) runs in the executor.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any, Awaitable, Callable, Iterable, Optional

from aiohttp import web

from urllib.parse import urlencode

from datetime import date, datetime, timedelta

from bot import texts
from bot.console import dashboard, models_page, oauth, pages, photos, routing_views, security
from bot.console.web import SERVICE, admin_only, html, run
from bot.console.service import ConsoleService, NotAllowed, NotVisible, known_intents
from bot.retraining.control import ControlError
from bot.retraining.service import ActivationRefused, RetrainingService
from bot.retraining.training import TrainingBusy
from bot.services.review import ReviewError
from bot.services.tickets import TicketError

logger = logging.getLogger("red_butler.console")
SESSION_COOKIE = "rb_session"
LOGIN_COOKIE = "rb_login"
STATIC = Path(__file__).resolve().parent / "static"
PUBLIC = ("/login", "/health", "/static/", "/favicon.ico", "/oauth/")
OAUTH_COOKIE = "rb_oauth"
HEADERS = {
    # Residents' WeChat images are shown from WeChat's image host (PicUrl).
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data: https://mmbiz.qpic.cn http://mmbiz.qpic.cn; "
                               "form-action 'self'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
}
SECURE = web.AppKey("secure_cookies", bool)
WECHAT = web.AppKey("wechat", object)  # WeChatConfig when WeChat log-in is on, else None
PUBLIC_URL = web.AppKey("public_url", str)
RETRAINING = web.AppKey("retraining", object)  # RetrainingService; None: no model page (tests of other pages)
TRUSTED_PROXIES = web.AppKey("trusted_proxies", frozenset)
UPLOAD = re.compile(r"/tickets/[^/]+/photos")  # the one form with a larger body: a photo
UPLOAD_BODY = photos.MAX_BYTES + 64 * 1024


def _next(value: str) -> str:
    """Where to go after logging in: a path of this console only (never another site)."""
    return value if value.startswith("/") and not value.startswith("//") and "\\" not in value else "/"


@web.middleware
async def security_headers(request: web.Request, handler) -> web.StreamResponse:
    response = await handler(request)
    response.headers.update(HEADERS)
    return response


@web.middleware
async def sessions(request: web.Request, handler) -> web.StreamResponse:
    """Who is logged in (request["user"], request["csrf"]); the CSRF check of every POST."""
    if request.path.startswith(PUBLIC):
        return await handler(request)
    token = request.cookies.get(SESSION_COOKIE, "")
    found = await run(request, request.app[SERVICE].session_user, token)
    if found is None:
        if request.method == "GET":
            raise web.HTTPFound("/login?" + urlencode({"next": request.path_qs}) if request.path != "/" else "/login")
        return html(pages.forbidden(), 403)
    if request.method == "POST" and UPLOAD.fullmatch(request.path):
        request = request.clone(client_max_size=UPLOAD_BODY)
    request["user"], request["csrf"] = found
    request["token"] = token
    if request.method == "POST":
        try:
            form = await request.post()
        except web.HTTPRequestEntityTooLarge:
            return await ticket(request, error=texts.text("console_photos", "body_too_large"), status=413)
        if not security.same(str(form.get("csrf", "")), request["csrf"]):
            return html(pages.forbidden(), 403)
        request["form"] = form
    return await handler(request)


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def no_icon(request: web.Request) -> web.Response:
    return web.Response(status=204)


async def login_page(request: web.Request, problem: str = "", username: str = "") -> web.Response:
    wechat = request.app[WECHAT] is not None
    after = _next(request.query.get("next", "/"))
    if wechat and not problem and "MicroMessenger" in request.headers.get("User-Agent", ""):
        raise web.HTTPFound("/oauth/start?" + urlencode({"next": after}))  # inside WeChat: no password
    # Reuse the browser's token: a second log-in page (another tab, a favicon request sent to the
    # log-in) must not invalidate the form already shown.
    token = request.cookies.get(LOGIN_COOKIE, "") or security.new_token()
    response = html(pages.login(token, problem, username, after, wechat), 401 if problem else 200)
    response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="Strict", secure=request.app[SECURE],
                        path="/login")
    return response


def client_address(request: web.Request) -> str:
    """Who is logging in, for the per-client limit on failed log-ins. Behind the reverse proxy
    every request comes from the proxy: its X-Real-IP (deploy/nginx sets it, overwriting what the
    browser sent) names the browser. From any other peer the header is ignored, so a client
    cannot pick a fresh address for each guess."""
    peer = request.remote or ""
    if peer in request.app[TRUSTED_PROXIES]:
        forwarded = request.headers.get("X-Real-IP", "").strip()
        if forwarded:
            return forwarded[:64]
    return peer


async def login(request: web.Request) -> web.Response:
    form = await request.post()
    if not security.same(str(form.get("csrf", "")), request.cookies.get(LOGIN_COOKIE, "") or "\0"):
        return await login_page(request, "expired")
    username = str(form.get("username", ""))[:40]
    result = await run(request, request.app[SERVICE].log_in, username, str(form.get("password", ""))[:200],
                       client_address(request))
    if result.user is None:
        return await login_page(request, result.problem, username)
    response = web.HTTPFound(_next(str(form.get("next", "/"))))
    response.set_cookie(SESSION_COOKIE, result.token, httponly=True, samesite="Lax", secure=request.app[SECURE],
                        max_age=12 * 3600, path="/")
    response.del_cookie(LOGIN_COOKIE, path="/login")
    raise response


async def oauth_start(request: web.Request) -> web.Response:
    """Off to WeChat's authorisation page; it comes back to /oauth/callback with a code."""
    config = request.app[WECHAT]
    if config is None:
        raise web.HTTPFound("/login")
    state = security.new_token()
    where = oauth.authorize_url(config, f"{request.app[PUBLIC_URL]}/oauth/callback", state)
    response = web.HTTPFound(where)
    response.set_cookie(OAUTH_COOKIE, f"{state}|{_next(request.query.get('next', '/'))}", httponly=True,
                        samesite="Lax", secure=request.app[SECURE], max_age=600, path="/oauth/")
    raise response


async def oauth_callback(request: web.Request) -> web.Response:
    config = request.app[WECHAT]
    state, _, after = request.cookies.get(OAUTH_COOKIE, "").partition("|")
    if config is None or not state or not security.same(request.query.get("state", ""), state):
        return await login_page(request, "expired")
    try:
        openid = await run(request, oauth.openid_for, config, request.query.get("code", ""))
    except oauth.OAuthError as error:
        logger.warning("console: WeChat log-in failed: %s", error)
        return await login_page(request, "wechat_failed")
    result = await run(request, request.app[SERVICE].log_in_openid, openid, client_address(request))
    if result.user is None:
        return await login_page(request, result.problem)
    response = web.HTTPFound(_next(after))
    response.set_cookie(SESSION_COOKIE, result.token, httponly=True, samesite="Lax", secure=request.app[SECURE],
                        max_age=12 * 3600, path="/")
    response.del_cookie(OAUTH_COOKIE, path="/oauth/")
    raise response


async def logout(request: web.Request) -> web.Response:
    await run(request, request.app[SERVICE].log_out, request["token"])
    response = web.HTTPFound("/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response


async def index(request: web.Request) -> web.Response:
    show_all = request.query.get("all") == "1"
    rows = await run(request, request.app[SERVICE].list, request["user"], open_only=not show_all)
    return html(pages.ticket_list(request["user"], request["csrf"], rows, show_all))


async def ticket(request: web.Request, *, phone: Optional[str] = None, notice: str = "", error: str = "",
                 status: int = 200) -> web.Response:
    service: ConsoleService = request.app[SERVICE]
    user, number = request["user"], request.match_info["number"]
    try:
        detail = await run(request, service.detail, user, number)
    except NotVisible:
        return html(pages.not_found(user, request["csrf"]), 404)
    colleagues = await run(request, service.colleagues, user) if "transfer" in detail.steps else []
    days = await run(request, service.session_days) if detail.row.request_type == "noise_dispute" else []
    return html(pages.detail(user, request["csrf"], detail, colleagues, phone=phone, notice=notice, error=error,
                              session_days=days), status)


def _ticket_action(action: Callable[[web.Request], Awaitable[Optional[str]]]):
    """A POST on a ticket: do it, then show the ticket (404 if not theirs, 409 if not possible now)."""

    async def handler(request: web.Request) -> web.Response:
        try:
            notice = await action(request)
        except NotVisible:
            return html(pages.not_found(request["user"], request["csrf"]), 404)
        except TicketError as error:
            logger.info("console: %s refused for %s: %s", request.path, request["user"].code, error)
            return await ticket(request, error="这一步现在做不了，请刷新看看工单的最新状态。", status=409)
        except photos.PhotoError as error:
            return await ticket(request, error=error.message, status=400)
        if notice is None:
            return await ticket(request)
        raise web.HTTPSeeOther(f"/tickets/{request.match_info['number']}?done={notice}")

    return handler


STEP_NOTICES = {"accept": "accepted", "start": "started", "resolve": "resolved", "transfer": "transferred"}
NOTICES = {"accepted": "已接单，居民会收到通知。", "started": "已开始处理，居民会收到通知。",
           "resolved": "已标记处理完毕，居民会收到评价邀请。", "transferred": "已转交，对方会收到通知。",
           "noted": "备注已添加。", "photo": texts.text("console_photos", "uploaded"), "scheduled": "已安排在接待日当面调解，居民会收到时间和地点。"}


@_ticket_action
async def step(request: web.Request) -> Optional[str]:
    form = request["form"]
    name = str(form.get("step", ""))
    if name not in STEP_NOTICES:
        raise TicketError(f"unknown step {name!r}")
    to = str(form.get("to", "")) or None
    await run(request, request.app[SERVICE].step, request["user"], request.match_info["number"], name,
              reason=str(form.get("reason", "")), to=to)
    return STEP_NOTICES[name]


@_ticket_action
async def mediation_session(request: web.Request) -> Optional[str]:
    await run(request, request.app[SERVICE].schedule_session, request["user"], request.match_info["number"],
              str(request["form"].get("day", "")))
    return "scheduled"


@_ticket_action
async def note(request: web.Request) -> Optional[str]:
    await run(request, request.app[SERVICE].note, request["user"], request.match_info["number"],
              str(request["form"].get("text", "")))
    return "noted"


@_ticket_action
async def upload_photo(request: web.Request) -> Optional[str]:
    form = request["form"]
    upload = form.get("photo")
    data = upload.file.read(photos.MAX_BYTES + 1) if isinstance(upload, web.FileField) else b""
    await run(request, request.app[SERVICE].add_photo, request["user"], request.match_info["number"], data,
              str(form.get("note", "")))
    return "photo"


async def photo(request: web.Request) -> web.StreamResponse:
    """A photo uploaded to a ticket, to those who may see the ticket."""
    try:
        path, kind = await run(request, request.app[SERVICE].photo_file, request["user"],
                               request.match_info["number"], int(request.match_info["id"]))
    except NotVisible:
        return html(pages.not_found(request["user"], request["csrf"]), 404)
    return web.FileResponse(path, headers={"Content-Type": kind, "Cache-Control": "private, max-age=86400"})


async def reveal_phone(request: web.Request) -> web.Response:
    try:
        phone = await run(request, request.app[SERVICE].reveal_phone, request["user"], request.match_info["number"])
    except NotVisible:
        return html(pages.not_found(request["user"], request["csrf"]), 404)
    return await ticket(request, phone=phone, notice="完整号码已显示，本次查看已记录。")


INBOX_NOTICES = {"accepted": "已采纳，写进了训练数据。", "relabelled": "已改标，写进了训练数据；相关工单已重新派单。",
                 "ignored": "已忽略。"}


async def inbox(request: web.Request, *, error: str = "", status: int = 200) -> web.Response:
    user = request["user"]
    try:
        items = await run(request, request.app[SERVICE].inbox, user)
    except NotAllowed:
        return html(pages.not_allowed(user, request["csrf"]), 403)
    return html(pages.inbox(user, request["csrf"], items, known_intents(),
                             INBOX_NOTICES.get(request.query.get("done", ""), ""), error), status)


async def decide(request: web.Request) -> web.Response:
    user, form = request["user"], request["form"]
    try:
        message_id = int(request.match_info["id"])
        item = await run(request, request.app[SERVICE].decide, user, message_id, str(form.get("decision", "")),
                         str(form.get("intent", "")) or None)
    except NotAllowed:
        return html(pages.not_allowed(user, request["csrf"]), 403)
    except (ReviewError, TicketError, ValueError) as error:
        logger.info("console: inbox decision refused for %s: %s", user.code, error)
        return await inbox(request, error="没有完成：这条留言可能已被处理，或者选的意图不对。", status=409)
    raise web.HTTPSeeOther(f"/admin/inbox?done={item.status}")


def _month(request: web.Request) -> date:
    raw = request.query.get("month", "")
    try:
        return datetime.strptime(raw, "%Y-%m").date() if raw else datetime.now(request.app[SERVICE].tz).date()
    except ValueError:
        return datetime.now(request.app[SERVICE].tz).date()


@admin_only
async def dashboard_page(request: web.Request) -> web.Response:
    user = request["user"]
    month = _month(request).replace(day=1)
    data = await run(request, dashboard.build, request.app[SERVICE].services, month)
    previous = (month - timedelta(days=1)).strftime("%Y-%m")
    following = (month + timedelta(days=32)).replace(day=1).strftime("%Y-%m")
    return html(pages.dashboard(user, request["csrf"], data, previous, following))


@admin_only
async def dashboard_csv(request: web.Request) -> web.Response:
    month = _month(request).replace(day=1)
    text = await run(request, dashboard.csv_export, request.app[SERVICE].services, month)
    return web.Response(body=text.encode("utf-8"), content_type="text/csv", charset="utf-8", headers={
        "Content-Disposition": f'attachment; filename="tickets-{month:%Y-%m}.csv"', "Cache-Control": "no-store"})


MODEL_NOTICES = {"training": "已开始训练，完成后这里会显示新旧模型的对比。",
                 "switching": "已开始切换，新模型加载好以后自动接替，居民不会感觉到。",
                 "restoring": "已开始换回上一个模型。"}


@admin_only
async def models(request: web.Request, *, error: str = "", status: int = 200) -> web.Response:
    retraining = request.app[RETRAINING]
    if retraining is None:
        raise web.HTTPNotFound()
    overview = await run(request, retraining.overview)
    return html(models_page.page(request["user"], request["csrf"], overview, request.app[SERVICE].tz, error=error,
                                  notice=MODEL_NOTICES.get(request.query.get("done", ""), "")), status)


def _model_action(action: Callable[[RetrainingService, web.Request], Any], done: str):
    """A POST on the model page: do it in the executor, then back to the page (or the page with why not)."""

    @admin_only
    async def handler(request: web.Request) -> web.Response:
        retraining = request.app[RETRAINING]
        if retraining is None:
            raise web.HTTPNotFound()
        try:
            await run(request, action, retraining, request)
        except TrainingBusy:
            return await models(request, error="已经有一次训练在进行，请等它完成。", status=409)
        except ActivationRefused as refused:
            return await models(request, error=str(refused), status=409)
        except ControlError as error:
            logger.warning("console: model switch failed: %s", error)
            return await models(request, error=f"助手（Rasa）没有接受：{error}", status=502)
        logger.info("console: %s by %s", done, request["user"].code)
        raise web.HTTPSeeOther(f"/admin/models?done={done}")

    return handler


def _activate(retraining: RetrainingService, request: web.Request) -> None:
    form = request["form"]
    retraining.activate(str(form.get("model", "")), by=request["user"].code,
                        override=form.get("override") == "1", reason=str(form.get("reason", "")))


async def ticket_page(request: web.Request) -> web.Response:
    return await ticket(request, notice=NOTICES.get(request.query.get("done", ""), ""))


def create_app(service: ConsoleService, *, secure_cookies: bool = False, wechat=None,
               public_url: str = "", retraining: Optional[RetrainingService] = None,
               trusted_proxies: Iterable[str] = ()) -> web.Application:
    """``wechat`` (a configured WeChatConfig) and ``public_url`` (the console's address as WeChat
    sends people back to it) turn on log-in with WeChat. ``trusted_proxies``: the reverse proxy's
    addresses, whose X-Real-IP header names the browser (:func:`client_address`)."""
    app = web.Application(middlewares=[security_headers, sessions], client_max_size=64 * 1024)
    app[SERVICE] = service
    app[SECURE] = secure_cookies
    app[WECHAT] = wechat if wechat is not None and wechat.configured and public_url else None
    app[PUBLIC_URL] = public_url.rstrip("/")
    app[RETRAINING] = retraining
    app[TRUSTED_PROXIES] = frozenset(trusted_proxies)
    app.add_routes([
        web.get("/health", health),
        web.get("/favicon.ico", no_icon),
        web.get("/login", login_page),
        web.post("/login", login),
        web.post("/logout", logout),
        web.get("/oauth/start", oauth_start),
        web.get("/oauth/callback", oauth_callback),
        web.get("/", index),
        web.get("/tickets/{number}", ticket_page),
        web.post("/tickets/{number}/step", step),
        web.post("/tickets/{number}/note", note),
        web.post("/tickets/{number}/session", mediation_session),
        web.post("/tickets/{number}/phone", reveal_phone),
        web.post("/tickets/{number}/photos", upload_photo),
        web.get(r"/tickets/{number}/photos/{id:\d+}", photo),
        web.get("/admin/inbox", inbox),
        web.get("/admin/dashboard", dashboard_page),
        web.get("/admin/dashboard.csv", dashboard_csv),
        web.post("/admin/inbox/{id}", decide),
        web.get("/admin/models", models),
        web.post("/admin/models/train", _model_action(lambda r, q: r.trainings.start(q["user"].code), "training")),
        web.post("/admin/models/activate", _model_action(_activate, "switching")),
        web.post("/admin/models/restore", _model_action(lambda r, q: r.restore(by=q["user"].code), "restoring")),
        *routing_views.ROUTES,
        web.static("/static", STATIC),
    ])
    return app
