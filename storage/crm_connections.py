"""Each workspace's own CRM connection (tokens sealed by the caller) and the OAuth round trips that make one.

A state is kept as its digest only, used once (deleted as it is read) and refused past its expiry. A
token refresh is claimed first (compare-and-set on `refreshing_until`), and its result stored together
with the claim's release in one statement, so two instances never spend one refresh token and a rotated
refresh token is never half-stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update

from storage.claims import new_token
from storage.db import Database
from storage.models import CrmConnection, CrmOAuthState
from storage.rows import read_row
from storage.upsert import insert_for

CONNECTED, REVOKED = "connected", "revoked"


@dataclass(frozen=True)
class Connection:
    team_id: str
    provider: str
    sealed_access: str
    sealed_refresh: str | None
    expires_at: datetime | None
    host: str | None
    account: str | None
    status: str
    reason: str | None
    connected_by: str
    connected_at: datetime
    refreshed_at: datetime | None

    @property
    def connected(self) -> bool:
        return self.status == CONNECTED


@dataclass(frozen=True)
class State:
    team_id: str
    user_id: str
    provider: str
    login_host: str | None
    expires_at: datetime


def _connection(row: CrmConnection) -> Connection:
    return read_row(Connection, row, sealed_access=row.access_token, sealed_refresh=row.refresh_token)


def save_connection(
    db: Database,
    team_id: str,
    provider: str,
    *,
    sealed_access: str,
    sealed_refresh: str | None,
    expires_at: datetime | None,
    host: str | None,
    account: str | None,
    user_id: str,
    now: datetime,
) -> None:
    """Connect (or connect again, replacing whatever the workspace had): connected from now on."""
    values = dict(provider=provider, access_token=sealed_access, refresh_token=sealed_refresh, expires_at=expires_at,
                  host=host, account=account, status=CONNECTED, reason=None, connected_by=user_id, connected_at=now,
                  refreshed_at=None, refreshing_until=None, refreshing_by=None)  # fmt: skip
    statement = insert_for(db)(CrmConnection).values(team_id=team_id, **values)
    statement = statement.on_conflict_do_update(index_elements=["team_id"], set_=values)
    with db.transaction() as session:
        session.execute(statement)


def connection_of(db: Database, team_id: str) -> Connection | None:
    with db.transaction() as session:
        row = session.scalar(select(CrmConnection).where(CrmConnection.team_id == team_id))
        return _connection(row) if row else None


def connected(db: Database) -> list[Connection]:
    """Every workspace's connection that still works, in a stable order (the sync job walks them)."""
    with db.transaction() as session:
        rows = session.scalars(
            select(CrmConnection).where(CrmConnection.status == CONNECTED).order_by(CrmConnection.team_id)
        )
        return [_connection(row) for row in rows]


def every_connection(db: Database) -> list[Connection]:
    """Every workspace's connection, working or revoked, by workspace (what an operator's status lists)."""
    with db.transaction() as session:
        return [_connection(row) for row in session.scalars(select(CrmConnection).order_by(CrmConnection.team_id))]


def claim_refresh(db: Database, team_id: str, now: datetime, lease: timedelta) -> tuple[str, Connection] | None:
    """Take the workspace's refresh (None while another instance holds it, or once it is not connected):
    (the claim's token, the connection as it stands now)."""
    token = new_token()
    with db.transaction() as session:
        claimed = session.execute(
            update(CrmConnection)
            .where(CrmConnection.team_id == team_id, CrmConnection.status == CONNECTED)
            .where(or_(CrmConnection.refreshing_until.is_(None), CrmConnection.refreshing_until < now))
            .values(refreshing_until=now + lease, refreshing_by=token)
            .returning(CrmConnection.id)
        ).first()
        if claimed is None:
            return None
        row = session.scalar(select(CrmConnection).where(CrmConnection.team_id == team_id))
        return token, _connection(row)


def store_refreshed(
    db: Database,
    team_id: str,
    claim: str,
    *,
    sealed_access: str,
    sealed_refresh: str | None,
    expires_at: datetime | None,
    now: datetime,
) -> bool:
    """The refresh's new tokens and the claim's release, in one statement; False if the claim was lost
    (the connection was disconnected or connected again meanwhile), and then nothing is stored."""
    values = dict(access_token=sealed_access, expires_at=expires_at, refreshed_at=now, refreshing_until=None,
                  refreshing_by=None)  # fmt: skip
    if sealed_refresh is not None:  # a provider that rotates its refresh tokens sent a new one
        values["refresh_token"] = sealed_refresh
    with db.transaction() as session:
        done = session.execute(
            update(CrmConnection)
            .where(CrmConnection.team_id == team_id, CrmConnection.refreshing_by == claim)
            .values(**values)
        )
        return bool(done.rowcount)


def release_refresh(db: Database, team_id: str, claim: str) -> None:
    """A refresh that failed for a reason that may pass: the next try may claim it at once."""
    with db.transaction() as session:
        session.execute(
            update(CrmConnection)
            .where(CrmConnection.team_id == team_id, CrmConnection.refreshing_by == claim)
            .values(refreshing_until=None, refreshing_by=None)
        )


def mark_revoked(db: Database, team_id: str, reason: str) -> None:
    """The CRM no longer accepts the connection: its sync stops until an admin connects again."""
    with db.transaction() as session:
        session.execute(
            update(CrmConnection)
            .where(CrmConnection.team_id == team_id)
            .values(status=REVOKED, reason=reason[:300], refreshing_until=None, refreshing_by=None)
        )


def remove_connection(db: Database, team_id: str) -> Connection | None:
    """Disconnect: the tokens are deleted (the deals, links and sync state stay). What was removed, if any."""
    with db.transaction() as session:
        row = session.scalar(select(CrmConnection).where(CrmConnection.team_id == team_id).with_for_update())
        if row is None:
            return None
        gone = _connection(row)
        session.delete(row)
        return gone


def save_state(
    db: Database,
    digest: str,
    team_id: str,
    user_id: str,
    provider: str,
    login_host: str | None,
    expires_at: datetime,
    now: datetime,
) -> None:
    """Keep a new round trip's state (its digest); states expired by `now` are swept on the way."""
    with db.transaction() as session:
        session.execute(delete(CrmOAuthState).where(CrmOAuthState.expires_at <= now))
        session.add(CrmOAuthState(digest=digest, team_id=team_id, user_id=user_id, provider=provider,
                                  login_host=login_host, expires_at=expires_at))  # fmt: skip


def take_state(db: Database, digest: str, now: datetime) -> State | None:
    """The round trip this state began, used up as it is read (a replay finds nothing); None when it is
    unknown, already used or expired. Expired states are swept on the way."""
    with db.transaction() as session:
        row = session.scalar(select(CrmOAuthState).where(CrmOAuthState.digest == digest))
        found = None
        if row is not None:
            taken = session.execute(delete(CrmOAuthState).where(CrmOAuthState.id == row.id)).rowcount
            if taken and row.expires_at > now:
                found = read_row(State, row)
        session.execute(delete(CrmOAuthState).where(CrmOAuthState.expires_at <= now))
        return found
