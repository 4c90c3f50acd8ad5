"""Who each deal is with in the CRM: its contacts' emails and its companies' domains, replaced per deal as
the sync reads it, read per rep when their meetings are placed (through the deal's owner and the
(opportunity, kind, value) unique index)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import delete, insert, select

from storage.db import Database
from storage.models import DealContact, Opportunity
from storage.records import OPEN

CHUNK = 500
EMAIL, DOMAIN = "email", "domain"


def replace(
    db: Database, team_id: str, contacts: Mapping[int, Iterable[str]], domains: Mapping[int, Iterable[str]]
) -> None:
    """Each given deal's contacts and company domains become exactly these (none: it has none, or is no
    longer open)."""
    deals = sorted({*contacts, *domains})
    rows = [
        {"team_id": team_id, "opportunity_id": deal, "kind": kind, "value": value[:254]}
        for kind, found in ((EMAIL, contacts), (DOMAIN, domains))
        for deal in deals
        for value in sorted(set(found.get(deal, ())))
    ]
    with db.transaction() as session:
        for start in range(0, len(deals), CHUNK):
            chunk = deals[start : start + CHUNK]
            session.execute(
                delete(DealContact).where(DealContact.team_id == team_id, DealContact.opportunity_id.in_(chunk))
            )
        if rows:
            session.execute(insert(DealContact), rows)


def open_deals_by_contact(
    db: Database, team_id: str, user_id: str
) -> tuple[dict[str, frozenset[int]], dict[str, frozenset[int]]]:
    """({contact email: the rep's open deals it is a contact of}, {company domain: the rep's open deals of
    that company}), in one query."""
    query = (
        select(DealContact.kind, DealContact.value, DealContact.opportunity_id)
        .join(Opportunity, Opportunity.id == DealContact.opportunity_id)
        .where(
            Opportunity.team_id == team_id,
            Opportunity.owner_id == user_id,
            Opportunity.status == OPEN,
            DealContact.team_id == team_id,
        )
    )
    found: dict[str, dict[str, set[int]]] = {EMAIL: {}, DOMAIN: {}}
    with db.transaction() as session:
        for kind, value, deal in session.execute(query):
            found.setdefault(kind, {}).setdefault(value, set()).add(deal)
    emails, domains = ({value: frozenset(deals) for value, deals in found[kind].items()} for kind in (EMAIL, DOMAIN))
    return emails, domains
