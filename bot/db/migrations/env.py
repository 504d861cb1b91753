"""Alembic environment: uses the connection handed in by bot.db.migrate, or the configured URL."""

from alembic import context
from sqlalchemy import create_engine

from bot.db.models import Base
import bot.wechat.models  # noqa: F401,E402  (registers the WeChat tables on Base.metadata)

config = context.config
target_metadata = Base.metadata
# Tables in the same database that are not ours to migrate: the Rasa server's conversations
# (bot/tracker_store.py; with PostgreSQL they share the database). Without this, autogenerate
# would propose dropping them.
NOT_OURS = frozenset({"events"})


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    table = obj if type_ == "table" else getattr(obj, "table", None)
    return not (reflected and compare_to is None and table is not None and table.name in NOT_OURS)


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url"), future=True)
    with engine.begin() as connection:
        _run(connection)
    engine.dispose()


def _run(connection) -> None:
    # render_as_batch: SQLite cannot ALTER most things; batch mode rebuilds the table instead.
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                      compare_type=True, include_object=include_object)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
