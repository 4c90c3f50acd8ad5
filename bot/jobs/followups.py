"""The prospecting-block follow-up: on the rep's next working day after a planned block, during their
working hours, one short DM asks whether it happened. Keyed by the planned block, so it is asked once;
after FOLLOW_UP_FOR days the question is stale and is no longer sent.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot import coach, coaching
from bot.jobs.common import claim_and_send, may_message, retry_due
from bot.jobs.report import JobReport
from bot.messages import coaching as views
from bot.services import Services
from storage import claims
from storage import coaching as store

KIND = "followup"
FOLLOW_UP_FOR = timedelta(days=7)


def run(services: Services, now: datetime) -> JobReport:
    report = JobReport("followups", now)
    for team_id in store.teams(services.db):
        run_team(services, team_id, now, report)
    return report


def run_team(services: Services, team_id: str, now: datetime, report: JobReport) -> None:
    settings = services.settings
    today = services.team_today()
    blocks = store.planned_blocks(services.db, team_id, today - FOLLOW_UP_FOR - timedelta(days=1), today)
    reps = store.reps_of_team(services.db, team_id, now) if blocks else {}
    report.reps += len(reps)
    retry_due(services, team_id, KIND, reps, now, report)
    if not blocks:
        return
    asked = claims.existing_keys(services.db, team_id, KIND, {f"block-{block.id}" for block in blocks})
    waiting = [
        block
        for block in blocks
        if (block.user_id, f"block-{block.id}") not in asked and may_message(reps.get(block.user_id), now) is None
    ]
    if not waiting:
        return
    zones, gone = coach.time_zones(
        services, team_id, {block.user_id: reps[block.user_id] for block in waiting}.values(), now
    )
    for block in waiting:
        if block.user_id in gone or block.planned_day is None:
            continue
        profile = coach.profile(reps[block.user_id], settings, zones.get(block.user_id))
        local_today = coaching.local_now(now, profile.tz).date()
        ask_on = coaching.next_working_day(block.planned_day, profile.hours.days)
        if not ask_on <= local_today <= block.planned_day + FOLLOW_UP_FOR:
            continue
        if not coaching.within_working_hours(now, profile.tz, profile.hours):
            continue
        report.due += 1
        key = claims.Key(team_id, block.user_id, KIND, f"block-{block.id}")
        message = views.followup_message(block.id, block.planned_day, block.planned_minutes or 0, local_today)
        claim_and_send(services, key, message, now, report)
