"""HubSpot's side of OAuth, through HubSpot's official client: trade a code or a refresh token for tokens
(`POST /oauth/v1/token`), read which portal a new token belongs to (`GET /oauth/v1/access-tokens/…`), and
forget a refresh token on disconnect (`DELETE /oauth/v1/refresh-tokens/…`)."""

from __future__ import annotations

import json

import hubspot
from hubspot.oauth import ApiException
from urllib3.exceptions import HTTPError as TransportError

from bot.integrations.base import CrmError
from bot.integrations.oauth_records import TIMEOUT, Grant, OAuthApp, refused


def token_call(app: OAuthApp, fields: dict) -> Grant:
    """HubSpot's token endpoint; a new token's portal is read at once (a code's grant only)."""
    client = hubspot.Client.create(host=app.token_url.removesuffix("/oauth/v1/token"))
    try:
        answer = client.oauth.tokens_api.create(
            **fields, client_id=app.client_id, client_secret=app.client_secret, _request_timeout=TIMEOUT
        )
        account = None
        if fields["grant_type"] == "authorization_code":
            info = client.oauth.access_tokens_api.get(answer.access_token, _request_timeout=TIMEOUT)
            account = f"{info.hub_id}" + (f" ({info.hub_domain})" if info.hub_domain else "")
    except ApiException as error:
        refused(app, fields, error.status or 0, _category(error.body) or str(error.status))
        raise  # refused() always raises; this keeps type checkers content
    except (TransportError, OSError) as error:
        raise CrmError(f"HubSpot could not be reached: {error.__class__.__name__}") from None
    return Grant(answer.access_token, answer.refresh_token, answer.expires_in, host=None, account=account)


def revoke_refresh_token(app: OAuthApp, refresh_token: str) -> None:
    """`DELETE /oauth/v1/refresh-tokens/{token}`: HubSpot forgets it (an already unknown one is fine too)."""
    client = hubspot.Client.create(host=app.token_url.removesuffix("/oauth/v1/token"))
    try:
        client.oauth.refresh_tokens_api.archive(refresh_token, _request_timeout=TIMEOUT)
    except ApiException as error:
        if error.status not in (400, 404):
            raise CrmError(f"HubSpot did not forget the refresh token ({error.status})") from None
    except (TransportError, OSError) as error:
        raise CrmError(f"HubSpot could not be reached: {error.__class__.__name__}") from None


def _category(body) -> str | None:
    try:
        return str(json.loads(body or "{}").get("category") or "") or None
    except (ValueError, AttributeError):
        return None
