"""bot.db.engine: what a SQLite file gets (pragmas, a pool); other databases are left as they are."""

from sqlalchemy import text
from sqlalchemy.pool import QueuePool

from bot.db.engine import make_engine


def test_a_sqlite_file_gets_wal_foreign_keys_and_a_pool(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'bot.db'}")
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert isinstance(engine.pool, QueuePool)
        with engine.connect() as first:
            raw = first.connection.dbapi_connection
        with engine.connect() as again:
            assert again.connection.dbapi_connection is raw  # reused, not reopened
    finally:
        engine.dispose()


def test_an_in_memory_sqlite_keeps_sqlalchemys_pool():
    engine = make_engine("sqlite://")
    assert not isinstance(engine.pool, QueuePool)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar() == 1
