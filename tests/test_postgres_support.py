"""The PostgreSQL support (tests/support/postgres.py) gives tests a real, isolated database on loopback."""

from __future__ import annotations

import os
from typing import List

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from tests.support.postgres import ENV_VAR


def test_chinese_text_round_trips(postgres_url: str) -> None:
    engine = create_engine(postgres_url, future=True)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE support_probe (id serial PRIMARY KEY, body text NOT NULL)"))
            conn.execute(text("INSERT INTO support_probe (body) VALUES (:body)"), {"body": "电梯坏了"})
        with engine.connect() as conn:
            assert conn.execute(text("SELECT body FROM support_probe")).scalar_one() == "电梯坏了"
    finally:
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS support_probe"))
        engine.dispose()


def test_server_listens_on_loopback(postgres_url: str) -> None:
    url = make_url(postgres_url)
    assert url.drivername == "postgresql+psycopg2"
    engine = create_engine(postgres_url, future=True)
    try:
        with engine.connect() as conn:
            address, port = conn.execute(text("SELECT host(inet_server_addr()), inet_server_port()")).one()
            listen = conn.execute(text("SHOW listen_addresses")).scalar_one()
    finally:
        engine.dispose()
    assert (address, port) == ("127.0.0.1", url.port or 5432)
    if not os.environ.get(ENV_VAR):  # our own throwaway cluster: loopback only
        assert listen == "127.0.0.1"


_seen_databases: List[str] = []


@pytest.mark.parametrize("run", [1, 2])
def test_fresh_databases_are_isolated(run: int, postgres_url: str, fresh_postgres_url: str) -> None:
    """Each run creates the same table in its own database; neither sees the other's."""
    name = make_url(fresh_postgres_url).database
    assert name != make_url(postgres_url).database and name not in _seen_databases
    engine = create_engine(fresh_postgres_url, future=True)
    try:
        assert "isolation_probe" not in inspect(engine).get_table_names()
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE isolation_probe (note text)"))
            conn.execute(text("INSERT INTO isolation_probe VALUES (:note)"), {"note": f"run {run}"})
        with engine.connect() as conn:
            assert conn.execute(text("SELECT note FROM isolation_probe")).scalars().all() == [f"run {run}"]
    finally:
        engine.dispose()
    server = create_engine(postgres_url, future=True)
    try:  # the databases of earlier runs have been dropped
        with server.connect() as conn:
            existing = set(conn.execute(text("SELECT datname FROM pg_database")).scalars())
    finally:
        server.dispose()
    assert name in existing and not existing & set(_seen_databases)
    _seen_databases.append(name)
