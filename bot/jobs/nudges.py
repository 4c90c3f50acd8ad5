"""The concentration nudge: a DM to a rep whose logged selling time sits on one deal, or who has stopped
opening new opportunities while barely prospecting.

Per workspace, whatever its size: one query for everyone's selling time over the window, one for when
each rep last opened a deal, one for open-deal counts, one for the reps' settings, one for questions
recently asked. Slack is asked for a rep's time zone only when the rep is otherwise due and the cached
zone is a day old. The period key is the rep's local date, and the cooldown (NUDGE_COOLDOWN_DAYS) is
counted from the last nudge actually sent.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot import coach, coaching
from bot.jobs.common import claim_and_send, retry_due
from bot.jobs.report import JobReport
from bot.messages import coaching as views
from bot.questions import REPEAT_AFTER_WEEKS, pick_question
from bot.services import Services
from storage import activities, claims
from storage import coaching as store

KIND = "nudge"


def run(services: Services, now: datetime) -> JobReport:
    report = JobReport("nudges", now)
    for team_id in store.teams(services.db):
        run_team(services, team_id, now, report)
    return report


def concentrated_reps(
    services: Services, team_id: str, now: datetime
) -> dict[str, tuple[activities.RepSellingTime, int | None, list[str]]]:
    """Reps whose selling time fires a nudge rule: their time, days since they last opened a deal, reasons."""
    since, until = coach.window(services)
    times = activities.selling_time_by_rep(services.db, team_id, since, until)
    if not times:
        return {}
    opened = activities.last_opened_by_rep(services.db, team_id)
    rules = coach.thresholds(services.settings)
    found = {}
    for time in times:
        last = opened.get(time.user_id)
        days = max((now - last).days, 0) if last is not None else None
        activity = coaching.RepActivity(
            total_minutes=time.total_minutes,
            top_deal_minutes=time.top_opportunity_minutes,
            top_deal_label=time.top_opportunity_name,
            prospecting_minutes=time.prospecting_minutes,
            days_since_last_opened=days,
        )
        reasons = coaching.concentration_reasons(activity, rules)
        if reasons:
            found[time.user_id] = (time, days, reasons)
    return found


def run_team(services: Services, team_id: str, now: datetime, report: JobReport) -> None:
    settings = services.settings
    reps = store.reps_of_team(services.db, team_id, now)
    report.reps += len(reps)
    retry_due(services, team_id, KIND, reps, now, report)

    flagged = concentrated_reps(services, team_id, now)
    busy = claims.outstanding_users(services.db, team_id, KIND) if flagged else set()
    cooldown = timedelta(days=settings.nudge_cooldown_days)
    allowed = []
    for user_id in flagged:
        rep = reps.get(user_id)
        if rep is None or user_id in busy:
            continue
        ok, _ = coaching.may_nudge(now, coach.profile(rep, settings).state, cooldown)
        if ok:
            allowed.append(rep)
    if not allowed:
        return

    zones, gone = coach.time_zones(services, team_id, allowed, now)
    due = []
    for rep in allowed:
        if rep.user_id in gone:
            continue
        profile = coach.profile(rep, settings, zones.get(rep.user_id))
        if coaching.within_working_hours(now, profile.tz, profile.hours):
            due.append(profile)
    report.due += len(due)
    if not due:
        return

    open_counts = store.open_deal_counts(services.db, team_id)
    asked = claims.recent_question_ids(services.db, team_id, now - timedelta(weeks=REPEAT_AFTER_WEEKS))
    for profile in due:
        time, days, reasons = flagged[profile.user_id]
        local_day = coaching.local_now(now, profile.tz).date()
        question = pick_question(asked.get(profile.user_id, set()), concentrated=True, seed=local_day.toordinal())
        evidence = views.NudgeEvidence(
            window_days=settings.nudge_window_days,
            total_minutes=time.total_minutes,
            top_deal_name=time.top_opportunity_name,
            top_deal_minutes=time.top_opportunity_minutes,
            prospecting_minutes=time.prospecting_minutes,
            open_deals=open_counts.get(profile.user_id, 0),
            days_since_opened=days,
            reasons=tuple(reasons),
        )
        key = claims.Key(team_id, profile.user_id, KIND, local_day.isoformat())
        message = views.nudge_message(evidence, question.text, local_day)
        claim_and_send(services, key, message, now, report, question_id=question.id)
