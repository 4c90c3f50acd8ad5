"""What the sync needs from any CRM, as a Protocol over plain frozen dataclasses."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol


@dataclass(frozen=True)
class CrmOwner:
    id: str
    email: str | None
    name: str


@dataclass(frozen=True)
class CrmStage:
    """A stage of the followed pipeline; `won`/`lost` come from the CRM's own metadata, never from a label."""

    id: str
    label: str
    order: int
    closed: bool
    won: bool
    lost: bool
    probability: float | None = None  # the CRM's chance of winning in this stage (0..1), when it gives one


@dataclass(frozen=True)
class CrmDeal:
    """A deal as the CRM holds it, every field raw enough that the sync decides what it trusts."""

    id: str
    name: str | None
    amount: str | None
    stage_id: str | None
    pipeline_id: str | None
    owner_id: str | None
    close_date: date | None
    created_at: datetime
    modified_at: datetime
    merged_ids: tuple[str, ...] = ()
    key: str | None = None  # our deal's key, on deals we created


@dataclass(frozen=True)
class DealWrite:
    """What we send: only our own fields (time logged and coaching stay with us)."""

    name: str
    stage_id: str
    owner_id: str | None
    amount: int | None
    close_date: date | None
    key: str | None = None  # our deal's key: set on a create, so the deal is found again by it
    # when the create was first queued: a CRM that cannot hold our key finds the deal by this write's
    # values and a creation after this moment, never by its name alone
    queued_at: datetime | None = None


@dataclass(frozen=True)
class WriteResult:
    id: str
    modified_at: datetime


LABELS = {"hubspot": "HubSpot", "salesforce": "Salesforce"}


def crm_label(name: str) -> str:
    """A provider's name as people read it ("hubspot" -> "HubSpot")."""
    return LABELS.get(name, name.title())


class CrmError(Exception):
    """The CRM could not be reached or refused the call for a reason that may pass (retry later)."""


class BadToken(CrmError):
    """The access token is wrong, expired or lacks a scope: nothing will work until an admin fixes it."""


class NotFound(CrmError):
    """The record is gone (deleted or merged away) on the CRM's side."""


class Conflict(CrmError):
    """The CRM already holds a record with a value that must be unique."""


class CrmProvider(Protocol):
    name: str
    search_lag: timedelta  # how far the CRM's change search may trail its writes: each sync looks back this far

    def ensure_key_property(self) -> None:
        """Make sure the CRM can hold our deal key, unique (once, on connect)."""
        ...

    def pipeline_id(self) -> str:
        """The followed pipeline's id."""
        ...

    def owners(self) -> list[CrmOwner]: ...

    def stages(self) -> list[CrmStage]: ...

    def changed_deals(self, since: datetime | None) -> Iterator[CrmDeal]:
        """Every deal of the followed pipeline modified at or after `since`, oldest change first."""
        ...

    def removed_deal_ids(self) -> set[str]:
        """Ids of deals deleted (archived) on the CRM's side."""
        ...

    def read_deals(self, ids: list[str]) -> dict[str, CrmDeal]:
        """The deals that still exist among `ids`."""
        ...

    def deal_contacts(self, deal_ids: list[str]) -> dict[str, tuple[str, ...]]:
        """The email addresses of each deal's contacts (lower-cased): a meeting with one is time on it."""
        ...

    def deal_domains(self, deal_ids: list[str]) -> dict[str, tuple[str, ...]]:
        """The domains of each deal's companies: a meeting with someone from one is time on it."""
        ...

    def find_by_key(self, key: str, write: DealWrite | None = None) -> WriteResult | None:
        """The deal our create made under `key` (its answer lost to an error), or None. `write`: what that
        create sent, for a CRM that could not hold the key (found by all its values, never the name alone)."""
        ...

    def create_deal(self, write: DealWrite) -> WriteResult:
        """Create the deal once per `write.key`: a second create of the same key returns the first deal."""
        ...

    def update_deal(self, deal_id: str, write: DealWrite) -> WriteResult: ...
