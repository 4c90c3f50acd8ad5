"""Erasing: a whole workspace (every table that carries its team_id, tokens included), or one person's
data within a workspace (their own rows deleted; team history kept under an alias that names nobody)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update

from storage.db import Database
from storage.installations import INSTALLATIONS
from storage.models import (
    Activity,
    Base,
    CalendarConnection,
    CapturedTime,
    CoachingAnswer,
    DomainChoice,
    Opportunity,
    Quota,
    Rep,
    ScheduledMessage,
    StageChange,
    UndoneRequest,
    Workspace,
)


def erase_team(db: Database, team_id: str) -> dict[str, int]:
    """Delete every row of the workspace, children before parents, in one transaction: {table: rows}."""
    removed: dict[str, int] = {}
    with db.transaction() as session:
        for table in reversed(Base.metadata.sorted_tables):
            if "team_id" in table.c:
                removed[table.name] = session.execute(delete(table).where(table.c.team_id == team_id)).rowcount
    return removed


def expired_teams(db: Database, uninstalled_before: datetime) -> list[str]:
    """Workspaces uninstalled longer ago than the retention period."""
    query = select(Workspace.team_id).where(
        Workspace.uninstalled_at.is_not(None), Workspace.uninstalled_at < uninstalled_before
    )
    with db.transaction() as session:
        return list(session.scalars(query))


def forget_rep(db: Database, team_id: str, user_id: str, alias: str) -> dict[str, int]:
    """Delete a person's own rows (time, answers, quotas, settings, messages to them); their deals and
    stage moves stay for the team's figures, credited to `alias` instead of them."""
    counts: dict[str, int] = {}
    with db.transaction() as session:
        for label, model, column in (
            ("time entries", Activity, Activity.user_id),
            ("undone entries", UndoneRequest, UndoneRequest.user_id),
            ("answers", CoachingAnswer, CoachingAnswer.user_id),
            ("quotas", Quota, Quota.user_id),
            ("messages", ScheduledMessage, ScheduledMessage.recipient_id),
            ("settings", Rep, Rep.user_id),
            ("captured meetings", CapturedTime, CapturedTime.user_id),
            ("calendar connections", CalendarConnection, CalendarConnection.user_id),
            ("meeting choices", DomainChoice, DomainChoice.user_id),
        ):
            counts[label] = session.execute(delete(model).where(model.team_id == team_id, column == user_id)).rowcount
        counts["deals kept without a name"] = session.execute(
            update(Opportunity)
            .where(Opportunity.team_id == team_id, Opportunity.owner_id == user_id)
            .values(owner_id=alias)
        ).rowcount
        session.execute(
            update(StageChange)
            .where(StageChange.team_id == team_id, StageChange.changed_by == user_id)
            .values(changed_by=alias)
        )
        mention = f"<@{user_id}>"
        for sent in session.scalars(
            select(ScheduledMessage).where(
                ScheduledMessage.team_id == team_id, ScheduledMessage.payload.contains(mention)
            )
        ):  # a digest already posted keeps its record, without the person in it
            sent.payload = sent.payload.replace(mention, "a former teammate")
        session.execute(
            update(INSTALLATIONS)
            .where(INSTALLATIONS.c.team_id == team_id, INSTALLATIONS.c.user_id == user_id)
            .values(user_id=alias)
        )
    return counts
