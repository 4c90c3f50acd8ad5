"""A long tick never holds up another job's start, and a job still running at its next tick is not
started a second time."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from types import SimpleNamespace

from bot import scheduler as scheduler_module
from bot.app import create_services
from bot.jobs.report import JobReport
from tests.conftest import settings_for
from tests.test_claims import NOW


def test_a_long_fan_out_does_not_hold_up_the_other_jobs_nor_run_twice(slack, db, monkeypatch):
    release = threading.Event()
    runs: dict[str, int] = {}

    def job(name: str, hold: bool):
        def run(services, now):
            runs[name] = runs.get(name, 0) + 1
            if hold:
                release.wait(10)
            return JobReport(name, now)

        return SimpleNamespace(run=run, scheduled=lambda settings: True, minutes=lambda settings: 15)

    # Three long fan-outs at once (reflections, nudges, follow-ups) and a quick job.
    jobs = {
        **{name: job(name, hold=True) for name in ("reflections", "nudges", "followups")},
        "digest": job("digest", hold=False),
    }
    monkeypatch.setattr(scheduler_module, "JOBS", jobs)
    monkeypatch.setattr(scheduler_module, "FIRST_RUN_DELAY", timedelta(seconds=0.1))
    services = create_services(settings_for(slack, db), db=db, clock=lambda: NOW)
    scheduler = scheduler_module.create_scheduler(services)
    scheduler.start()
    try:
        deadline = time.monotonic() + 5
        while set(runs) != set(jobs) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert set(runs) == set(jobs), "a job waited behind the long one"
        scheduler.get_job("reflections").modify(next_run_time=scheduler_module.datetime.now(scheduler_module.UTC))
        time.sleep(0.5)
        assert runs["reflections"] == 1, "the long job was started a second time while still running"
    finally:
        release.set()
        scheduler.shutdown(wait=True)
