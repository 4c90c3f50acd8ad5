"""OAuth 2.0 for the CRMs a workspace connects from Slack: one table of each provider's endpoints and scopes,
and one way to trade an authorization code or a refresh token for tokens.

The flow is the same for every provider (the authorization code grant with a client secret, then refresh
tokens); what differs is written down here once: HubSpot's OAuth for apps (app.hubspot.com to consent,
`POST /oauth/v1/token` through HubSpot's official client), Salesforce's web server flow on the production
or sandbox login host (SALESFORCE_LOGIN_URL, SALESFORCE_SANDBOX_LOGIN_URL; `/services/oauth2/authorize` and
`/services/oauth2/token`, form-encoded), its calls made with `requests` as simple-salesforce makes the org's
(so the same REQUESTS_CA_BUNDLE and proxy settings reach both). Client secrets and tokens are fields no repr
shows; errors name the provider and the answer, never a secret.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import urlencode

import requests

from bot.integrations.base import CrmError
from bot.integrations.oauth_records import TIMEOUT, Grant, OAuthApp, refused

HUBSPOT_APP = "https://app.hubspot.com"
HUBSPOT_API = "https://api.hubapi.com"
SALESFORCE_LOGIN = {False: "https://login.salesforce.com", True: "https://test.salesforce.com"}
# What the sync reads and writes (deals, owners, pipelines, our deal-key property, contacts' emails and
# companies' domains for meetings): the private app's scopes, as an OAuth app asks for them.
HUBSPOT_SCOPES = (
    "oauth", "crm.objects.deals.read", "crm.objects.deals.write", "crm.objects.owners.read",
    "crm.schemas.deals.read", "crm.schemas.deals.write", "crm.objects.contacts.read", "crm.objects.companies.read",
)  # fmt: skip
SALESFORCE_SCOPES = ("api", "refresh_token")


def oauth_app(settings, provider: str, sandbox: bool = False) -> OAuthApp | None:
    """The provider's OAuth app from the settings (None when this deployment has none). HUBSPOT_API_URL,
    set for a stand-in, serves HubSpot's consent page and token endpoint too."""
    client_id = getattr(settings, f"{provider}_client_id", None)
    secret = getattr(settings, f"{provider}_client_secret", None)
    if not client_id or not secret:
        return None
    if provider == "hubspot":
        api = settings.hubspot_api_url or HUBSPOT_API
        consent = settings.hubspot_api_url or HUBSPOT_APP
        return OAuthApp(provider, f"{consent}/oauth/authorize", f"{api}/oauth/v1/token", HUBSPOT_SCOPES, client_id,
                        secret)  # fmt: skip
    if provider == "salesforce":
        chosen = settings.salesforce_sandbox_login_url if sandbox else settings.salesforce_login_url
        login = chosen or SALESFORCE_LOGIN[bool(sandbox)]
        return OAuthApp(provider, f"{login}/services/oauth2/authorize", f"{login}/services/oauth2/token",
                        SALESFORCE_SCOPES, client_id, secret, login_host=login)  # fmt: skip
    return None


def with_login_host(app: OAuthApp, login_host: str | None) -> OAuthApp:
    """Salesforce's app on the login host the admin consented on (the token call must go to the same)."""
    if not login_host or app.login_host is None or login_host == app.login_host:
        return app
    return OAuthApp(app.provider, f"{login_host}/services/oauth2/authorize", f"{login_host}/services/oauth2/token",
                    app.scopes, app.client_id, app.client_secret, login_host)  # fmt: skip


def authorize_url(app: OAuthApp, redirect_uri: str, state: str) -> str:
    """Where the admin's browser goes to consent; the provider sends it back to `redirect_uri`."""
    query = {"client_id": app.client_id, "redirect_uri": redirect_uri, "scope": " ".join(app.scopes), "state": state}
    if app.provider == "salesforce":
        query["response_type"] = "code"
    return f"{app.authorize_url}?{urlencode(query)}"


def exchange_code(app: OAuthApp, code: str, redirect_uri: str) -> Grant:
    """The authorization code traded for tokens (CrmError when the provider refuses or cannot be reached)."""
    fields = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    return _token_call(app)(app, fields)


def refresh(app: OAuthApp, refresh_token: str) -> Grant:
    """A fresh access token; Revoked when the provider refuses the refresh token itself."""
    return _token_call(app)(app, {"grant_type": "refresh_token", "refresh_token": refresh_token})


def revoke(app: OAuthApp, refresh_token: str, host: str | None = None) -> None:
    """Tell the CRM to forget the refresh token (a disconnect); CrmError when it could not be told."""
    if app.provider == "hubspot":
        from bot.integrations.hubspot_oauth import revoke_refresh_token

        revoke_refresh_token(app, refresh_token)
        return
    base = host or app.login_host or ""
    answer = _post(app, f"{base}/services/oauth2/revoke", {"token": refresh_token})
    if answer.status_code not in (200, 204):
        raise CrmError(f"{app.label} did not forget the token ({answer.status_code})")


TokenCall = Callable[[OAuthApp, dict], Grant]


def _token_call(app: OAuthApp) -> TokenCall:
    if app.provider == "hubspot":
        from bot.integrations.hubspot_oauth import token_call

        return token_call
    return form_token_call


def form_token_call(app: OAuthApp, fields: dict) -> Grant:
    """RFC 6749's token request, form-encoded with the client's credentials (Salesforce's token endpoint).
    A 400 `invalid_grant` or a 401 on a refresh is Revoked."""
    body = {**fields, "client_id": app.client_id, "client_secret": app.client_secret}
    answer = _post(app, app.token_url, body)
    try:
        data = json.loads(answer.content or b"{}")
    except ValueError:
        data = {}
    if answer.status_code != 200 or not data.get("access_token"):
        problem = str(data.get("error") or answer.status_code)
        refused(app, fields, answer.status_code, problem)
    expires = data.get("expires_in")
    return Grant(data["access_token"], data.get("refresh_token"), int(expires) if expires else None,
                 host=data.get("instance_url"), account=_org_of(data.get("id")))  # fmt: skip


def _post(app: OAuthApp, url: str, form: dict) -> requests.Response:
    """One form-encoded POST, never retried (a code is good once); CrmError when it could not be made."""
    try:
        return requests.post(url, data=form, headers={"Accept": "application/json"}, timeout=TIMEOUT,
                             allow_redirects=False)  # fmt: skip
    except requests.RequestException as error:
        raise CrmError(f"{app.label} could not be reached: {error.__class__.__name__}") from None


def _org_of(identity: str | None) -> str | None:
    """Salesforce's identity URL (…/id/ORG/USER) names the org: what the admin view shows."""
    parts = (identity or "").split("/id/")[-1].split("/")
    return parts[0] or None if identity else None
