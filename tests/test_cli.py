"""`python -m bot jobs list|run`: the operator's way to see the jobs and run one once at a chosen moment."""

from __future__ import annotations

import subprocess
from datetime import UTC, date, datetime

import pytest

from storage import activities, opportunities
from storage.db import Database
from storage.records import NewActivity, NewOpportunity
from tests.bot_process import run_once


def bot_cli(*args: str, slack, database_url: str) -> subprocess.CompletedProcess:
    return run_once(slack, database_url, "-m", "bot", *args)


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


def test_jobs_list_names_every_job(slack, sqlite_url):
    done = bot_cli("jobs", "list", slack=slack, database_url=sqlite_url)
    assert done.returncode == 0
    names = [line.split()[0] for line in done.stdout.splitlines() if line and not line.startswith("The ")]
    assert {"nudges", "reflections", "followups"} <= set(names)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["jobs", "run", "nudgez"], "Unknown job 'nudgez'"),
        (["jobs", "run"], "Name a job to run"),
        (["jobs", "run", "nudges", "--now", "yesterday"], "--now must be an ISO-8601 time"),
        (["jobs", "run", "nudges", "--now", "2026-13-01T00:00"], "--now must be an ISO-8601 time"),
    ],
)
def test_bad_arguments_get_one_clear_line_and_exit_2(slack, sqlite_url, args, says):
    done = bot_cli(*args, slack=slack, database_url=sqlite_url)
    assert done.returncode == 2
    assert done.stderr.strip().startswith(says) and len(done.stderr.strip().splitlines()) == 1
    assert slack.calls == []


def seed(url: str) -> None:
    """One rep who spent a whole day on one deal, stored the way the bot stores it."""
    db = Database(url)
    db.upgrade()
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    deal = opportunities.create_opportunity(db, "T1", "U1", NewOpportunity("Acme renewal", "Discovery"), now)
    day_of_work = NewActivity(kind="deal", occurred_on=date(2026, 11, 20), minutes=480, opportunity_id=deal.id)
    activities.log_activity(db, "T1", "U1", day_of_work, now)
    db.dispose()


def test_running_a_job_at_a_chosen_instant_sends_once_and_a_rerun_sends_nothing(slack, sqlite_url):
    seed(sqlite_url)

    first = bot_cli("jobs", "run", "nudges", "--now", "2026-11-23T15:00:00Z", slack=slack, database_url=sqlite_url)
    assert first.returncode == 0, first.stderr
    assert "sent 1" in first.stdout
    [dm] = slack.of("chat.postMessage")
    assert dm.args["channel"] == "U1" and "Acme renewal" in str(dm.args["blocks"])

    again = bot_cli("jobs", "run", "nudges", "--now", "2026-11-23T15:00:00Z", slack=slack, database_url=sqlite_url)
    assert again.returncode == 0 and "sent 1" not in again.stdout
    assert len(slack.of("chat.postMessage")) == 1


def test_a_time_without_a_zone_is_read_as_utc(slack, sqlite_url):
    done = bot_cli("jobs", "run", "reflections", "--now", "2026-11-27T20:00", slack=slack, database_url=sqlite_url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("reflections at 2026-11-27T20:00:00+00:00")
