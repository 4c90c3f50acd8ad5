"""The checkpoint question: on the morning of an obstacle's checkpoint (the rep's working hours on that day,
or the next working day, in their own zone) one DM asks whether it has moved.

Keyed by the obstacle and its checkpoint date, so each checkpoint is asked once, and a new checkpoint
("Not yet") is asked again on its own day. A checkpoint older than CHECKPOINT_ASK_DAYS is no longer asked.
Coaching off, snoozed and unreachable reps are not messaged; a claim that must be retried for one of
them is closed as skipped.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.jobs import common
from bot.jobs.report import JobReport
from bot.messages import obstacles as views
from bot.rules.outlook import checkpoint_ask_day
from bot.rules.periods import local_now
from bot.rules.timing import within_working_hours
from bot.services import Services
from storage import claims, obstacles, outbox

KIND = "checkpoint"


def period_key(obstacle_id: int, checkpoint) -> str:
    return f"obstacle-{obstacle_id}-{checkpoint.isoformat()}"


def run(services: Services, now: datetime) -> JobReport:
    return common.every_workspace("checkpoints", run_team, services, now)


def run_team(services: Services, team_id: str, now: datetime, report: JobReport) -> None:
    # A day ahead of the team's today: a rep east of the team may already be on the checkpoint's day.
    waiting = obstacles.checkpoints_until(services.db, team_id, services.team_today() + timedelta(days=1))
    reps_by_id = common.reps_using_the_bot(services, team_id, now) if waiting else {}
    report.reps += len(reps_by_id)
    common.retry_due(services, team_id, KIND, reps_by_id, now, report)
    if not waiting:
        return
    asked = outbox.existing_keys(services.db, team_id, KIND, {period_key(item.id, item.checkpoint) for item in waiting})
    waiting = [
        item
        for item in waiting
        if (item.user_id, period_key(item.id, item.checkpoint)) not in asked
        and common.why_not_message(reps_by_id.get(item.user_id), now) is None
    ]
    if not waiting:
        return
    askers = {item.user_id: reps_by_id[item.user_id] for item in waiting}
    profiles = {profile.user_id: profile for profile in common.in_their_zones(services, team_id, askers.values(), now)}
    stale_after = timedelta(days=services.settings.checkpoint_ask_days)
    for item in waiting:
        profile = profiles.get(item.user_id)
        if profile is None or item.checkpoint is None:
            continue
        local_today = local_now(now, profile.tz).date()
        ask_on = checkpoint_ask_day(item.checkpoint, profile.hours.days)
        if not ask_on <= local_today <= item.checkpoint + stale_after:
            continue
        if not within_working_hours(now, profile.tz, profile.hours):
            continue
        report.due += 1
        key = claims.Key(team_id, item.user_id, KIND, period_key(item.id, item.checkpoint))
        common.claim_and_send(services, key, views.checkpoint_message(item, local_today), now, report)
