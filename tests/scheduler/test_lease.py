"""Only one scheduler process runs the jobs: the lease, on SQLite and PostgreSQL, and two real
`python -m bot.scheduler` processes on one database."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta

from bot.scheduler.lease import Lease
from tests.conftest import ROOT


def test_one_holder_at_a_time_until_it_expires_or_is_released(any_db_services):
    services = any_db_services
    a = Lease(services.factory, "a", seconds=60, clock=services.now)
    b = Lease(services.factory, "b", seconds=60, clock=services.now)

    assert a.acquire() and not b.acquire()
    services.now.advance(seconds=30)
    assert a.acquire()  # renewed until +90 s
    services.now.advance(seconds=59)
    assert not b.acquire()
    services.now.advance(seconds=2)  # a stopped renewing: expired
    assert b.acquire() and not a.acquire()
    assert b.holder_now()[0] == "b"

    b.release()
    assert a.acquire()


def _lines(process: subprocess.Popen, into: queue.Queue) -> None:
    for line in iter(process.stdout.readline, ""):
        into.put(line)


def _wait_for(lines: queue.Queue, text: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            break
        if text in line:
            return line
    raise AssertionError(f"no line with {text!r} within {timeout} s")


def test_two_real_scheduler_processes_one_runs_the_other_takes_over_when_it_dies(services):
    env = {**os.environ, "DATABASE_URL": services.settings.database_url, "SCHEDULER_LEASE_SECONDS": "3",
           "PYTHONUNBUFFERED": "1", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}
    started = []
    try:
        outputs = []
        for _ in range(2):
            process = subprocess.Popen([sys.executable, "-m", "bot.scheduler"], cwd=ROOT, env=env, text=True,
                                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            started.append(process)
            lines: queue.Queue = queue.Queue()
            threading.Thread(target=_lines, args=(process, lines), daemon=True).start()
            outputs.append(lines)
            _wait_for(lines, "running the jobs" if len(started) == 1 else "standing by", 60)
        first, second = started

        first.send_signal(signal.SIGKILL)  # no clean release: the lease must run out
        killed = time.monotonic()
        _wait_for(outputs[1], "running the jobs", 30)

        assert time.monotonic() - killed >= timedelta(seconds=1).total_seconds()  # waited for the lease
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=30) == 0
    finally:
        for process in started:
            if process.poll() is None:
                process.kill()
            process.wait()
