"""The coach's scheduled jobs. Each is `run(services, now) -> JobReport`, safe to run at any time from
any number of processes: every message is claimed in the database before it is sent (storage/claims.py).

The scheduler (bot/scheduler.py) runs them all every NUDGE_CHECK_MINUTES; `python -m bot jobs run <job>`
runs one once, exactly as the scheduler would at that instant.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import wraps

from bot import logs, metrics
from bot.jobs.report import JobReport, Switch


@dataclass(frozen=True)
class Job:
    name: str
    description: str
    run: Callable[..., JobReport] = field(repr=False)
    # Which deployments schedule it, and how often; None: always, every NUDGE_CHECK_MINUTES.
    switch: Switch | None = field(default=None, repr=False)

    def scheduled(self, settings) -> bool:
        return self.switch is None or self.switch.on(settings)

    def minutes(self, settings) -> int:
        return self.switch.minutes(settings) if self.switch else settings.nudge_check_minutes


def _registry() -> dict[str, Job]:
    from bot.jobs import (
        calendar,
        checkpoints,
        crm,
        digest,
        followups,
        leader_digest,
        meeting_questions,
        nudges,
        reflections,
        retention,
    )

    jobs = (
        Job("nudges", "DM reps whose logged time is concentrated on one deal", nudges.run),
        Job("reflections", "send each rep's weekly reflection question at their local time", reflections.run),
        Job("digest", "post last week's openings and wins in the celebration channel", digest.run),
        Job("followups", "ask, the next working day, whether a planned prospecting block happened", followups.run),
        Job("retention", "erase workspaces uninstalled more than WORKSPACE_RETENTION_DAYS ago", retention.run),
        Job("checkpoints", "ask on an obstacle's checkpoint morning whether it has moved", checkpoints.run),
        Job("leader_digest", "DM each manager a weekly creation digest at MANAGER_SLOT", leader_digest.run),
        Job(
            "crm_sync",
            "pull deals from HubSpot and write Slack's changes to it (with HUBSPOT_ACCESS_TOKEN)",
            crm.run,
            crm.SWITCH,
        ),
        Job(
            "calendars",
            "read connected calendars and place their meetings (with ENCRYPTION_KEY)",
            calendar.run,
            calendar.SWITCH,
        ),
        Job(
            "meeting_questions",
            "ask reps, once a working day, where captured meetings with outside people belong",
            meeting_questions.run,
        ),
    )
    return {job.name: replace(job, run=observed(job.name, job.run)) for job in jobs}


def observed(name: str, run: Callable[..., JobReport]) -> Callable[..., JobReport]:
    """A job's run, timed for GET /metrics, with its name and a fresh run id on every log line it causes."""

    @wraps(run)
    def run_observed(*args, **kwargs) -> JobReport:
        with logs.bound(job=name, job_id=logs.new_id()), metrics.job_tick(name):
            return run(*args, **kwargs)

    return run_observed


JOBS: dict[str, Job] = _registry()


def run_job(name: str, services, now: datetime) -> JobReport:
    return JOBS[name].run(services, now)


__all__ = ["JOBS", "Job", "JobReport", "run_job"]
