"""The scheduler inside `python -m bot`: every job on an interval, in memory, and two of them running
against one database still send each message once."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.triggers.interval import IntervalTrigger

from bot.app import create_services
from bot.jobs import JOBS
from bot.scheduler import create_scheduler, start_scheduler
from storage import outbox
from storage.db import Database
from tests.conftest import settings_for
from tests.test_claims import NOW, seed_concentrated


def test_every_job_runs_on_the_check_interval_from_an_in_memory_store(slack, db):
    services = create_services(settings_for(slack, db, nudge_check_minutes=5), db=db, clock=lambda: NOW)
    scheduler = create_scheduler(services)
    scheduler.start(paused=True)
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
        # The CRM job needs HUBSPOT_ACCESS_TOKEN, reading calendars ENCRYPTION_KEY.
        assert set(jobs) == set(JOBS) - {"crm_sync", "calendars"}
        for job in jobs.values():
            assert isinstance(job.trigger, IntervalTrigger) and job.trigger.interval.total_seconds() == 300
            assert job.coalesce is True and job.max_instances == 1 and job.misfire_grace_time == 300
        assert isinstance(scheduler._jobstores["default"], MemoryJobStore)
    finally:
        scheduler.shutdown(wait=False)


def test_the_scheduler_can_be_switched_off(slack, db):
    services = create_services(settings_for(slack, db, scheduler_enabled=False), db=db)
    assert start_scheduler(services) is None


def test_two_running_schedulers_on_one_database_send_one_nudge(slack, db):
    seed_concentrated(db)
    databases = [Database(db.url) for _ in range(2)]
    schedulers = []
    try:
        for database in databases:
            services = create_services(settings_for(slack, db), db=database, clock=lambda: NOW)
            scheduler = create_scheduler(services)
            for job in scheduler.get_jobs():
                job.modify(next_run_time=datetime.now(UTC))
            schedulers.append(scheduler)
        for scheduler in schedulers:
            scheduler.start()
        slack.wait_for("chat.postMessage", 1, timeout=10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # until both schedulers have finished their first tick
            if all(not scheduler._executors["default"]._instances for scheduler in schedulers):
                break
            time.sleep(0.05)
        slack.settle(quiet=0.3)
    finally:
        for scheduler in schedulers:
            scheduler.shutdown(wait=True)
        for database in databases:
            database.dispose()
    assert [call.args["channel"] for call in slack.of("chat.postMessage") if call.args["channel"] == "U1"] == ["U1"]
    assert [record.status for record in outbox.messages_for(db, "T1", "U1")] == ["sent"]
