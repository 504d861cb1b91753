"""The scheduler process of `make run` (``python -m bot.scheduler``).

It runs the jobs only while it holds the lease (bot.scheduler.lease): start several and one
works while the others stand by, taking over within a lease period if it dies.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
import time
import uuid
from typing import Optional

from bot import services as services_module
from bot import settings as settings_module
from bot.settings import Settings

logger = logging.getLogger("red_butler.scheduler")


def describe_schedule(services, count: int = 2) -> str:
    """The next reception days and their reminders, for the log and `make schedule`."""
    from bot import reception
    from bot.scheduler.reminders import ReminderService

    lines = []
    for compound in ReminderService(services).schedule(count):
        cal = compound.calendar
        lines.append(f"{compound.name} ({compound.code}): reception days {reception.describe_days(cal.days_of_month)} "
                     f"{cal.hours}{' at ' + cal.place if cal.place else ''}, on a holiday: {cal.on_holiday}")
        for day, reminders in compound.days:
            note = ""
            if day.moved:
                note = f"  (moved from {day.nominal}: {day.holiday})"
            elif day.unknown_holidays:
                note = "  (no holiday data for that year yet: not checked)"
            elif day.holiday:
                note = f"  (a public holiday: {day.holiday}; kept)"
            lines.append(f"  {day.date} {reception.WEEKDAYS_ZH[day.date.weekday()]}{note}")
            for slot, at in reminders:
                lines.append(f"    {at:%Y-%m-%d %H:%M}  {slot.audience}")
    return "\n".join(lines)


class SchedulerProcess:
    """Lease, scheduler and jobs of one process. Tests give it their services (and clock), a
    scheduler class they step by hand and a synchronous executor; `make run` the defaults."""

    def __init__(self, settings: Settings, holder: Optional[str] = None, *, services=None,
                 scheduler_class=None, executor: Optional[dict] = None) -> None:
        from apscheduler.schedulers.background import BackgroundScheduler

        from bot.scheduler.lease import Lease

        self.settings = settings
        self.services = services or services_module.build(settings)
        services_module.use(self.services)
        self.engine = self.services.factory.kw["bind"]
        holder = holder or f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.lease = Lease(self.services.factory, holder, seconds=settings.scheduler.lease_seconds,
                           clock=self.services.now)
        self.scheduler_class = scheduler_class or BackgroundScheduler
        self.executor = executor
        self.scheduler = None
        self.job_engine = None
        self.stopping = False

    def step(self) -> None:
        """Take or renew the lease; start the jobs when it is ours, stop them when it is not."""
        if self.lease.acquire():
            if self.scheduler is None:
                self._start()
        elif self.scheduler is not None:
            logger.warning("lost the scheduler lease to %s: stopping the jobs", self.lease.holder_now())
            self._stop()

    def _start(self) -> None:
        from bot.scheduler.jobs import build_scheduler, job_specs, sync_jobs

        tz = self.settings.timezone.key
        self.scheduler, self.job_engine = build_scheduler(self.settings.database_url, tz, self.scheduler_class,
                                                          self.executor)
        self.scheduler.start(paused=True)
        outcome = sync_jobs(self.scheduler, job_specs(self.settings.scheduler, tz))
        self.scheduler.resume()  # a run missed within its grace time happens now, once
        print(f"scheduler: running the jobs ({self.lease.holder}); "
              + ", ".join(f"{job_id.split(':', 1)[1]} {what}" for job_id, what in outcome.items()), flush=True)
        for job in self.scheduler.get_jobs():
            print(f"scheduler:   {job.name}: next {job.next_run_time:%Y-%m-%d %H:%M %Z}", flush=True)

    def stop(self) -> None:
        """Stop the jobs and give the lease up (a clean exit)."""
        self._stop()
        self.lease.release()

    def _stop(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=True)
            self.scheduler = None
            self.job_engine.dispose()

    def run(self) -> int:
        print("scheduler: next reception days and reminders\n" + describe_schedule(self.services), flush=True)
        interval = max(1.0, self.settings.scheduler.lease_seconds / 3)
        standing_by = False
        try:
            while not self.stopping:
                try:
                    self.step()
                    if self.scheduler is None and not standing_by:
                        print(f"scheduler: standing by; the lease is held by {self.lease.holder_now()}", flush=True)
                    standing_by = self.scheduler is None
                except Exception:  # noqa: BLE001 - a database hiccup: keep trying; the jobs keep their state
                    logger.exception("scheduler lease round failed")
                deadline = time.monotonic() + interval
                while not self.stopping and time.monotonic() < deadline:
                    time.sleep(0.2)
        finally:
            self._stop()
            self.lease.release()
            self.engine.dispose()
        return 0


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s  %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # "Running job …" every minute is noise
    process = SchedulerProcess(settings_module.get())

    def stop(*_):
        process.stopping = True  # a plain attribute: signal handlers must not take locks

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    return process.run()


if __name__ == "__main__":
    sys.exit(main())
