"""The checkpoint question: on the morning of an obstacle's checkpoint (the rep's working hours on that day,
or the next working day, in their own zone) one DM asks whether it has moved.

Keyed by the obstacle and its checkpoint date, so each checkpoint is asked once, and a new checkpoint
("Not yet") is asked again on its own day. A checkpoint older than CHECKPOINT_ASK_DAYS is no longer asked.
Coaching off, snoozed and unreachable reps are not messaged; a claim that must be retried for one of
them is closed as skipped.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.jobs import common
from bot.jobs.asking import Question, ask_when_due
from bot.jobs.report import JobReport
from bot.messages import obstacles as views
from bot.rules.outlook import checkpoint_ask_day
from bot.rules.timing import Profile
from bot.services import Services
from storage import obstacles

KIND = "checkpoint"


def period_key(obstacle_id: int, checkpoint) -> str:
    return f"obstacle-{obstacle_id}-{checkpoint.isoformat()}"


def run(services: Services, now: datetime) -> JobReport:
    return common.every_workspace("checkpoints", run_team, services, now)


def run_team(services: Services, team_id: str, now: datetime, report: JobReport) -> None:
    # A day ahead of the team's today: a rep east of the team may already be on the checkpoint's day.
    waiting = obstacles.checkpoints_until(services.db, team_id, services.team_today() + timedelta(days=1))
    stale_after = timedelta(days=services.settings.checkpoint_ask_days)

    def days_of(item, profile: Profile) -> tuple[date, date] | None:
        if item.checkpoint is None:
            return None
        return checkpoint_ask_day(item.checkpoint, profile.hours), item.checkpoint + stale_after

    question = Question(KIND, lambda item: period_key(item.id, item.checkpoint), days_of, views.checkpoint_message)
    ask_when_due(services, team_id, now, report, waiting, question)
