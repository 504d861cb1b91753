"""Migration 0002 builds exactly the tables of bot.wechat.models, and can be rolled back."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import inspect

import bot.wechat.models  # noqa: F401  (registers the WeChat tables on Base.metadata)
from bot.db.engine import make_engine
from bot.db.migrate import alembic_config, downgrade, upgrade

WECHAT_TABLES = {"wechat_tokens", "notification_dispatch", "notification_deliveries"}


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    return request.getfixturevalue("fresh_postgres_url")


def tables(url: str) -> set:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_0002_matches_the_models_and_rolls_back_to_0001(empty_db):
    upgrade(empty_db)
    assert WECHAT_TABLES <= tables(empty_db)
    command.check(alembic_config(empty_db))  # raises if the database and the models differ

    downgrade(empty_db, "0001")
    assert not WECHAT_TABLES & tables(empty_db)
    upgrade(empty_db)
    command.check(alembic_config(empty_db))
