"""Alembic migrations, run programmatically (``upgrade(url)``) by `make run` and the tests."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision`` (creating it if it is a new SQLite file)."""
    _run(url, command.upgrade, revision)


def downgrade(url: str, revision: str = "base") -> None:
    """Take the database at ``url`` back to ``revision`` ("base": empty)."""
    _run(url, command.downgrade, revision)


def _run(url: str, step, revision: str) -> None:
    from bot.db.engine import make_engine

    engine = make_engine(url)  # creates the SQLite file's directory
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                # Batch migrations rebuild tables (DROP + CREATE); foreign keys must not fire meanwhile.
                connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
                connection.commit()  # end the autobegun transaction; the pragma holds for the connection
            with connection.begin():
                config = alembic_config(url)
                config.attributes["connection"] = connection
                step(config, revision)
    finally:
        engine.dispose()
