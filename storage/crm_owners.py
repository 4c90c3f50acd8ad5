"""CRM owners and the Slack users matched to them by email; an owner with no match is kept, never guessed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from storage.db import Database
from storage.models import CrmOwner, Opportunity

PLACEHOLDER = "crm:"  # owner_id prefix of a deal whose CRM owner has no Slack match yet


@dataclass(frozen=True)
class OwnerMatch:
    owner_id: str
    email: str | None
    name: str
    slack_user_id: str | None
    checked_at: datetime | None


def placeholder_owner(crm_owner_id: str | None) -> str:
    return (PLACEHOLDER + (crm_owner_id or "none"))[:32]


def save_owners(db: Database, team_id: str, provider: str, owners: Iterable[tuple[str, str | None, str]]) -> None:
    """Upsert the CRM's owners (id, email, name); a changed email is matched again."""
    with db.transaction() as session:
        known = {
            row.owner_id: row
            for row in session.scalars(
                select(CrmOwner).where(CrmOwner.team_id == team_id, CrmOwner.provider == provider)
            )
        }
        for owner_id, email, name in owners:
            row = known.get(owner_id)
            if row is None:
                session.add(
                    CrmOwner(team_id=team_id, provider=provider, owner_id=owner_id, email=email, name=name[:120])
                )
            elif row.email != email or row.name != name[:120]:
                if row.email != email:
                    row.slack_user_id, row.checked_at = None, None
                row.email, row.name = email, name[:120]


def owners(db: Database, team_id: str, provider: str) -> list[OwnerMatch]:
    with db.transaction() as session:
        rows = session.scalars(
            select(CrmOwner).where(CrmOwner.team_id == team_id, CrmOwner.provider == provider).order_by(CrmOwner.name)
        )
        return [OwnerMatch(r.owner_id, r.email, r.name, r.slack_user_id, r.checked_at) for r in rows]


def set_owner_match(
    db: Database, team_id: str, provider: str, owner_id: str, slack_user_id: str | None, now: datetime
) -> int:
    """Store what Slack said about an owner's email; a match takes over the deals waiting for that owner."""
    with db.transaction() as session:
        session.execute(
            update(CrmOwner)
            .where(CrmOwner.team_id == team_id, CrmOwner.provider == provider, CrmOwner.owner_id == owner_id)
            .values(slack_user_id=slack_user_id, checked_at=now)
        )
        if slack_user_id is None:
            return 0
        moved = session.execute(
            update(Opportunity)
            .where(Opportunity.team_id == team_id, Opportunity.owner_id == placeholder_owner(owner_id))
            .values(owner_id=slack_user_id)
        )
        return moved.rowcount or 0
