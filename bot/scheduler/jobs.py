"""The APScheduler 3.9 wiring: a persistent SQLAlchemy job store in the assistant's database,
cron triggers in the compound's time zone, stable job ids, misfire grace time and coalescing.

A reminder missed while no scheduler ran is still in the job store with its past run time:
when a scheduler comes back within the grace time, APScheduler runs it once (coalesced), and
the send log makes even a second run send nothing. That only works if starting does not
replace the stored job: :func:`sync_jobs` keeps a stored job whose definition is unchanged
(replacing it would compute its next run from now and skip the missed one) and replaces or
removes only jobs whose definition changed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.engine import Engine

from bot.db.engine import make_engine
from bot.scheduler import plan
from bot.scheduler.config import SchedulerConfig

logger = logging.getLogger("red_butler.scheduler")
JOB_TABLE = "apscheduler_jobs"
PREFIX = "red-butler:"  # ids of our jobs; anything else in the store is left alone
TIME_LIMITS_GRACE_S = 300
PURGE_AT = (3, 30)  # local time: the quietest hour
PURGE_GRACE_S = 6 * 3600


@dataclass(frozen=True)
class JobSpec:
    id: str
    func: str  # "module:function", stored by reference (never pickled code)
    args: Tuple
    trigger: CronTrigger
    misfire_grace_time: int  # seconds
    name: str

    def same_as(self, job) -> bool:
        return (job.func_ref == self.func and tuple(job.args) == self.args and not job.kwargs
                and repr(job.trigger) == repr(self.trigger) and job.misfire_grace_time == self.misfire_grace_time
                and job.coalesce and job.max_instances == 1)


def job_specs(config: SchedulerConfig, timezone: str) -> List[JobSpec]:
    """Every job the assistant schedules: one per reminder switched on, the time-limit sweep, and
    the nightly deletion of old conversations."""
    specs = [JobSpec(f"{PREFIX}reminder:{slot.audience}", "bot.scheduler.jobs:run_reminder", (slot.audience,),
                     CronTrigger(hour=slot.at.hour, minute=slot.at.minute, timezone=timezone),
                     config.grace_minutes * 60, f"reminder {slot.audience} at {slot.at:%H:%M}")
             for slot in plan.slots(config)]
    every = config.time_limit_check_minutes
    specs.append(JobSpec(f"{PREFIX}time-limits", "bot.scheduler.jobs:run_time_limits", (),
                         CronTrigger(minute=f"*/{every}" if every < 60 else "0", timezone=timezone),
                         TIME_LIMITS_GRACE_S, f"time limits every {every} min"))
    days = config.conversation_retention_days
    specs.append(JobSpec(f"{PREFIX}conversations-purge", "bot.scheduler.jobs:run_conversation_purge", (days,),
                         CronTrigger(hour=PURGE_AT[0], minute=PURGE_AT[1], timezone=timezone),
                         PURGE_GRACE_S, f"conversations older than {days} days deleted at "
                                        f"{PURGE_AT[0]:02d}:{PURGE_AT[1]:02d}"))
    return specs


def build_scheduler(database_url: str, timezone: str, scheduler_class=BackgroundScheduler,
                    executor: Optional[Dict] = None) -> Tuple[BaseScheduler, Engine]:
    """A scheduler on the assistant's database (the migrations created the job table), and the
    engine of its job store (dispose of it after shutting the scheduler down)."""
    engine = make_engine(database_url, future=False)  # APScheduler 3.9 uses the 1.x engine API
    return scheduler_class(
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOB_TABLE)},
        executors={"default": executor or {"type": "threadpool", "max_workers": 2}},
        job_defaults={"coalesce": True, "max_instances": 1},
        timezone=timezone,
    ), engine


def sync_jobs(scheduler: BaseScheduler, specs: List[JobSpec]) -> Dict[str, str]:
    """Make the job store hold exactly ``specs`` without losing a missed run: what happened to
    each job id (kept | added | replaced | removed). Call on a started (paused) scheduler."""
    stored = {job.id: job for job in scheduler.get_jobs() if job.id.startswith(PREFIX)}
    outcome = {}
    for spec in specs:
        job = stored.pop(spec.id, None)
        if job is not None and spec.same_as(job):
            outcome[spec.id] = "kept"
            continue
        scheduler.add_job(spec.func, trigger=spec.trigger, args=spec.args, id=spec.id, name=spec.name,
                          misfire_grace_time=spec.misfire_grace_time, coalesce=True, max_instances=1,
                          replace_existing=True)
        outcome[spec.id] = "replaced" if job is not None else "added"
    for job_id in stored:
        scheduler.remove_job(job_id)
        outcome[job_id] = "removed"
    return outcome


# -- the jobs (module-level, so the job store refers to them by name) ----------------------------
def run_reminder(audience: str) -> None:
    from bot import services
    from bot.scheduler.reminders import ReminderService

    for report in ReminderService(services.current()).run_slot(audience):
        logger.info("reminder: %s", report.summary())


def run_time_limits() -> None:
    from bot import services
    from bot.scheduler.timelimits import TimeLimitService

    report = TimeLimitService(services.current()).sweep()
    if report:
        logger.info("time limits: %s", report)


def run_conversation_purge(days: int) -> None:
    from bot import services
    from bot.conversation_store import purge

    engine = make_engine(services.current().settings.conversations_url, future=False)
    try:
        deleted = purge(engine, days)
    finally:
        engine.dispose()
    logger.info("conversations: %d events older than %d days deleted", deleted, days)
