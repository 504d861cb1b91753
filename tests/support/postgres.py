"""Pytest plugin: a real PostgreSQL server on loopback for tests.

Fixtures:
    postgres_url        (session)  SQLAlchemy URL of a fresh, empty database.
    fresh_postgres_url  (function) URL of a database of the test's own, dropped afterwards.

The server is, in order of preference:
    1. the one named by $RED_BUTLER_TEST_POSTGRES_URL, used as-is;
    2. a throwaway cluster in a temp dir, started with the local initdb/pg_ctl (installed
       with apt-get first when they are missing and we are root), stopped at session end;
    3. none: the tests that need it are skipped, saying what to install.

Nothing starts until a fixture is requested. Registered in tests/conftest.py through
`pytest_plugins = ["tests.support.postgres"]`.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, List, Optional

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

ENV_VAR = "RED_BUTLER_TEST_POSTGRES_URL"
PG_SYSTEM_USER = "postgres"  # created by Debian's package; PostgreSQL refuses to run as root
SUPERUSER = "postgres"  # the cluster's superuser role (trust auth, no password)
TEST_DB = "red_butler_test"
START_TIMEOUT = 30.0
INSTALL_HINT = (
    "Install the PostgreSQL server (Debian/Ubuntu: `apt-get install postgresql`, which provides "
    "initdb and pg_ctl in /usr/lib/postgresql/<version>/bin), or set "
    f"{ENV_VAR}=postgresql+psycopg2://USER:PASSWORD@127.0.0.1:5432/DBNAME "
    "to an empty database whose user may CREATE DATABASE."
)


def _announce(config: pytest.Config, message: str) -> None:
    """Write a line to the terminal now, even while pytest captures output."""
    capman = config.pluginmanager.getplugin("capturemanager")
    reporter = config.pluginmanager.getplugin("terminalreporter")
    with capman.global_and_fixture_disabled() if capman else contextlib.nullcontext():
        if reporter is not None:
            reporter.write_line(message, yellow=True, bold=True)
        else:
            print(message, file=sys.__stderr__, flush=True)


def _version_key(bin_dir: Path) -> tuple:
    return tuple(int(part) for part in re.findall(r"\d+", bin_dir.parent.name))


def _find_bin_dir() -> Optional[Path]:
    """The directory holding both initdb and pg_ctl: PATH first, then Debian's newest version."""
    on_path = shutil.which("initdb")
    candidates: List[Path] = [Path(on_path).resolve().parent] if on_path else []
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=_version_key, reverse=True)
    for bin_dir in candidates:
        if all(os.access(bin_dir / tool, os.X_OK) for tool in ("initdb", "pg_ctl")):
            return bin_dir
    return None


def _apt_install(config: pytest.Config) -> None:
    """Install Debian's postgresql package; skip the tests when apt-get fails."""
    _announce(config, "red-butler tests: PostgreSQL server not found; installing Debian's "
                      "'postgresql' package with apt-get (takes about a minute) ...")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update"],
                ["apt-get", "install", "-y", "--no-install-recommends", "postgresql"]):
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-5:])
            pytest.skip(f"`{shlex.join(cmd)}` failed (exit {proc.returncode}):\n{tail}\n{INSTALL_HINT}")
    _announce(config, "red-butler tests: PostgreSQL installed.")


def _ensure_bin_dir(config: pytest.Config) -> Path:
    """initdb/pg_ctl's directory, installing PostgreSQL if we may; otherwise skip."""
    is_root = os.geteuid() == 0
    bin_dir = _find_bin_dir()
    if bin_dir is None and is_root and shutil.which("apt-get"):
        _apt_install(config)
        bin_dir = _find_bin_dir()
    if bin_dir is None:
        why = "installed, and it cannot be installed here (that needs root and apt-get)"
        pytest.skip(f"No PostgreSQL server (initdb, pg_ctl) is {why}. {INSTALL_HINT}")
    if is_root:
        try:
            pwd.getpwnam(PG_SYSTEM_USER)
        except KeyError:
            pytest.skip(f"Running as root, but there is no '{PG_SYSTEM_USER}' system user to run "
                        f"PostgreSQL as (it refuses to run as root). {INSTALL_HINT}")
    return bin_dir


def _as_pg_user(cmd: List[str]) -> List[str]:
    """The command, run as the postgres system user when we are root."""
    if os.geteuid() != 0:
        return cmd
    if shutil.which("runuser"):
        return ["runuser", "-u", PG_SYSTEM_USER, "--", *cmd]
    return ["su", PG_SYSTEM_USER, "-s", "/bin/sh", "-c", shlex.join(cmd)]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _make_root() -> Path:
    """A private temp dir, owned by the postgres system user when we are root."""
    root = Path(tempfile.mkdtemp(prefix="red-butler-pg-"))
    if os.geteuid() == 0:
        user = pwd.getpwnam(PG_SYSTEM_USER)
        os.chown(root, user.pw_uid, user.pw_gid)
    return root


def _execute(url: str, *statements: str) -> None:
    """Run statements outside a transaction (CREATE/DROP DATABASE need that)."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool, future=True)
    try:
        with engine.connect() as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        engine.dispose()


@dataclass
class _Cluster:
    """A throwaway PostgreSQL cluster: data, socket and log all inside `root`."""

    bin_dir: Path
    root: Path
    port: int

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def log_file(self) -> Path:
        return self.root / "server.log"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg2://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def server_log(self) -> str:
        try:
            return f"\n--- server log {self.log_file} ---\n{self.log_file.read_text(errors='replace')}"
        except OSError:
            return f"\n(no server log at {self.log_file})"

    def run(self, tool: str, *args: str) -> None:
        cmd = _as_pg_user([str(self.bin_dir / tool), *args])
        proc = subprocess.run(cmd, cwd=self.root, capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            raise RuntimeError(f"`{shlex.join(cmd)}` failed (exit {proc.returncode}):\n"
                               f"{proc.stdout}{proc.stderr}{self.server_log()}")

    def init(self) -> None:
        self.run("initdb", "-D", str(self.data_dir), "-U", SUPERUSER, "--auth=trust",
                 "--encoding=UTF8", "--locale=C", "--no-sync")
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self.root}'",
            "fsync": "off",  # throwaway data: durability only costs time
            "synchronous_commit": "off",
            "full_page_writes": "off",
        }
        with (self.data_dir / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())

    def start(self) -> None:
        self.run("pg_ctl", "start", "-w", "-t", str(int(START_TIMEOUT)),
                 "-D", str(self.data_dir), "-l", str(self.log_file))
        self.wait_until_accepting()

    def wait_until_accepting(self) -> None:
        import psycopg2

        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                psycopg2.connect(host="127.0.0.1", port=self.port, user=SUPERUSER,
                                 dbname="postgres", connect_timeout=2).close()
                return
            except psycopg2.OperationalError as exc:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"PostgreSQL on 127.0.0.1:{self.port} did not accept "
                                       f"connections within {START_TIMEOUT:.0f}s: {exc}"
                                       f"{self.server_log()}") from exc
                time.sleep(0.1)

    def destroy(self) -> None:
        """Stop the server (if it runs) and delete everything it wrote."""
        if (self.data_dir / "postmaster.pid").exists():
            with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                self.run("pg_ctl", "stop", "-m", "fast", "-w", "-D", str(self.data_dir))
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """SQLAlchemy URL (postgresql+psycopg2://...@127.0.0.1:PORT/DB) of a fresh, empty database."""
    given = os.environ.get(ENV_VAR)
    if given:
        yield given
        return
    cluster = _Cluster(_ensure_bin_dir(request.config), _make_root(), _free_port())
    try:
        cluster.init()
        cluster.start()
        _execute(cluster.url("postgres"), f'CREATE DATABASE "{TEST_DB}"')
        yield cluster.url(TEST_DB)
    finally:
        cluster.destroy()


@pytest.fixture
def fresh_postgres_url(postgres_url: str) -> Iterator[str]:
    """URL of a new, uniquely named database on the same server, dropped after the test."""
    name = f"test_{uuid.uuid4().hex[:16]}"
    _execute(postgres_url, f'CREATE DATABASE "{name}"')
    try:
        yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    finally:
        _execute(
            postgres_url,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{name}' AND pid <> pg_backend_pid()",
            f'DROP DATABASE IF EXISTS "{name}"',
        )
