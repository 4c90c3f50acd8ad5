"""The prospecting-block follow-up: on the rep's next working day after a planned block, during their
working hours, one short DM asks whether it happened. Keyed by the planned block, so it is asked once;
after FOLLOW_UP_FOR days the question is stale and is no longer sent.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.jobs import common
from bot.jobs.report import JobReport
from bot.messages import coaching as views
from bot.rules.periods import local_now
from bot.rules.timing import next_working_day, within_working_hours
from bot.services import Services
from storage import answers, claims, outbox

KIND = "followup"
FOLLOW_UP_FOR = timedelta(days=7)


def run(services: Services, now: datetime) -> JobReport:
    return common.every_workspace("followups", run_team, services, now)


def run_team(services: Services, team_id: str, now: datetime, report: JobReport) -> None:
    today = services.team_today()
    blocks = answers.planned_blocks(services.db, team_id, today - FOLLOW_UP_FOR - timedelta(days=1), today)
    reps_by_id = common.reps_using_the_bot(services, team_id, now) if blocks else {}
    report.reps += len(reps_by_id)
    common.retry_due(services, team_id, KIND, reps_by_id, now, report)
    if not blocks:
        return
    asked = outbox.existing_keys(services.db, team_id, KIND, {f"block-{block.id}" for block in blocks})
    waiting = [
        block
        for block in blocks
        if (block.user_id, f"block-{block.id}") not in asked
        and common.why_not_message(reps_by_id.get(block.user_id), now) is None
    ]
    if not waiting:
        return
    planners = {block.user_id: reps_by_id[block.user_id] for block in waiting}
    profiles = {
        profile.user_id: profile for profile in common.in_their_zones(services, team_id, planners.values(), now)
    }
    for block in waiting:
        profile = profiles.get(block.user_id)
        if profile is None or block.planned_day is None:
            continue
        local_today = local_now(now, profile.tz).date()
        ask_on = next_working_day(block.planned_day, profile.hours.days)
        if not ask_on <= local_today <= block.planned_day + FOLLOW_UP_FOR:
            continue
        if not within_working_hours(now, profile.tz, profile.hours):
            continue
        report.due += 1
        key = claims.Key(team_id, block.user_id, KIND, f"block-{block.id}")
        message = views.followup_message(block.id, block.planned_day, block.planned_minutes or 0, local_today)
        common.claim_and_send(services, key, message, now, report)
