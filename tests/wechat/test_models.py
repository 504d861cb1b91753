"""Migration 0002 builds exactly the tables of bot.wechat.models, and can be rolled back."""

from __future__ import annotations

import pytest
from alembic import command

import bot.wechat.models  # noqa: F401  (registers the WeChat tables on Base.metadata)
from bot.db.migrate import alembic_config, downgrade, upgrade
from tests.support.services import table_names

WECHAT_TABLES = {"wechat_tokens", "notification_dispatch", "notification_deliveries"}


def test_0002_matches_the_models_and_rolls_back_to_0001(empty_db):
    upgrade(empty_db)
    assert WECHAT_TABLES <= table_names(empty_db)
    command.check(alembic_config(empty_db))  # raises if the database and the models differ

    downgrade(empty_db, "0001")
    assert not WECHAT_TABLES & table_names(empty_db)
    upgrade(empty_db)
    command.check(alembic_config(empty_db))
