"""The `meeting_questions` job: captured meetings with outside people that no rule could place reach
their rep as one DM, at most once a working day, in working hours, each with one-tap answers. A rep who
left this week's questions unanswered is not asked again that week (bot/rules/capture.py: may_ask).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.delivery import deliver
from bot.jobs import common
from bot.jobs.report import JobReport
from bot.messages import calendar as views
from bot.rules.capture import ASK_AT_MOST, may_ask
from bot.rules.periods import local_now, week_start
from bot.rules.timing import within_working_hours
from bot.services import Services
from storage import captured, claims

KIND = "meeting_question"
LOOK_BACK = timedelta(days=7)  # older meetings are not asked about


def run(services: Services, now: datetime) -> JobReport:
    return common.every_workspace("meeting_questions", run_team, services, now)


def run_team(services: Services, team_id: str, now: datetime, report: JobReport) -> None:
    reps_by_id = common.reps_using_the_bot(services, team_id, now)
    common.retry_due(services, team_id, KIND, reps_by_id, now, report)
    waiting = captured.unplaced(services.db, team_id, (now - LOOK_BACK).date())
    if not waiting:
        return
    by_rep: dict[str, list[captured.Unplaced]] = {}
    for meeting in waiting:
        by_rep.setdefault(meeting.user_id, []).append(meeting)
    report.reps += len(by_rep)
    candidates = [
        reps_by_id[user]
        for user in by_rep
        if user in reps_by_id and common.why_not_message(reps_by_id[user], now) is None
    ]
    profiles = common.in_their_zones(services, team_id, candidates, now)
    earliest_week = min((week_start(local_now(now, p.tz).date()) for p in profiles), default=now.date())
    asked = captured.asked_this_week(services.db, team_id, earliest_week)
    deals = captured.likely_deals(services.db, team_id, [p.user_id for p in profiles])
    for profile in profiles:
        today = local_now(now, profile.tz).date()
        if not within_working_hours(now, profile.tz, profile.hours) or not may_ask(*asked.get(profile.user_id, (0, 0))):
            continue
        meetings = by_rep[profile.user_id][-ASK_AT_MOST:]
        report.due += 1
        key = claims.Key(team_id, profile.user_id, KIND, today.isoformat())
        text, blocks = views.question_message(meetings, deals.get(profile.user_id, []), profile.tz, today)
        claim = claims.claim(services.db, key, text, blocks, now)
        if claim is None:
            report.count("already claimed")
            continue
        captured.mark_asked(services.db, team_id, [meeting.id for meeting in meetings], today)
        report.count(deliver(services, claim, now))
