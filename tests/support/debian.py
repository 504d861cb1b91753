"""Debian tools a test needs (nginx, systemd-analyze): found on the machine, else installed with
apt-get when the tests run as root, as on the CI machines; otherwise the test is skipped with
what to install."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest


def _find(binary: str):
    return shutil.which(binary) or next(
        (path for path in (f"/usr/sbin/{binary}", f"/usr/bin/{binary}") if os.path.exists(path)), None)


def ensure_tool(binary: str, package: str, why: str) -> str:
    """The path of ``binary``, installing Debian's ``package`` first if it is missing."""
    if _find(binary) is None and os.geteuid() == 0 and shutil.which("apt-get"):
        print(f"\n==> installing Debian's {package} with apt-get ({why}) ...", flush=True)
        install = ["apt-get", "install", "-y", "--no-install-recommends", package]
        for command in (["apt-get", "update"], install):
            subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
                           env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    found = _find(binary)
    if found is None:
        pytest.skip(f"{binary} is not installed (Debian/Ubuntu: apt-get install {package})")
    return found
