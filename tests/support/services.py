"""Services on a real, migrated database with the demo compound loaded, and a clock the test
controls. `services` runs on SQLite; `any_db_services` runs each test on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot import services as services_module
from bot import settings as settings_module
from bot.commands import DEMO

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Clock:
    """Now is 2026-11-21 10:00 in Shanghai unless a test moves it."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 21, 10, 0, tzinfo=SHANGHAI)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


def build_services(url: str, clock: Clock) -> services_module.Services:
    from bot import compounds
    from bot.db.engine import make_engine, make_session_factory, transaction
    from bot.db.migrate import upgrade

    upgrade(url)
    config = replace(settings_module.load({}), database_url=url, compound="demo")
    factory = make_session_factory(make_engine(url))
    with transaction(factory) as session:
        compounds.load_file(session, DEMO)
    return services_module.Services(config, factory, clock)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def services(tmp_path, clock):
    """Services on a fresh SQLite file, installed as the process's services (for actions)."""
    built = build_services(f"sqlite:///{tmp_path / 'red-butler.db'}", clock)
    services_module.use(built)
    yield built
    services_module.use(None)
    built.factory.kw["bind"].dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db_services(request, tmp_path, clock):
    """The same test on SQLite and on a real PostgreSQL database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'red-butler.db'}"
    else:
        url = request.getfixturevalue("fresh_postgres_url")
    built = build_services(url, clock)
    services_module.use(built)
    yield built
    services_module.use(None)
    built.factory.kw["bind"].dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db(request, tmp_path) -> str:
    """URL of an empty database (nothing created yet), on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    return request.getfixturevalue("fresh_postgres_url")


def table_names(url: str) -> set:
    """The tables that exist in the database at ``url``."""
    from sqlalchemy import inspect

    from bot.db.engine import make_engine

    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
