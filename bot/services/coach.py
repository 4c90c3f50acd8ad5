"""The coach's side of a rep's actions: their coaching settings, snoozes, planned prospecting blocks,
reasons to focus, reflection answers and block follow-ups, and who is concentrated on one deal right now.

Each action is one transaction; an answer that shows on Home signals the rep's Home tab.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta

from bot.messages.coach_settings import CoachView
from bot.parsing.coaching import CoachChange, coach_defaults
from bot.questions import BY_ID, lesson_question
from bot.rules import nudges
from bot.rules.periods import local_now, trailing_days
from bot.rules.timing import Profile, next_working_day, profile
from bot.services import Services, obstacles, pipeline, stored_once
from storage import answers, concentration, opportunities, reps
from storage.answers import Answer
from storage.records import LOST, NewObstacle, OpportunityView

SNOOZE_WEEK = timedelta(days=7)
FOCUS_QUESTION = "Why is this deal worth the focus now?"
ANSWERS_SHOWN = 10


def profile_of(services: Services, rep: reps.RepSettings, tz: str | None = None) -> Profile:
    """A rep's effective coaching settings over the team's defaults."""
    return profile(rep, coach_defaults(services.settings), tz)


def profile_for(services: Services, team_id: str, user_id: str, tz: str | None = None) -> Profile:
    """One rep's effective coaching settings (their row is created the first time we meet them)."""
    return profile_of(services, reps.get_or_create_rep(services.db, team_id, user_id, services.now()), tz)


def coach_settings(services: Services, team_id: str, user_id: str, change: CoachChange) -> CoachView:
    """Apply `/opportunity coach …` (nothing to apply: just read) and return the card's contents."""
    now = services.now()
    values = dict(change.values)
    if change.snooze is not None:
        values["snoozed_until"] = now + change.snooze
    if values:
        rep = reps.update_rep(services.db, team_id, user_id, now, **values)
    else:
        rep = reps.get_or_create_rep(services.db, team_id, user_id, now)
    found = profile_of(services, rep)
    snoozed = rep.snoozed_until if rep.snoozed_until and rep.snoozed_until > now else None
    return CoachView(
        found,
        rep.tz,
        snoozed,
        rep.undeliverable_reason is not None,
        services.settings.nudge_cooldown_days,
        local_now(now, found.tz).date(),
    )


def _answer_once(services: Services, team_id: str, key: str | None, write) -> Answer:
    """Keep an answer once per Slack request `key` (a double click or a retried submit keeps one)."""
    answer, _ = stored_once(key, write, lambda: answers.answered_by_request(services.db, team_id, key))  # type: ignore[arg-type]
    return answer


def _record(
    services: Services, team_id: str, user_id: str, kind: str, for_date: date, key: str | None, **fields
) -> Answer:
    """One answer of `kind` from the rep, kept against Slack request `key`, stamped now unless `now` is given."""
    now = fields.pop("now", None) or services.now()
    return answers.record_answer(services.db, team_id, user_id, kind, now, for_date, request_key=key, **fields)


def _keep_once(
    services: Services, team_id: str, user_id: str, kind: str, for_date: date, key: str | None, **fields
) -> Answer:
    """`_record`, once per Slack request `key`."""
    return _answer_once(
        services, team_id, key, lambda: _record(services, team_id, user_id, kind, for_date, key, **fields)
    )


def snooze_week(
    services: Services, team_id: str, user_id: str, for_date: date, key: str | None = None
) -> tuple[date, date]:
    """The nudge's "Snooze a week": snoozed and the answer kept, together. (until, today), local days."""
    now = services.now()

    def write() -> Answer:
        with services.db.transaction():
            reps.update_rep(services.db, team_id, user_id, now, snoozed_until=now + SNOOZE_WEEK)
            return _record(services, team_id, user_id, answers.SNOOZE, for_date, key, answer="1w", now=now)

    snoozed = _answer_once(services, team_id, key, write)
    zone = profile_of(services, reps.get_or_create_rep(services.db, team_id, user_id, now)).tz
    until = snoozed.created_at + SNOOZE_WEEK
    return local_now(until, zone).date(), local_now(now, zone).date()


def first_day_for_a_block(services: Services, team_id: str, user_id: str) -> date:
    """The plan form's suggested day: the rep's next working day."""
    rep = reps.get_or_create_rep(services.db, team_id, user_id, services.now())
    found = profile_of(services, rep)
    return next_working_day(local_now(services.now(), found.tz).date(), found.hours)


def plan_block(
    services: Services, team_id: str, user_id: str, day: date, minutes: int, for_date: date, key: str | None = None
) -> tuple[date, date]:
    """Keep a planned prospecting block; (the day the follow-up asks about it, the rep's today)."""
    now = services.now()
    _keep_once(
        services,
        team_id,
        user_id,
        answers.PROSPECTING_BLOCK,
        for_date,
        key,
        planned_day=day,
        planned_minutes=minutes,
        now=now,
    )
    rep = reps.get_or_create_rep(services.db, team_id, user_id, now)
    found = profile_of(services, rep)
    return next_working_day(day, found.hours), local_now(now, found.tz).date()


def choose_focus(
    services: Services,
    team_id: str,
    user_id: str,
    why: str,
    for_date: date,
    opportunity_id: object = None,
    obstacle: NewObstacle | None = None,
    key: str | None = None,
) -> None:
    """Keep the reason to focus; with an obstacle, name it (and its checkpoint) on the nudge's top deal.
    Once per Slack request `key`: a resubmitted form keeps one answer and names one obstacle."""

    def write() -> Answer:
        with services.db.transaction():
            answer = _record(
                services, team_id, user_id, answers.FOCUS_REASON, for_date, key, answer=why, question=FOCUS_QUESTION
            )
            deal = focus_deal(services, team_id, user_id, opportunity_id) if obstacle else None
            if deal is not None and obstacle is not None:
                obstacles.name(services, team_id, user_id, deal.id, obstacle)
            return answer

    _answer_once(services, team_id, key, write)


def focus_deal(services: Services, team_id: str, user_id: str, opportunity_id: object) -> OpportunityView | None:
    """The deal a nudge was about, if it is still one of the rep's open deals."""
    if not isinstance(opportunity_id, int):
        return None
    return pipeline.get_open(services, team_id, user_id, opportunity_id)


def answer_reflection(
    services: Services,
    team_id: str,
    user_id: str,
    question_id: object,
    answer: str,
    for_date: date,
    key: str | None = None,
) -> None:
    """Keep a reflection answer with its question (Home shows the last one)."""
    question = BY_ID.get(str(question_id))
    _keep_once(
        services,
        team_id,
        user_id,
        answers.REFLECTION,
        for_date,
        key,
        answer=answer,
        question_id=question.id if question else None,
        question=question.text if question else None,
    )
    services.changed(team_id, user_id)


def record_block_followup(
    services: Services, team_id: str, user_id: str, block_id: object, done: bool, key: str | None = None
) -> bool:
    """ "Did the block happen?": kept against the planned block; False when no such block is the rep's."""
    block = answers.get_answer(services.db, team_id, user_id, block_id) if isinstance(block_id, int) else None
    if block is None or block.kind != answers.PROSPECTING_BLOCK:
        return False
    _keep_once(
        services,
        team_id,
        user_id,
        answers.BLOCK_FOLLOWUP,
        services.team_today(),
        key,
        answer="done" if done else "missed",
        question_id=str(block.id),
        planned_day=block.planned_day,
        planned_minutes=block.planned_minutes,
    )
    return True


def recent_answers(services: Services, team_id: str, user_id: str) -> list[Answer]:
    """The rep's own answers, newest first: never anyone else's."""
    return answers.recent_answers(services.db, team_id, user_id, ANSWERS_SHOWN)


def concentrated_reps(
    services: Services, team_id: str, now: datetime, user_ids: Collection[str] | None = None
) -> dict[str, nudges.Concentrated]:
    """Reps in the workspace (or among `user_ids`: a page of reps, a batch being rendered) whose selling
    time fires a nudge rule now: two queries, whatever the number of reps."""
    settings = services.settings
    since, until = trailing_days(local_now(now, settings.team_timezone).date(), settings.nudge_window_days)
    times = concentration.selling_time_by_rep(services.db, team_id, since, until, user_ids)
    if not times:
        return {}
    opened = concentration.last_opened_by_rep(services.db, team_id, user_ids)
    return nudges.concentrated_reps(times, opened, now, nudges.thresholds(settings), settings.team_timezone)


def lost_deal(services: Services, team_id: str, user_id: str, opportunity_id: object) -> OpportunityView | None:
    """One of the rep's deals, if it is closed as lost (what the lesson form is about)."""
    if not isinstance(opportunity_id, int):
        return None
    deal = opportunities.get_opportunity(services.db, team_id, user_id, opportunity_id)
    return deal if deal is not None and deal.status == LOST else None


def keep_lesson(
    services: Services, team_id: str, user_id: str, opportunity_id: object, lesson: str, key: str | None = None
) -> str | None:
    """What a lost deal taught, in the rep's words, kept with their reflections (the next weekly reflection
    may return to it). The deal's name, or None when it is not the rep's lost deal."""
    deal = lost_deal(services, team_id, user_id, opportunity_id)
    if deal is None:
        return None
    _keep_once(
        services,
        team_id,
        user_id,
        answers.LESSON,
        services.team_today(),
        key,
        answer=lesson,
        question_id=str(deal.id),
        question=lesson_question(deal.name),
    )
    services.changed(team_id, user_id)
    return deal.name
