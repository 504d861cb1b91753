"""deploy/systemd: systemd accepts the units (systemd-analyze verify), the service starts what
`make run` starts and gives the launcher time to stop its servers, and the nightly backup's
command line works as the unit runs it.

The units name the installed checkout /srv/red-butler; the tests put this checkout in its place.
What the launcher does on the unit's SIGTERM is tested by
tests/e2e/test_make_run.py::test_sigterm_stops_every_process."""

from __future__ import annotations

import inspect
import os
import re
import shlex
import sqlite3
import subprocess
from pathlib import Path
from typing import Dict, List

import pytest

from bot import run
from tests.conftest import ROOT
from tests.support.debian import ensure_tool

UNITS = ROOT / "deploy" / "systemd"
NAMES = ("red-butler.service", "red-butler-backup.service", "red-butler-backup.timer")
INSTALLED = "/srv/red-butler"


def _here(name: str) -> str:
    return (UNITS / name).read_text(encoding="utf-8").replace(INSTALLED, str(ROOT))


def _keys(name: str) -> Dict[str, List[str]]:
    """``Section.Key`` → its values, in order (Environment= may be given more than once)."""
    keys: Dict[str, List[str]] = {}
    section = ""
    for line in _here(name).splitlines():
        line = line.strip()
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
        elif line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            keys.setdefault(f"{section}.{key}", []).append(value)
    return keys


def _environment(name: str) -> Dict[str, str]:
    return dict(item.split("=", 1) for value in _keys(name).get("Service.Environment", [])
                for item in shlex.split(value))


def _seconds(value: str) -> float:
    units = {"": 1, "s": 1, "sec": 1, "min": 60, "m": 60, "h": 3600}
    match = re.fullmatch(r"(\d+)\s*([a-z]*)", value)
    assert match and match.group(2) in units, value
    return int(match.group(1)) * units[match.group(2)]


def test_systemd_accepts_the_units(tmp_path):
    analyze = ensure_tool("systemd-analyze", "systemd", "to check the service units")
    for name in NAMES:
        (tmp_path / name).write_text(_here(name), encoding="utf-8")
    checked = subprocess.run([analyze, "verify", *(str(tmp_path / name) for name in NAMES)],
                             capture_output=True, text=True, timeout=60)
    ours = [line for line in (checked.stdout + checked.stderr).splitlines() if "red-butler" in line]
    # A misspelt setting is only a warning to systemd (it ignores the line): count it as a failure.
    assert checked.returncode == 0 and ours == [], checked.stdout + checked.stderr


def test_the_service_starts_what_make_run_starts():
    [command] = _keys("red-butler.service")["Service.ExecStart"]
    argv = shlex.split(command)
    assert argv == [str(ROOT / ".venv" / "bin" / "python"), "-m", "bot.cli", "run"]
    assert os.access(argv[0], os.X_OK)  # where scripts/bootstrap.sh (make venv) puts the interpreter
    assert re.search(r"^run:.*\n\t@\$\(PY\) -m bot\.cli run$", (ROOT / "Makefile").read_text(), re.M)
    assert _keys("red-butler.service")["Service.WorkingDirectory"] == [str(ROOT)]  # .env is read from here


def test_the_service_has_the_environment_make_run_exports():
    exported = dict(re.findall(r"^export (\w+) := (\S+)$", (ROOT / "Makefile").read_text(), re.M))
    exported.pop("PYTHONDONTWRITEBYTECODE", None)  # a developer's nicety: bytecode is fine on a server
    environment = _environment("red-butler.service")
    assert {key: environment.get(key) for key in exported} == exported


def test_systemd_lets_the_launcher_stop_its_servers_before_it_kills_them():
    keys = _keys("red-butler.service")
    # mixed: SIGTERM to the launcher alone, which stops each server in turn; then SIGKILL for all.
    assert keys["Service.KillMode"] == ["mixed"] and keys["Service.KillSignal"] == ["SIGTERM"]
    grace = inspect.signature(run.stop).parameters["grace_s"].default
    assert _seconds(keys["Service.TimeoutStopSec"][0]) >= grace + 15
    assert keys["Service.Restart"] == ["on-failure"]  # a server that dies makes the launcher exit 1


def test_a_setting_to_fix_stops_the_service_instead_of_restarting_it_forever(tmp_path):
    """The launcher exits 2 when the configured compound is not loaded; systemd must not retry."""
    assert _keys("red-butler.service")["Service.RestartPreventExitStatus"] == ["2"]
    env = {**os.environ, **_environment("red-butler.service"),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'red-butler.db'}", "COMPOUND": "runyuyuan"}
    [command] = _keys("red-butler.service")["Service.ExecStart"]
    done = subprocess.run(shlex.split(command), cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "compound 'runyuyuan' is not loaded: python -m bot.cli compound load" in done.stdout


def test_the_nightly_backup_runs_as_the_unit_runs_it(tmp_path):
    database = tmp_path / "red-butler.db"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE tickets (number TEXT)")
        connection.execute("INSERT INTO tickets VALUES ('BX-20261122-0001')")
    connection.close()
    [command] = _keys("red-butler-backup.service")["Service.ExecStart"]
    argv = shlex.split(command.replace("/var/backups/red-butler", str(tmp_path / "backups")))
    env = {**os.environ, **_environment("red-butler-backup.service"),
           "DATABASE_URL": f"sqlite:///{database}", "PHOTOS_DIR": str(tmp_path / "photos")}
    for _ in range(2):
        done = subprocess.run(argv, cwd=_keys("red-butler-backup.service")["Service.WorkingDirectory"][0],
                              env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
    folders = sorted((tmp_path / "backups").iterdir())
    assert len(folders) == 2  # the second within the same second gets a name of its own
    assert all(re.fullmatch(r"red-butler-\d{8}-\d{6}(-\d+)?", folder.name) for folder in folders)
    copy = sqlite3.connect(folders[-1] / "red-butler.db")
    assert copy.execute("SELECT number FROM tickets").fetchall() == [("BX-20261122-0001",)]
    copy.close()


def test_the_timer_starts_the_backup_every_night_and_catches_up_after_downtime():
    keys = _keys("red-butler-backup.timer")
    assert re.fullmatch(r"\*-\*-\* \d\d:\d\d:\d\d", keys["Timer.OnCalendar"][0])
    assert keys["Timer.Persistent"] == ["true"]
    assert keys["Install.WantedBy"] == ["timers.target"]
    assert "--keep" in _keys("red-butler-backup.service")["Service.ExecStart"][0]
