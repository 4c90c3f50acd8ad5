"""The CRM contacts' emails on each deal: replaced per deal as the sync reads it, read per rep when their
meetings are placed (through the deal's owner and the (opportunity, email) unique index)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import delete, insert, select

from storage.db import Database
from storage.models import DealContact, Opportunity
from storage.records import OPEN

CHUNK = 500


def replace(db: Database, team_id: str, contacts: Mapping[int, Iterable[str]]) -> None:
    """Each given deal's contacts become exactly these emails (none: it has none, or is no longer open)."""
    deals = sorted(contacts)
    rows = [
        {"team_id": team_id, "opportunity_id": deal, "email": email[:254]}
        for deal in deals
        for email in sorted(set(contacts[deal]))
    ]
    with db.transaction() as session:
        for start in range(0, len(deals), CHUNK):
            chunk = deals[start : start + CHUNK]
            session.execute(
                delete(DealContact).where(DealContact.team_id == team_id, DealContact.opportunity_id.in_(chunk))
            )
        if rows:
            session.execute(insert(DealContact), rows)


def open_deals_by_email(db: Database, team_id: str, user_id: str) -> dict[str, frozenset[int]]:
    """{contact email: the rep's open deals it is a contact of}, in one query."""
    query = (
        select(DealContact.email, DealContact.opportunity_id)
        .join(Opportunity, Opportunity.id == DealContact.opportunity_id)
        .where(
            Opportunity.team_id == team_id,
            Opportunity.owner_id == user_id,
            Opportunity.status == OPEN,
            DealContact.team_id == team_id,
        )
    )
    found: dict[str, set[int]] = {}
    with db.transaction() as session:
        for email, deal in session.execute(query):
            found.setdefault(email, set()).add(deal)
    return {email: frozenset(deals) for email, deals in found.items()}
