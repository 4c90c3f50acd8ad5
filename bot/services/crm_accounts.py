"""Which CRM a workspace syncs with, and with which token: its own connection (an admin connected it from
Slack), or, for a single-workspace install, the environment's HUBSPOT_ACCESS_TOKEN.

A connection's access token is opened from its sealed copy when used, refreshed when it is within
REFRESH_BEFORE of expiring, and once more when the CRM refuses it (401). A refresh is claimed in the
database first, so two instances never spend one refresh token: the one that loses the claim waits for
the winner's token. A refresh token the CRM refuses, or a token fresh from a refresh refused too, marks
the connection revoked: that workspace's sync stops (every other goes on) and its admin view says so.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from bot.integrations import CrmError, CrmProvider
from bot.integrations.activities import ActivitySource
from bot.integrations.oauth import oauth_app, refresh, with_login_host
from bot.integrations.oauth_records import LABELS, AccessToken, FixedToken, Revoked
from bot.sealed import SecretBox, SecretUnreadable, box_for
from bot.services import Services
from bot.services.crm_pace import SharedPace
from storage import crm_connections as store

log = logging.getLogger("pipeline_coach.crm")
REFRESH_BEFORE = timedelta(minutes=5)  # HubSpot's tokens last 30 minutes: refreshed in their last five
REFRESH_LEASE = timedelta(seconds=30)  # a refresh that crashed frees the connection after this
WAIT_FOR_OTHER = REFRESH_LEASE.total_seconds()  # another instance's refresh is waited for while its claim holds
REVOKED_REASON = "{label} no longer accepts this workspace's connection ({why})"


@dataclass(frozen=True)
class Account:
    """The CRM one workspace syncs with: which provider, its token, where it answers, whose pace it keeps."""

    team_id: str
    provider: str
    token: AccessToken = field(repr=False)
    host: str | None
    pace_key: str  # one budget per CRM account, whichever process or thread calls it
    connected: bool  # an admin's OAuth connection (else the environment's token)


def account_for(services: Services, team_id: str) -> Account | None:
    """The workspace's CRM, or None (not connected, revoked, or nothing configured)."""
    connection = store.connection_of(services.db, team_id)
    settings = services.defaults
    if connection is not None:
        if not connection.connected:
            return None
        token = WorkspaceToken(services, team_id, LABELS.get(connection.provider, connection.provider))
        return Account(team_id, connection.provider, token, connection.host,
                       f"{connection.provider}:{connection.account or team_id}", True)  # fmt: skip
    if settings.crm_enabled and not settings.oauth:  # one workspace, one CRM in the environment
        token = settings.hubspot_access_token or ""
        return Account(team_id, settings.crm_provider, FixedToken(token), settings.hubspot_api_url, token, False)
    return None


def provider_of(services: Services, team_id: str) -> str | None:
    """Which CRM the workspace's changes are queued for (no token opened): one indexed read, none at all in a
    deployment with no CRM."""
    settings = services.defaults
    if not settings.crm_sync_on:
        return None
    connection = store.connection_of(services.db, team_id)
    if connection is not None:
        return connection.provider if connection.connected else None
    return settings.crm_provider if settings.crm_enabled and not settings.oauth else None


def teams_with_a_crm(services: Services) -> list[str]:
    """Every workspace the sync job serves: each one connected, then the environment's own workspace."""
    teams = [connection.team_id for connection in store.connected(services.db)]
    own = environment_team(services)
    if own is not None and store.connection_of(services.db, own) is None:
        teams.append(own)
    return teams


def environment_team(services: Services) -> str | None:
    """The workspace the environment's CRM serves (a single-workspace install's bot token's), or None."""
    if services.settings.crm_enabled and not services.settings.oauth:
        return services.client.auth_test()["team_id"]
    return None


def make_provider(services: Services, account: Account) -> CrmProvider:
    """The account's provider (PROVIDERS: one maker per CRM), paced by the account's shared budget."""
    maker = PROVIDERS.get(account.provider)
    if maker is None:
        raise CrmError(f"this deployment cannot sync with {account.provider}")
    return maker(services, account)


def make_activities(services: Services, account: Account) -> ActivitySource:
    """The CRM's meetings and calls (HubSpot's, or Salesforce's Events and call Tasks), read on the deal
    sync's pace: one budget per account, never two."""
    if account.provider == "salesforce":
        from bot.integrations.salesforce_activities import SalesforceActivities

        return SalesforceActivities(make_provider(services, account))
    from bot.integrations.hubspot_activities import HubSpotActivities

    host = account.host or services.settings.hubspot_api_url
    return HubSpotActivities(account.token, host=host, pace=SharedPace(services.db, account.pace_key))


def _hubspot(services: Services, account: Account) -> CrmProvider:
    from bot.integrations.hubspot import HubSpotProvider

    settings = services.settings
    host = account.host or settings.hubspot_api_url
    pace = SharedPace(services.db, account.pace_key)
    return HubSpotProvider(account.token, settings.hubspot_pipeline, host=host, pace=pace)


def _salesforce(services: Services, account: Account) -> CrmProvider:
    """The environment's org (bot/services/salesforce_connection.py), or a workspace's OAuth connection: its
    instance and token, refreshed through the same claimed refresh as every connection's."""
    from bot.services.salesforce_connection import salesforce_provider

    if not account.connected:
        return salesforce_provider(services)
    sessions = SalesforceSessions(account.token, account.host or "")
    return salesforce_provider(services, sessions.session, refresh=sessions)


class SalesforceSessions:
    """A workspace's Salesforce sessions for the client (bot/integrations/salesforce_client.Caller): called
    when the org refuses the latest one, it hands back a fresh one; `rejected` when a fresh one is refused too."""

    def __init__(self, token: AccessToken, host: str) -> None:
        from bot.integrations.salesforce_client import Session

        self._token = token
        self.session = Session(host, token.current())

    def __call__(self):
        self.session = replace(self.session, access_token=self._token.renewed(self.session.access_token) or "")
        return self.session

    def rejected(self) -> None:
        self._token.rejected(self.session.access_token)


PROVIDERS: dict[str, Callable[[Services, Account], CrmProvider]] = {"hubspot": _hubspot, "salesforce": _salesforce}


class WorkspaceToken:
    """A workspace connection's access token for a provider's client (bot/integrations/oauth.AccessToken)."""

    def __init__(self, services: Services, team_id: str, label: str) -> None:
        self._services, self._team_id, self._label = services, team_id, label
        self.name = f"this workspace's {label} connection"
        self._token: str | None = None
        self._expires_at: datetime | None = None

    def current(self) -> str:
        now = self._services.now()
        if self._token is None:
            self._read()
        if self._expires_at is not None and self._expires_at - now <= REFRESH_BEFORE:
            self._token = self._refreshed(refused=self._token, now=now)
        return self._token or ""

    def renewed(self, refused: str) -> str | None:
        self._token = self._refreshed(refused=refused, now=self._services.now())
        return self._token

    def rejected(self, refused: str) -> None:
        why = "refused a token fresh from a refresh"
        store.mark_revoked(self._services.db, self._team_id, REVOKED_REASON.format(label=self._label, why=why))
        raise Revoked(f"{self._label} refused this workspace's connection even after a refresh")

    def _box(self) -> SecretBox:
        box = box_for(self._services.defaults)
        if box is None:
            raise CrmError("ENCRYPTION_KEY is not set, so the workspace's CRM tokens cannot be read")
        return box

    def _read(self) -> store.Connection:
        connection = store.connection_of(self._services.db, self._team_id)
        if connection is None or not connection.connected:
            raise Revoked(f"this workspace's {self._label} connection is gone")
        try:
            self._token = self._box().open(connection.sealed_access)
        except SecretUnreadable:
            raise CrmError("the workspace's CRM tokens cannot be read with ENCRYPTION_KEY: connect it again") from None
        self._expires_at = connection.expires_at
        return connection

    def _refreshed(self, refused: str | None, now: datetime) -> str:
        """A token newer than `refused`: another instance's if it refreshed meanwhile, else ours."""
        db = self._services.db
        claimed = store.claim_refresh(db, self._team_id, now, REFRESH_LEASE)
        if claimed is None:
            return self._theirs(refused)
        claim, connection = claimed
        box = self._box()
        stored = box.open(connection.sealed_access)
        fresh_enough = connection.expires_at is None or connection.expires_at - now > REFRESH_BEFORE
        if stored != refused and fresh_enough:  # another instance refreshed it a moment ago
            store.release_refresh(db, self._team_id, claim)
            self._token, self._expires_at = stored, connection.expires_at
            return stored
        app = oauth_app(self._services.defaults, connection.provider)
        if app is None or connection.sealed_refresh is None:
            store.release_refresh(db, self._team_id, claim)
            raise CrmError(f"{self._label} tokens cannot be refreshed: this deployment has no {self._label} app")
        try:
            grant = refresh(with_login_host(app, connection.host), box.open(connection.sealed_refresh))
        except Revoked as error:
            store.mark_revoked(db, self._team_id, REVOKED_REASON.format(label=self._label, why=str(error)))
            raise
        except CrmError:
            store.release_refresh(db, self._team_id, claim)
            raise
        expires_at = now + timedelta(seconds=grant.expires_in) if grant.expires_in else None
        sealed_refresh = box.seal(grant.refresh_token) if grant.refresh_token else None
        if not store.store_refreshed(db, self._team_id, claim, sealed_access=box.seal(grant.access_token),
                                     sealed_refresh=sealed_refresh, expires_at=expires_at, now=now):  # fmt: skip
            raise Revoked(f"this workspace's {self._label} connection was removed while it was refreshed")
        log.info("refreshed the %s token of workspace %s before it expired", self._label, self._team_id)
        self._token, self._expires_at = grant.access_token, expires_at
        return grant.access_token

    def _theirs(self, refused: str | None) -> str:
        """Another instance holds the refresh: its new token, once stored (bounded wait)."""
        deadline = time.monotonic() + WAIT_FOR_OTHER
        while True:
            self._read()
            if self._token != refused:
                return self._token or ""
            if time.monotonic() >= deadline:
                raise CrmError(f"another instance is still refreshing the {self._label} token; trying next run")
            time.sleep(0.1)
