"""The prospecting-block follow-up: on the rep's next working day after a planned block, during their
working hours, one short DM asks whether it happened. Keyed by the planned block, so it is asked once;
after FOLLOW_UP_FOR days the question is stale and is no longer sent.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.jobs import common
from bot.jobs.asking import Question, ask_when_due
from bot.jobs.report import JobReport
from bot.messages import coaching as views
from bot.rules.timing import Profile, next_working_day
from bot.services import Services
from storage import answers

KIND = "followup"
FOLLOW_UP_FOR = timedelta(days=7)


def run(services: Services, now: datetime) -> JobReport:
    return common.every_workspace("followups", run_team, services, now)


def run_team(services: Services, team_id: str, now: datetime, report: JobReport) -> None:
    today = services.team_today()
    blocks = answers.planned_blocks(services.db, team_id, today - FOLLOW_UP_FOR - timedelta(days=1), today)
    ask_when_due(services, team_id, now, report, blocks, QUESTION)


def _days_of(block, profile: Profile) -> tuple[date, date] | None:
    if block.planned_day is None:
        return None
    return next_working_day(block.planned_day, profile.hours), block.planned_day + FOLLOW_UP_FOR


def _message_of(block, local_today: date, tz: str) -> tuple[str, list[dict]]:
    return views.followup_message(block.id, block.planned_day, block.planned_minutes or 0, local_today)


QUESTION = Question(KIND, lambda block: f"block-{block.id}", _days_of, _message_of)
