"""APScheduler as the scheduler process runs it: the persistent job store in our database, cron
triggers in Asia/Shanghai, misfire grace and coalescing, and the lease. The clock is the test's:
APScheduler's own "now" is patched to it and the scheduler is stepped by hand (no sleeps).

The reminders are the real ones: they land in the outbox table (the notifier delivers them)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.base import BaseScheduler

import apscheduler.executors.base
import apscheduler.schedulers.base
from bot.scheduler import jobs
from bot.scheduler.config import SchedulerConfig
from bot.scheduler.worker import SchedulerProcess
from tests.scheduler.conftest import outbox, resident
from tests.support.services import build_services

SH = ZoneInfo("Asia/Shanghai")


class SteppedScheduler(BaseScheduler):
    """APScheduler's scheduler without its thread: the test calls step() where the thread would wake."""

    def shutdown(self, wait=True):
        super().shutdown(wait)

    def wakeup(self):
        pass

    def step(self):
        return self._process_jobs()


@pytest.fixture
def clock_for_apscheduler(monkeypatch, clock):
    """APScheduler reads the time through datetime.now: make it the test's clock."""
    from datetime import datetime as real

    class Now(real):
        @classmethod
        def now(cls, tz=None):
            return clock.now.astimezone(tz) if tz else clock.now.replace(tzinfo=None)

    monkeypatch.setattr(apscheduler.schedulers.base, "datetime", Now)
    monkeypatch.setattr(apscheduler.executors.base, "datetime", Now)
    return clock


def process(services, holder: str, **changes) -> SchedulerProcess:
    settings = replace(services.settings, scheduler=replace(SchedulerConfig(), **changes))
    services = replace(services, settings=settings)
    return SchedulerProcess(settings, holder, services=services, scheduler_class=SteppedScheduler,
                            executor={"type": "debug"})


def at(clock, *args):
    clock.now = datetime(*args, tzinfo=SH)


def down_from(services, clock, *when):
    """A scheduler process ran until ``when`` (storing its jobs) and stopped."""
    at(clock, *when)
    first = process(services, "before")
    first.step()
    first.stop()


def back_at(services, clock, holder, *when) -> SchedulerProcess:
    """A scheduler process started at ``when`` and ran what was due."""
    at(clock, *when)
    started = process(services, holder)
    started.step()
    started.scheduler.step()
    return started


def reminders_sent(services):
    return [n.recipient_id for n in outbox(services, "reception_reminder")]


@pytest.fixture
def residents(services):
    return [resident(services, "zhang"), resident(services, "li", ("1", "1", "502"))]


def test_jobs_are_stored_with_stable_ids_cron_triggers_in_shanghai_grace_and_coalescing(services,
                                                                                       clock_for_apscheduler):
    at(clock_for_apscheduler, 2026, 12, 2, 17, 0)
    first = process(services, "a")
    first.step()

    stored = {job.id: job for job in first.scheduler.get_jobs()}
    evening = stored["red-butler:reminder:residents_evening"]
    assert set(stored) == {"red-butler:reminder:residents_evening", "red-butler:reminder:residents_morning",
                           "red-butler:reminder:staff_agenda", "red-butler:reminder:unreachable_followup",
                           "red-butler:time-limits", "red-butler:conversations-purge"}
    assert (evening.func_ref, evening.args) == ("bot.scheduler.jobs:run_reminder", ("residents_evening",))
    assert str(evening.trigger.timezone) == "Asia/Shanghai"
    assert evening.next_run_time == datetime(2026, 12, 2, 18, 0, tzinfo=SH)
    assert (evening.misfire_grace_time, evening.coalesce, evening.max_instances) == (180 * 60, True, 1)
    first.stop()


def test_a_restart_keeps_the_stored_jobs_and_a_changed_time_replaces_its_job(services, clock_for_apscheduler):
    down_from(services, clock_for_apscheduler, 2026, 12, 2, 17, 0)

    scheduler, engine = jobs.build_scheduler(services.settings.database_url, "Asia/Shanghai", SteppedScheduler,
                                             {"type": "debug"})
    scheduler.start(paused=True)
    changed = replace(SchedulerConfig(), residents_evening=None, staff_agenda=SchedulerConfig().staff_agenda,
                      residents_morning=datetime(2026, 1, 1, 7, 30).time())
    outcome = jobs.sync_jobs(scheduler, jobs.job_specs(changed, "Asia/Shanghai"))
    scheduler.shutdown()

    assert outcome == {"red-butler:reminder:staff_agenda": "kept", "red-butler:reminder:unreachable_followup": "kept",
                       "red-butler:reminder:residents_morning": "replaced", "red-butler:time-limits": "kept",
                       "red-butler:conversations-purge": "kept", "red-butler:reminder:residents_evening": "removed"}


def test_a_reminder_missed_while_down_is_sent_once_when_back_within_the_grace_time(services, residents,
                                                                                    clock_for_apscheduler):
    clock = clock_for_apscheduler
    down_from(services, clock, 2026, 12, 2, 17, 0)  # the 18:00 reminder is missed

    second = back_at(services, clock, "b", 2026, 12, 2, 19, 30)  # back 1.5 h late (grace: 3 h)
    second.scheduler.step()

    assert sorted(reminders_sent(services)) == sorted(residents)  # once each
    assert second.scheduler.get_job("red-butler:reminder:residents_evening").next_run_time == \
        datetime(2026, 12, 3, 18, 0, tzinfo=SH)
    second.stop()

    third = back_at(services, clock, "c", 2026, 12, 2, 19, 45)  # and another restart sends nothing again
    assert sorted(reminders_sent(services)) == sorted(residents)
    third.stop()


def test_a_reminder_missed_by_more_than_the_grace_time_is_not_sent_late(services, residents,
                                                                       clock_for_apscheduler):
    clock = clock_for_apscheduler
    down_from(services, clock, 2026, 12, 2, 17, 0)

    second = back_at(services, clock, "b", 2026, 12, 2, 21, 30)  # 3.5 h late: bedtime would be worse

    assert reminders_sent(services) == []
    second.stop()


def test_a_run_repeated_after_a_crash_sends_nothing_twice(services, residents, clock_for_apscheduler):
    """The process sent the 18:00 reminders and died before the job store recorded the run."""
    clock = clock_for_apscheduler
    down_from(services, clock, 2026, 12, 2, 17, 0)
    at(clock, 2026, 12, 2, 18, 0)
    jobs.run_reminder("residents_evening")  # what the crashed process did
    assert len(reminders_sent(services)) == 2

    second = back_at(services, clock, "b", 2026, 12, 2, 18, 5)  # the stored 18:00 run happens again

    assert sorted(reminders_sent(services)) == sorted(residents)
    second.stop()


def test_two_scheduler_processes_on_one_database_run_the_jobs_once(services, residents, clock_for_apscheduler,
                                                                   clock):
    clock = clock_for_apscheduler
    at(clock, 2026, 12, 2, 17, 59)
    other = build_services(services.settings.database_url, clock)  # a second process, its own connections
    a, b = process(services, "a"), process(other, "b")

    a.step()
    b.step()
    assert a.scheduler is not None and b.scheduler is None  # b stands by

    at(clock, 2026, 12, 2, 18, 0)
    a.scheduler.step()
    assert sorted(reminders_sent(services)) == sorted(residents)

    # a hangs (no lease renewal); after the lease runs out b takes over and sends nothing twice.
    at(clock, 2026, 12, 2, 18, 1, 1)
    b.step()
    assert b.scheduler is not None
    b.scheduler.step()
    assert sorted(reminders_sent(services)) == sorted(residents)
    a.step()  # a wakes up: the lease is b's now, so a stops its jobs
    assert a.scheduler is None
    b.stop()
    other.factory.kw["bind"].dispose()
