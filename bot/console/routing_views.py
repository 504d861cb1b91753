"""The admins' routing page and its forms (/admin/routing). Each form posts one change; a refused
one shows the page again with the problem beside that form (400) and nothing changed."""

from __future__ import annotations

import logging
from typing import Callable

from aiohttp import web

from bot import texts
from bot.console import routing_pages
from bot.console.routing import ROLE_KEYS, ButlerChange, RoutingProblem
from bot.console.web import SERVICE, admin_only, html, run

logger = logging.getLogger("red_butler.console")
NOTICES = {"saved": "saved", "moved": "butler_saved", "left": "butler_left"}  # ?done= -> text


@admin_only
async def page(request: web.Request) -> web.Response:
    return await _render(request)


async def _render(request: web.Request, problem: routing_pages.Problem = routing_pages.Problem(),
                  status: int = 200) -> web.Response:
    overview = await run(request, request.app[SERVICE].routing.overview)
    done = request.query.get("done", "")
    notice = texts.text("console_routing", NOTICES[done], count=_count(request)) if done in NOTICES else ""
    return html(routing_pages.routing(request["user"], request["csrf"], overview, notice, problem), status)


async def _change(request: web.Request, form: str, change: Callable[[], object]) -> web.Response:
    """Run ``change`` in the executor; back to the page, with the problem beside ``form`` if refused."""
    try:
        result = await run(request, change)
    except RoutingProblem as problem:
        logger.info("console: routing change %s refused for %s: %s", form, request["user"].code, problem.__cause__)
        values = {key: str(value) for key, value in request["form"].items() if key != "csrf"}
        return await _render(request, routing_pages.Problem(form, problem.message, values), 400)
    raise web.HTTPSeeOther("/admin/routing?" + _done(result))


def _done(result: object) -> str:
    if isinstance(result, ButlerChange) and result.moved:
        return f"done=moved&count={result.moved}"
    if isinstance(result, ButlerChange) and result.left:
        return f"done=left&count={result.left}"
    return "done=saved"


def _count(request: web.Request) -> int:
    raw = request.query.get("count", "")
    return int(raw) if raw.isdigit() else 0


@admin_only
async def building(request: web.Request) -> web.Response:
    number, user = request.match_info["number"], request["user"]
    butler = str(request["form"].get("butler", ""))
    return await _change(request, f"building-{number}",
                         lambda: request.app[SERVICE].routing.change_butler(user, number, butler))


@admin_only
async def roles(request: web.Request) -> web.Response:
    chosen = {key: str(request["form"].get(key, "")) for key in ROLE_KEYS}
    return await _change(request, "roles", lambda: request.app[SERVICE].routing.change_roles(request["user"], chosen))


@admin_only
async def reception_days(request: web.Request) -> web.Response:
    form = request["form"]
    fields = {name: str(form.get(name, "")) for name in ("days", "hours", "place", "on_holiday")}
    return await _change(request, "reception",
                         lambda: request.app[SERVICE].routing.change_reception(request["user"], **fields))


@admin_only
async def time_limit(request: web.Request) -> web.Response:
    request_type = request.match_info["request_type"]
    values = {name: str(request["form"].get(name, "")) for name, _ in routing_pages.LIMIT_FIELDS}
    return await _change(request, f"limit-{request_type}",
                         lambda: request.app[SERVICE].routing.change_time_limit(request["user"], request_type, values))


ROUTES = [
    web.get("/admin/routing", page),
    web.post("/admin/routing/buildings/{number}", building),
    web.post("/admin/routing/roles", roles),
    web.post("/admin/routing/reception", reception_days),
    web.post("/admin/routing/time-limits/{request_type}", time_limit),
]
