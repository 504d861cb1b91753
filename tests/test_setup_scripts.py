"""The set-up finds Python 3.10 itself, and says what to install when there is none."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

FIND = ROOT / "scripts" / "find-python.sh"
SYSTEM_PATH = "/usr/bin:/bin"


def _run(script, env, cwd=ROOT):
    return subprocess.run(["bash", str(script)], env=env, cwd=cwd, capture_output=True, text=True)


@pytest.fixture
def no_python310(tmp_path):
    """An environment whose PATH holds only a python3.10 that is really another version, and no pyenv."""
    if any(Path(d, "python3.10").exists() for d in SYSTEM_PATH.split(":")):
        pytest.skip("this machine has a system python3.10; the failure path cannot be produced")
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    (fake_bin / "python3.10").write_text("#!/bin/sh\nexec /usr/bin/env python3 \"$@\"\n")
    (fake_bin / "python3.10").chmod(0o755)
    return {"PATH": f"{fake_bin}:{SYSTEM_PATH}", "HOME": str(tmp_path), "PYENV_ROOT": str(tmp_path / "none")}


def test_without_python310_it_stops_and_says_what_to_install(no_python310):
    result = _run(FIND, no_python310)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "no Python 3.10 found" in result.stderr
    assert "pyenv install 3.10" in result.stderr
    assert "PYTHON310=" in result.stderr


def test_bootstrap_stops_before_touching_anything_without_python310(no_python310, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(ROOT / "scripts", project / "scripts")
    shutil.copy(ROOT / "requirements.lock", project)
    result = _run(project / "scripts" / "bootstrap.sh", no_python310, cwd=project)
    assert result.returncode != 0
    assert "pyenv install 3.10" in result.stderr
    assert not (project / ".venv").exists()


def test_a_wrong_interpreter_in_python310_is_refused(tmp_path):
    env = {"PATH": SYSTEM_PATH, "HOME": str(tmp_path), "PYTHON310": "/bin/true"}
    result = _run(FIND, env)
    assert result.returncode == 1
    assert "not a working Python 3.10" in result.stderr


def test_it_finds_the_python310_that_runs_these_tests():
    result = _run(FIND, {**os.environ, "PYTHON310": sys.executable})
    assert result.returncode == 0
    version = subprocess.run([result.stdout.strip(), "-c", "import sys; print(sys.version_info[:2])"],
                             capture_output=True, text=True).stdout
    assert version.strip() == "(3, 10)"


def test_it_finds_python310_without_being_told():
    env = {key: value for key, value in os.environ.items() if key != "PYTHON310"}
    result = _run(FIND, env)
    assert result.returncode == 0, result.stderr
    assert "3.10" in subprocess.run([result.stdout.strip(), "--version"], capture_output=True, text=True).stdout
