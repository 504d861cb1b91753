"""The console in-process: the real aiohttp app on loopback (aiohttp's test server), the real
service on a migrated database with the demo compound (tests/support/services.py)."""

from __future__ import annotations

import re
from typing import Optional

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.console.app import create_app
from bot.console.service import ConsoleService
from bot.services.tickets import NewRequest

PASSWORD = "correct-horse-1"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def openid(name: str) -> str:
    return ("o" + name + "_" * 28)[:28]


class Browser:
    """A staff member's browser: cookies kept, forms posted with the page's CSRF token."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.csrf = ""

    async def get(self, path: str, **kwargs):
        response = await self.client.get(path, **kwargs)
        text = await response.text()
        found = CSRF.search(text)
        if found:
            self.csrf = found.group(1)
        return response, text

    async def post(self, path: str, data: Optional[dict] = None, csrf: Optional[str] = None, **kwargs):
        form = {"csrf": self.csrf if csrf is None else csrf, **(data or {})}
        response = await self.client.post(path, data=form, **kwargs)
        text = await response.text()
        found = CSRF.search(text)
        if found:
            self.csrf = found.group(1)
        return response, text

    async def log_in(self, username: str, password: str = PASSWORD):
        await self.get("/login")
        return await self.post("/login", {"username": username, "password": password})


@pytest.fixture
def examples_file(tmp_path):
    """Where the NLU inbox writes reviewed examples in tests (never the repository's nlu_data)."""
    return tmp_path / "nlu_data" / "nlu" / "reviewed.yml"


@pytest.fixture
def photos_dir(tmp_path):
    """Where the console stores uploaded photos in tests (never the repository's data/)."""
    return tmp_path / "photos"


@pytest.fixture
def console(services, examples_file, photos_dir):
    service = ConsoleService(services, examples_file=examples_file, photos_dir=photos_dir)
    for code in ("wang", "liu", "mediation", "du", "zhao", "zhou"):
        service.set_password(code, PASSWORD)
    return service


@pytest.fixture
async def browser(console):
    """browser() -> a new Browser on the console app (each with its own cookies)."""
    clients = []

    async def new() -> Browser:
        client = TestClient(TestServer(create_app(console)))
        await client.start_server()
        clients.append(client)
        return Browser(client)

    yield new
    for client in clients:
        await client.close()


def report(services, who: str, kind: str, text: str, building: str, unit: str, room: str, phone: str = None,
           **extra):
    services.residents.bind(openid(who), building=building, unit=unit, room=room, phone=phone)
    return services.tickets.submit(NewRequest(openid(who), kind, text, building=building, unit=unit, room=room,
                                              **extra))
