"""The weekly reflection: one question per rep at their own day and time (REFLECTION_SLOT, or their
`/opportunity coach reflections` choice), in their own time zone; a slot on a public holiday of the rep's
calendar is asked the next working morning instead (bot/rules/timing.py: weekly_slot).

A slot is due from its moment for CATCH_UP (so a restart or a missed tick still sends it that
afternoon, never at night); the period key is the slot's local date, so each week's prompt is sent once.
A rep never gets a question they were asked in the last 8 weeks, and a rep whose time is concentrated
on one deal right now gets a question about stepping back; one whose number rides on one deal (and is
not concentrated) gets a question about the number; one who kept a lesson from a lost deal since the last
reflection gets a question that returns to it, with their own words.

The workspace's reps are read a page at a time (storage/reps.py, PAGE_SIZE) and each page's due ones
kept, so a tick holds one page of settings whatever the workspace's size. Due reps are planned into the
shared queue in one statement, then rendered and sent in batches by whichever instance takes them
(bot/jobs/common.plan_and_drain), oldest slot first.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.jobs import common
from bot.jobs.report import JobReport
from bot.messages import coaching as views
from bot.questions import REPEAT_AFTER_WEEKS, pick_question
from bot.rules.timing import Profile, weekly_slot
from bot.services import Services
from bot.services.coach import concentrated_reps, profile_of
from bot.services.outlook import numbers_riding
from storage import answers, outbox, queue, reps
from storage.reps import RepSettings

KIND = "reflection"
CATCH_UP = timedelta(hours=3)
LESSON_RECALL = timedelta(days=8)  # a lesson kept since about the last weekly reflection is returned to


def run(services: Services, now: datetime) -> JobReport:
    return common.every_workspace("reflections", run_team, services, now)


def _might_be_due(profile: Profile, now: datetime) -> bool:
    """Cheap filter before looking a zone up: a local weekday is within a day of UTC's (any day for a rep
    who keeps public holidays: a slot on one is asked on a later working morning)."""
    return bool(profile.hours.holidays) or (profile.reflection_weekday - now.weekday()) % 7 in (0, 1, 6)


def run_team(services: Services, team_id: str, now: datetime, report: JobReport) -> None:
    common.retry_due(services, team_id, KIND, None, now, report)
    due = []
    for page in reps.reps_in_pages(services.db, team_id):
        report.reps += len(page)
        due += _due_in_page(services, team_id, page, now)
    existing = outbox.existing_keys(services.db, team_id, KIND, {item.period_key for item in due})
    due = [item for item in due if (item.recipient_id, item.period_key) not in existing]
    report.due += len(due)
    common.plan_and_drain(services, team_id, KIND, due, renderer(services, team_id, now, report), now, report)


def _due_in_page(services: Services, team_id: str, page: list[RepSettings], now: datetime) -> list[queue.Planned]:
    """The page's reps whose weekly slot is due now, in their own time zones."""
    candidates = [
        rep
        for rep in page
        if common.why_not_message(rep, now) is None and _might_be_due(profile_of(services, rep), now)
    ]
    due = []
    for profile in common.in_their_zones(services, team_id, candidates, now) if candidates else ():
        found = weekly_slot(
            now, profile.tz, profile.reflection_weekday, profile.reflection_time, CATCH_UP, profile.hours
        )
        if found is not None:
            day, due_at = found
            due.append(queue.Planned(profile.user_id, day.isoformat(), due_at))
    return due


def renderer(services: Services, team_id: str, now: datetime, report: JobReport) -> queue.Renderer:
    """Renders a taken batch from what is true of its reps now (who is concentrated, whose number rides on
    one deal, who was asked what): read for the batch's reps alone, after the take has committed, so a
    batch costs the same in a workspace of 1,000 or 50,000 and a failed read leaves nothing half kept."""

    def render(taken: list[queue.Taken]) -> dict[int, queue.Rendered]:
        recipients = {row.recipient_id for row in taken}
        reps_by_id = reps.reps_of(services.db, team_id, recipients)
        since = now - timedelta(weeks=REPEAT_AFTER_WEEKS)
        facts = {  # what the batch's reps need, read for them alone
            "flagged": concentrated_reps(services, team_id, now, recipients),
            "riding": numbers_riding(services, team_id, recipients),
            "asked": outbox.recent_question_ids(services.db, team_id, since, recipients),
            "lessons": answers.latest_of_kind(services.db, team_id, answers.LESSON, now - LESSON_RECALL),
        }

        def reason_not_to(row: queue.Taken) -> str | None:
            reason = common.why_not_message(reps_by_id.get(row.recipient_id), now)
            if reason is None and row.due_at is not None and services.now() - row.due_at > CATCH_UP:
                return "slot passed"
            return reason

        def message_for(row: queue.Taken) -> queue.Rendered:
            day = date.fromisoformat(row.period_key)
            lesson = facts["lessons"].get(row.recipient_id)
            themes = ("lesson",) if lesson else ("number",) if row.recipient_id in facts["riding"] else None
            question = pick_question(
                facts["asked"].get(row.recipient_id, set()),
                concentrated=row.recipient_id in facts["flagged"] and lesson is None,
                seed=day.toordinal() // 7,
                themes=themes,
            )
            recalled = (lesson.question, lesson.answer) if lesson and question.theme == "lesson" else None
            text, blocks = views.reflection_message(question.id, question.text, day, recalled)
            return (text, blocks, question.id)

        return common.render_each(taken, report, reason_not_to, message_for)

    return render
