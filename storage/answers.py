"""The rep's answers to the coach: reflections, reasons to focus, planned prospecting blocks and how they
went, snoozes. Private to the rep: every read is by the rep's own id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from sqlalchemy import Select, bindparam, select

from storage.db import Database
from storage.models import CoachingAnswer
from storage.records import RepRecord
from storage.rows import added, columns_of, fetched, read_row

REFLECTION, FOCUS_REASON, PROSPECTING_BLOCK, BLOCK_FOLLOWUP, SNOOZE = (
    "reflection",
    "focus_reason",
    "prospecting_block",
    "block_followup",
    "snooze",
)
# Naming an obstacle (question: its kind or "none", answer: the note, question_id: the deal, planned_day: the
# checkpoint); answering "has it moved?" (answer: moved/not_yet/step_back/lost, question_id: the obstacle).
OBSTACLE, CHECKPOINT = "obstacle", "checkpoint"
# When the rep will step back from a deal (answer: the condition, planned_day: the date, question_id: the
# obstacle); the signal that would restart a paused deal (question_id: the deal); what a lost deal taught
# (question_id: the deal).
DETACH, RESTART_SIGNAL, LESSON = "detach", "restart_signal", "lesson"


@dataclass(frozen=True)
class Answer(RepRecord):
    kind: str
    question_id: str | None
    question: str | None
    answer: str | None
    for_date: date
    planned_day: date | None
    planned_minutes: int | None
    created_at: datetime


def _answer(row: CoachingAnswer) -> Answer:
    return read_row(Answer, row)


def record_answer(
    db: Database,
    team_id: str,
    user_id: str,
    kind: str,
    now: datetime,
    for_date: date,
    *,
    answer: str | None = None,
    question_id: str | None = None,
    question: str | None = None,
    planned_day: date | None = None,
    planned_minutes: int | None = None,
    request_key: str | None = None,
) -> Answer:
    with db.transaction() as session:
        row = CoachingAnswer(
            request_key=request_key,
            team_id=team_id,
            user_id=user_id,
            kind=kind,
            question_id=question_id,
            question=question[:300] if question else None,
            answer=answer[:3000] if answer else None,
            for_date=for_date,
            planned_day=planned_day,
            planned_minutes=planned_minutes,
            created_at=now,
        )
        return _answer(added(session, row))


def recent_answers(db: Database, team_id: str, user_id: str, limit: int = 10) -> list[Answer]:
    """The rep's own answers, newest first. Nobody else's: answers are private to the rep."""
    rows = fetched(db, _recent_statement(), {"team_id": team_id, "user_id": user_id, "limit": limit})
    return [read_row(Answer, row) for row in rows]


@lru_cache(maxsize=1)
def _recent_statement() -> Select:
    return (
        select(*columns_of(Answer, CoachingAnswer))
        .where(CoachingAnswer.team_id == bindparam("team_id"), CoachingAnswer.user_id == bindparam("user_id"))
        .order_by(CoachingAnswer.created_at.desc(), CoachingAnswer.id.desc())
        .limit(bindparam("limit"))
    )


def get_answer(db: Database, team_id: str, user_id: str, answer_id: int) -> Answer | None:
    with db.transaction() as session:
        row = session.scalar(
            select(CoachingAnswer).where(
                CoachingAnswer.id == answer_id, CoachingAnswer.team_id == team_id, CoachingAnswer.user_id == user_id
            )
        )
        return _answer(row) if row else None


def planned_blocks(db: Database, team_id: str, since: date, until: date) -> list[Answer]:
    """Prospecting blocks planned in the workspace for days since..until, for the follow-up job."""
    with db.transaction() as session:
        rows = session.scalars(
            select(CoachingAnswer)
            .where(
                CoachingAnswer.team_id == team_id,
                CoachingAnswer.kind == PROSPECTING_BLOCK,
                CoachingAnswer.planned_day >= since,
                CoachingAnswer.planned_day <= until,
            )
            .order_by(CoachingAnswer.id)
        )
        return [_answer(row) for row in rows]


def answered_by_request(db: Database, team_id: str, request_key: str) -> Answer | None:
    """The answer a Slack request stored, if it did."""
    with db.transaction() as session:
        row = session.scalar(
            select(CoachingAnswer).where(CoachingAnswer.team_id == team_id, CoachingAnswer.request_key == request_key)
        )
        return _answer(row) if row else None


def latest_of_kind(db: Database, team_id: str, kind: str, since: datetime) -> dict[str, Answer]:
    """Each rep's latest answer of one kind kept since a moment (e.g. a lesson from a lost deal), in one query."""
    query = (
        select(CoachingAnswer)
        .where(CoachingAnswer.team_id == team_id, CoachingAnswer.kind == kind, CoachingAnswer.created_at >= since)
        .order_by(CoachingAnswer.created_at, CoachingAnswer.id)
    )
    with db.transaction() as session:
        return {row.user_id: _answer(row) for row in session.scalars(query)}
