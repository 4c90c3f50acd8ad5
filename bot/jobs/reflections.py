"""The weekly reflection: one question per rep at their own day and time (REFLECTION_SLOT, or their
`/opportunity coach reflections` choice), in their own time zone.

A slot is due from its moment for CATCH_UP (so a restart or a missed tick still sends it that
afternoon, never at night); the period key is the slot's local date, so each week's prompt is sent once.
A rep never gets a question they were asked in the last 8 weeks, and a rep whose time is concentrated
on one deal right now gets a question about stepping back; one whose number rides on one deal (and is
not concentrated) gets a question about the number.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.jobs import common
from bot.jobs.report import JobReport
from bot.messages import coaching as views
from bot.questions import REPEAT_AFTER_WEEKS, pick_question
from bot.rules.timing import weekly_slot_due
from bot.services import Services
from bot.services.coach import concentrated_reps, profile_of
from bot.services.outlook import numbers_riding
from storage import claims, outbox

KIND = "reflection"
CATCH_UP = timedelta(hours=3)


def run(services: Services, now: datetime) -> JobReport:
    return common.every_workspace("reflections", run_team, services, now)


def _might_be_due(weekday: int, now: datetime) -> bool:
    """Cheap filter before asking Slack for a zone: a local weekday is within a day of UTC's."""
    return (weekday - now.weekday()) % 7 in (0, 1, 6)


def run_team(services: Services, team_id: str, now: datetime, report: JobReport) -> None:
    reps_by_id = common.reps_using_the_bot(services, team_id, now)
    report.reps += len(reps_by_id)
    common.retry_due(services, team_id, KIND, reps_by_id, now, report)

    candidates = []
    for rep in reps_by_id.values():
        if common.why_not_message(rep, now) is None and _might_be_due(
            profile_of(services, rep).reflection_weekday, now
        ):
            candidates.append(rep)
    if not candidates:
        return
    due = []
    for profile in common.in_their_zones(services, team_id, candidates, now):
        day = weekly_slot_due(now, profile.tz, profile.reflection_weekday, profile.reflection_time, CATCH_UP)
        if day is not None:
            due.append((profile, day))
    existing = outbox.existing_keys(services.db, team_id, KIND, {day.isoformat() for _, day in due})
    due = [(profile, day) for profile, day in due if (profile.user_id, day.isoformat()) not in existing]
    report.due += len(due)
    if not due:
        return

    flagged = concentrated_reps(services, team_id, now)
    riding = numbers_riding(services, team_id)
    asked = outbox.recent_question_ids(services.db, team_id, now - timedelta(weeks=REPEAT_AFTER_WEEKS))
    for profile, day in due:
        question = pick_question(
            asked.get(profile.user_id, set()),
            concentrated=profile.user_id in flagged,
            seed=day.toordinal() // 7,
            themes=("number",) if profile.user_id in riding else None,
        )
        key = claims.Key(team_id, profile.user_id, KIND, day.isoformat())
        common.claim_and_send(
            services, key, views.reflection_message(question.id, question.text, day), now, report, question.id
        )
