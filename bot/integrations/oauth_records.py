"""What OAuth hands around, apart from how it is done (bot/integrations/oauth.py): a provider's app, a grant,
where a client's bearer token comes from, and what a refused token call means."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from bot.integrations.base import BadToken, CrmError

LABELS = {"hubspot": "HubSpot", "salesforce": "Salesforce"}
TIMEOUT = (5, 30)  # seconds to connect to a CRM's OAuth endpoint, and to read its answer


class Revoked(BadToken):
    """The CRM no longer accepts the workspace's connection (its refresh token was refused, or a token fresh
    from a refresh was refused too): only an admin connecting again brings it back."""


@dataclass(frozen=True)
class OAuthApp:
    """One provider's OAuth app as this deployment registered it."""

    provider: str
    authorize_url: str
    token_url: str
    scopes: tuple[str, ...]
    client_id: str
    client_secret: str = field(repr=False)
    login_host: str | None = None  # Salesforce: which login host (production or sandbox) the admin used

    @property
    def label(self) -> str:
        return LABELS.get(self.provider, self.provider)


@dataclass(frozen=True)
class Grant:
    """What a code or refresh token was traded for. `host`: where the tokens work (Salesforce's instance
    URL); `account`: what may be shown of the account (HubSpot's portal)."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_in: int | None
    host: str | None = None
    account: str | None = None


class AccessToken(Protocol):
    """Where a provider's client gets its bearer token: a fixed one (the environment's), or a workspace's
    connection, refreshed before it expires and once when the CRM refuses it."""

    name: str  # what an error names (a setting, or "this workspace's HubSpot connection")

    def current(self) -> str: ...

    def renewed(self, refused: str) -> str | None:
        """A fresh token after `refused` was refused (401), or None when there is no other to try."""
        ...

    def rejected(self, refused: str) -> None:
        """A token fresh from `renewed` was refused too: the connection is gone (may raise Revoked)."""
        ...


@dataclass
class FixedToken:
    """A token that never changes (HUBSPOT_ACCESS_TOKEN): nothing to renew."""

    token: str = field(repr=False)
    name: str = "HUBSPOT_ACCESS_TOKEN"

    def current(self) -> str:
        return self.token

    def renewed(self, refused: str) -> str | None:
        return None

    def rejected(self, refused: str) -> None:
        return None


def token_source(token: str | AccessToken) -> AccessToken:
    return FixedToken(token) if isinstance(token, str) else token


# The answers that say the refresh token itself is dead (RFC 6749's, and HubSpot's own name for it). A refused
# client id or secret is the operator's to fix and revokes nobody's connection.
REFRESH_TOKEN_REFUSED = frozenset({"invalid_grant", "BAD_REFRESH_TOKEN"})


def refused(app: OAuthApp, fields: dict, status: int, problem: str) -> None:
    """Raise what a refused token call (`status`, the answer's error code `problem`) means: a refresh token the
    CRM refuses is Revoked; anything else (a bad client secret, an outage) may pass."""
    if fields.get("grant_type") == "refresh_token" and problem in REFRESH_TOKEN_REFUSED:
        raise Revoked(f"{app.label} refused the connection's refresh token ({problem})")
    raise CrmError(f"{app.label} refused the token request ({problem}, {status})")
