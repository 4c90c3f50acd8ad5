"""Runs the coach's jobs every NUDGE_CHECK_MINUTES inside `python -m bot`.

Jobs are defined in code and kept in APScheduler's in-memory job store: nothing is pickled, and no job
store is shared between processes (APScheduler's documentation forbids that). The durable state lives
in our own tables; every message is claimed there before it is sent, so any number of bot processes
may run their schedulers against one database without sending anything twice.

Each job has a thread of its own, so a long fan-out never delays another job's start, and
`max_instances=1` means a job still running when its next tick comes is not started a second time
(the running one keeps taking work from the queue until it is empty).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.jobs import JOBS
from bot.services import Services

log = logging.getLogger("pipeline_coach.scheduler")
FIRST_RUN_DELAY = timedelta(seconds=10)


def run_logged(services: Services, name: str) -> None:
    """One scheduled run: a failure is logged and the next tick tries again (claims keep it exactly-once)."""
    try:
        report = JOBS[name].run(services, services.now())
    except Exception:
        log.exception("job %s failed; it runs again at the next tick", name)
        return
    log.info("%s", report.summary())


def create_scheduler(services: Services) -> BackgroundScheduler:
    """A scheduler with every job on an interval; coalesced, one instance at a time, not yet started."""
    minutes = services.settings.nudge_check_minutes
    scheduler = BackgroundScheduler(
        jobstores={"default": MemoryJobStore()},
        executors={"default": ThreadPoolExecutor(max_workers=len(JOBS) + 1)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": minutes * 60},
        timezone=UTC,
    )
    first = datetime.now(UTC) + FIRST_RUN_DELAY
    for name, job in JOBS.items():
        if not job.scheduled(services.settings):
            continue
        scheduler.add_job(
            run_logged,
            IntervalTrigger(minutes=job.minutes(services.settings), timezone=UTC),
            args=[services, name],
            id=name,
            name=name,
            next_run_time=first,
            replace_existing=True,
        )
    return scheduler


def start_scheduler(services: Services) -> BackgroundScheduler | None:
    """Start the jobs unless SCHEDULER_ENABLED=false; returns the running scheduler to shut down later."""
    if not services.settings.scheduler_enabled:
        log.info("The scheduler is off (SCHEDULER_ENABLED=false); run jobs with `python -m bot jobs run`")
        return None
    scheduler = create_scheduler(services)
    scheduler.start()
    names = [job.id for job in scheduler.get_jobs()]
    log.info("Coaching jobs every %s minutes: %s", services.settings.nudge_check_minutes, ", ".join(names))
    return scheduler
