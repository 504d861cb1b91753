"""What every console handler uses: the service on the app, blocking calls in the executor,
HTML responses, and the admins-only guard."""

from __future__ import annotations

import asyncio
import functools
from typing import Any, Callable

from aiohttp import web

from bot.console import pages
from bot.console.service import ConsoleService

SERVICE = web.AppKey("service", ConsoleService)


async def run(request: web.Request, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``fn`` in the loop's executor (SQLAlchemy and scrypt block)."""
    return await asyncio.get_running_loop().run_in_executor(None, functools.partial(fn, *args, **kwargs))


def html(text: str, status: int = 200) -> web.Response:
    return web.Response(text=text, status=status, content_type="text/html", charset="utf-8",
                        headers={"Cache-Control": "no-store"})


def admin_only(handler):
    """Admins' pages: anyone else gets 403."""

    @functools.wraps(handler)
    async def checked(request: web.Request, **kwargs: Any) -> web.StreamResponse:
        if not request["user"].is_admin:
            return html(pages.not_allowed(request["user"], request["csrf"]), 403)
        return await handler(request, **kwargs)

    return checked
