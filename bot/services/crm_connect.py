"""A workspace's admin connects its own CRM from Slack (`/opportunity admin crm`), by OAuth in the browser.

`start` binds a fresh state to that admin, workspace and provider (stored as its digest, used once,
expired after STATE_LIFETIME) and gives the provider's consent URL; the provider sends the browser back
to PUBLIC_URL + CALLBACK_PATH, where `finish` takes the state, trades the code for tokens and stores them
sealed with ENCRYPTION_KEY. Disconnecting deletes the tokens (and asks the CRM to forget its refresh token);
the deals, links and sync history stay.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from bot.integrations import CrmError
from bot.integrations.oauth import authorize_url, exchange_code, oauth_app, revoke, with_login_host
from bot.integrations.oauth_records import LABELS
from bot.sealed import SecretUnreadable, box_for
from bot.services import Services
from bot.services.crm_accounts import PROVIDERS
from bot.services.crm_status import status_lines
from storage import crm_connections as store

log = logging.getLogger("pipeline_coach.crm")
CALLBACK_PATH = "/crm/oauth/callback"
STATE_LIFETIME = timedelta(minutes=10)


@dataclass(frozen=True)
class Choice:
    """A button on the admin's CRM view: connect `provider` (on Salesforce's sandbox login host)."""

    provider: str
    label: str
    url: str


@dataclass(frozen=True)
class CrmView:
    """What the admin's CRM view shows: the connection, if any, what may be connected, what is missing."""

    connection: store.Connection | None
    label: str | None
    choices: tuple[Choice, ...]
    missing: str | None  # why nothing can be connected from Slack (an operator's setting)
    environment: bool  # HUBSPOT_ACCESS_TOKEN serves this single-workspace install
    status: tuple[str, ...]  # the sync's state, as `crm status` prints it (bot/services/crm_status.py)


@dataclass(frozen=True)
class Finished:
    """How a return from the provider ended, for the page the admin's browser shows."""

    connected: bool
    message: str


def redirect_uri(settings) -> str:
    return f"{settings.public_url}{CALLBACK_PATH}"


def view(services: Services, team_id: str, user_id: str) -> CrmView:
    """The admin's view, with fresh connect links (each state bound to this admin and workspace)."""
    settings = services.defaults
    connection = store.connection_of(services.db, team_id)
    missing = None
    if not settings.crm_connectable:
        missing = "no_app"
    elif box_for(settings) is None:
        missing = "no_key"
    choices: list[Choice] = []
    if missing is None and (connection is None or not connection.connected):
        for provider in settings.crm_connectable:
            choices.append(Choice(provider, f"Connect {LABELS[provider]}", start(services, team_id, user_id, provider)))
            if provider == "salesforce":
                url = start(services, team_id, user_id, provider, sandbox=True)
                choices.append(Choice(provider, "Connect a Salesforce sandbox", url))
    environment = connection is None and settings.crm_enabled and not settings.oauth
    provider = connection.provider if connection else settings.crm_provider if environment else None
    label = LABELS.get(provider, provider) if provider else None
    status = tuple(status_lines(services, team_id))
    return CrmView(connection, label, tuple(choices), missing, environment, status)


def start(services: Services, team_id: str, user_id: str, provider: str, sandbox: bool = False) -> str:
    """The provider's consent URL, its state bound to this admin and workspace."""
    app = oauth_app(services.defaults, provider, sandbox)
    if app is None:
        raise CrmError(f"this deployment has no {LABELS.get(provider, provider)} app")
    state = secrets.token_urlsafe(32)
    now = services.now()
    store.save_state(services.db, _digest(state), team_id, user_id, provider, app.login_host, now + STATE_LIFETIME,
                     now)  # fmt: skip
    return authorize_url(app, redirect_uri(services.defaults), state)


def finish(services: Services, state: str, code: str, error: str | None = None) -> Finished:
    """The browser came back from the provider: a good state and code become the workspace's connection."""
    now = services.now()
    taken = store.take_state(services.db, _digest(state), now) if state else None
    if taken is None:
        return Finished(False, "This link has expired or was already used. In Slack, type `/opportunity admin "
                               "crm` and press Connect again.")  # fmt: skip
    label = LABELS.get(taken.provider, taken.provider)
    if error or not code:
        return Finished(False, f"{label} was not connected (the connection was cancelled). Press Connect in "
                               "`/opportunity admin crm` to try again.")  # fmt: skip
    settings = services.defaults
    app, box = oauth_app(settings, taken.provider), box_for(settings)
    if app is None or box is None:
        return Finished(False, f"{label} can't be connected here yet: ask whoever runs Pipeline Coach to finish "
                               "its setup.")  # fmt: skip
    current = store.connection_of(services.db, taken.team_id)
    if current is not None and current.connected and current.provider != taken.provider:
        other = LABELS.get(current.provider, current.provider)
        return Finished(False, f"This workspace already syncs with {other}. Disconnect it in `/opportunity admin "
                               f"crm` first, then connect {label}.")  # fmt: skip
    try:
        grant = exchange_code(with_login_host(app, taken.login_host), code, redirect_uri(settings))
    except CrmError as failure:
        log.warning("connecting %s for workspace %s failed: %s", label, taken.team_id, failure)
        return Finished(False, f"{label} did not accept the connection just now. Press Connect in "
                               "`/opportunity admin crm` to try again.")  # fmt: skip
    expires_at = now + timedelta(seconds=grant.expires_in) if grant.expires_in else None
    store.save_connection(
        services.db, taken.team_id, taken.provider,
        sealed_access=box.seal(grant.access_token),
        sealed_refresh=box.seal(grant.refresh_token) if grant.refresh_token else None,
        expires_at=expires_at, host=grant.host, account=grant.account, user_id=taken.user_id, now=now,
    )  # fmt: skip
    log.info("workspace %s connected %s (by %s)", taken.team_id, label, taken.user_id)
    where = f" (account {grant.account})" if grant.account else ""
    if taken.provider not in PROVIDERS:  # connected, but this deployment cannot sync with it yet: say so
        later = "This deployment can't sync its deals yet; they arrive once whoever runs Pipeline Coach upgrades it."
        return Finished(True, f"{label} is connected{where}. {later} You can close this tab.")
    return Finished(True, f"{label} is connected{where}. Its deals arrive in Slack with the next sync, within "
                          f"{settings.crm_sync_minutes} minutes. You can close this tab.")  # fmt: skip


def disconnect(services: Services, team_id: str, user_id: str) -> str | None:
    """Delete the workspace's tokens (its deals stay); the provider's label, or None if nothing was connected."""
    gone = store.remove_connection(services.db, team_id)
    if gone is None:
        return None
    label = LABELS.get(gone.provider, gone.provider)
    log.info("workspace %s disconnected %s (by %s)", team_id, label, user_id)
    _forget_at_the_crm(services, gone, label)
    return label


def _forget_at_the_crm(services: Services, gone: store.Connection, label: str) -> None:
    """Ask the CRM to forget the refresh token too (after ours is deleted: a failure here loses nothing)."""
    app, box = oauth_app(services.defaults, gone.provider), box_for(services.defaults)
    if app is None or box is None or gone.sealed_refresh is None:
        return
    try:
        revoke(app, box.open(gone.sealed_refresh), gone.host)
    except (CrmError, SecretUnreadable) as failure:
        log.warning("%s was not told to forget workspace %s's token: %s", label, gone.team_id, failure)


def _digest(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()
