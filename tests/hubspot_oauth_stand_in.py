"""HubSpot's OAuth for apps, and several HubSpot portals behind one host, as HubSpot has them.

The consent page (`GET /oauth/authorize`: the person picks a portal, `consent_as`, and the browser is
sent back to the app's redirect URL with a code and the state it came with), the token endpoint
(`POST /oauth/v1/token`, form-encoded, `grant_type` authorization_code or refresh_token, the app's client
id and secret checked; HubSpot keeps a refresh token while it lives and issues access tokens that expire
after `lifetime` seconds), the token's portal (`GET /oauth/v1/access-tokens/{token}`) and giving a refresh
token up (`DELETE /oauth/v1/refresh-tokens/{token}`). Every other
request is a portal's: its bearer token says which, and that portal (a tests/hubspot_activities_stand_in
kept in memory) answers it; an expired or unknown token gets HubSpot's 401. `expire` and `revoke` do
what time and an admin uninstalling the app in HubSpot do. Every API exchange is recorded (the consent
page, a browser's, is kept apart) and checked against the official client as the single stand-in's are.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode

from bot.sandbox.served import Served, local_server
from tests.hubspot_activities_stand_in import ACTIVITY_ROUTES, HubSpotActivitiesStandIn
from tests.hubspot_records import Exchange, error, handler_for
from tests.hubspot_stand_in import ROUTES

CLIENT_ID = "5f1c2a7e-hubspot-app"
CLIENT_SECRET = "hubspot-app-secret-0123456789"
APP_ID = 4242
OAUTH_ROUTES = [
    ("POST", r"/oauth/v1/token", "oauth", None, {200: "TokenResponseIF"}),
    ("GET", r"/oauth/v1/access-tokens/(?P<id>[^/]+)", "oauth", None, {200: "AccessTokenInfoResponse"}),
    ("DELETE", r"/oauth/v1/refresh-tokens/(?P<id>[^/]+)", "oauth", None, {204: None}),
]
CONSENT_PATH = "/oauth/authorize"


@dataclass
class Issued:
    portal: str
    expires_at: float  # on time.time()
    user: str


class HubSpotPortals(Served):
    """Portals by id (`portals[id]` is each one's own HubSpot, deals and owners and all) behind one host."""

    routes = [*OAUTH_ROUTES, *ROUTES, *ACTIVITY_ROUTES]

    def __init__(self, *portal_ids: str) -> None:
        self.portals: dict[str, HubSpotActivitiesStandIn] = {}
        for portal_id in portal_ids:
            portal = HubSpotActivitiesStandIn()
            portal._server.server_close()  # answered through this host, never on a port of its own
            portal.authorized = lambda header: True  # the bearer token was checked here, at the door
            self.portals[portal_id] = portal
        self._lock = threading.RLock()
        self.serve(local_server(handler_for(self)))
        self.reset()

    def reset(self) -> None:
        """Every portal emptied, no app installed anywhere, nothing recorded."""
        with self._lock:
            for portal in self.portals.values():
                portal.reset()
            self.exchanges: list[Exchange] = []
            self.lifetime = 1800  # seconds an access token lives (HubSpot's 30 minutes)
            self.codes: dict[str, tuple[str, str, str]] = {}  # code -> (portal, redirect_uri, user)
            self.given_codes: list[str] = []  # every code the consent page gave out
            self.access: dict[str, Issued] = {}
            self.refresh: dict[str, Issued] = {}
            self.consenting: tuple[str, str] | None = None  # (portal, user) the next consent is given for
            self.expire_at: dict[str, int] = {}  # portal -> its API request whose arrival ends its tokens' life
            self.requests: dict[str, int] = {}

    # --- what tests do, as people and time do ---

    def consent_as(self, portal_id: str, user: str = "admin@example.com") -> None:
        """The person at the consent page picks this portal and approves."""
        self.consenting = (portal_id, user)

    def expire_at_request(self, portal_id: str, number: int) -> None:
        """The portal's tokens expire just as its `number`th API request from now arrives (mid-sync)."""
        self.expire_at[portal_id] = self.requests.get(portal_id, 0) + number

    def expire(self, portal_id: str) -> None:
        """The portal's access tokens reach the end of their life (as 30 minutes would)."""
        with self._lock:
            for issued in self.access.values():
                if issued.portal == portal_id:
                    issued.expires_at = time.time() - 1

    def revoke(self, portal_id: str) -> None:
        """The portal's admin uninstalls the app: every token of it stops working, refresh tokens too."""
        with self._lock:
            for table in (self.access, self.refresh):
                for token in [token for token, issued in table.items() if issued.portal == portal_id]:
                    del table[token]

    def token_calls(self, grant_type: str) -> list[Exchange]:
        calls = [x for x in self.exchanges if x.path == "/oauth/v1/token"]
        return [x for x in calls if (x.body or {}).get("grant_type") == grant_type]

    def api_exchanges(self) -> list[Exchange]:
        """What HubSpot's official client sent (the browser's consent page visits left out)."""
        return [x for x in self.exchanges if x.path != CONSENT_PATH]

    def portal_of(self, exchange: Exchange) -> str | None:
        issued = self.access.get(exchange.headers.get("authorization", "").removeprefix("Bearer "))
        return issued.portal if issued else None

    # --- the HTTP side ---

    def _route(self, exchange: Exchange) -> tuple[int, object, dict]:
        if exchange.path == CONSENT_PATH:
            return self._consent(exchange)
        for route in self.routes:
            if route[0] == exchange.method and re.fullmatch(route[1], exchange.path):
                exchange.route = route
                break
        if exchange.path == "/oauth/v1/token" and exchange.method == "POST":
            return self._token(exchange.body or {})
        if exchange.path.startswith("/oauth/v1/access-tokens/"):
            return self._token_info(exchange.path.rsplit("/", 1)[1])
        if exchange.path.startswith("/oauth/v1/refresh-tokens/") and exchange.method == "DELETE":
            return self._forget(exchange.path.rsplit("/", 1)[1])
        issued = self.access.get(exchange.headers.get("authorization", "").removeprefix("Bearer "))
        if issued is not None:
            self.requests[issued.portal] = count = self.requests.get(issued.portal, 0) + 1
            if self.expire_at.get(issued.portal) == count:
                self.expire(issued.portal)
        if issued is None:
            return 401, error("INVALID_AUTHENTICATION", "Authentication credentials not found."), {}
        if issued.expires_at <= time.time():
            return 401, error("EXPIRED_AUTHENTICATION", "The OAuth token used to make this call expired."), {}
        return self.portals[issued.portal]._route(exchange)

    def _consent(self, exchange: Exchange) -> tuple[int, object, dict]:
        """Where the app sends the admin's browser: approve for `consenting`'s portal, back to the app."""
        query = {name: values[0] for name, values in exchange.query.items()}
        if query.get("client_id") != CLIENT_ID or self.consenting is None:
            return 400, error("BAD_CLIENT_ID", "unknown app, or nobody to consent"), {}
        portal, user = self.consenting
        code = secrets.token_hex(12)
        self.codes[code] = (portal, query.get("redirect_uri", ""), user)
        self.given_codes.append(code)
        back = {"code": code, **({"state": query["state"]} if "state" in query else {})}
        return 302, {}, {"Location": f"{query.get('redirect_uri', '')}?{urlencode(back)}"}

    def _token(self, form: dict) -> tuple[int, object, dict]:
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return 400, error("BAD_CLIENT_ID", "missing or invalid client id or secret"), {}
        if form.get("grant_type") == "authorization_code":
            found = self.codes.pop(form.get("code", ""), None)
            if found is None or found[1] != form.get("redirect_uri"):
                return 400, error("BAD_AUTH_CODE", "missing or unknown auth code"), {}
            portal, _, user = found
            refresh = secrets.token_hex(16)
            self.refresh[refresh] = Issued(portal, float("inf"), user)
        elif form.get("grant_type") == "refresh_token":
            refresh = form.get("refresh_token", "")
            if refresh not in self.refresh:
                return 400, error("BAD_REFRESH_TOKEN", "missing or unknown refresh token"), {}
            portal, user = self.refresh[refresh].portal, self.refresh[refresh].user
        else:
            return 400, error("BAD_GRANT_TYPE", "unknown grant type"), {}
        access = "CN" + secrets.token_hex(24)
        self.access[access] = Issued(portal, time.time() + self.lifetime, user)
        answer = {"access_token": access, "refresh_token": refresh, "expires_in": self.lifetime, "token_type": "bearer"}
        return 200, answer, {}

    def _forget(self, refresh: str) -> tuple[int, object, dict]:
        """The app gives a refresh token up: it and the access tokens it issued stop working."""
        issued = self.refresh.pop(refresh, None)
        if issued is None:
            return 404, error("NOT_FOUND", "refresh token not found"), {}
        for token in [token for token, one in self.access.items() if one.portal == issued.portal]:
            del self.access[token]
        return 204, None, {}

    def _token_info(self, token: str) -> tuple[int, object, dict]:
        issued = self.access.get(token)
        if issued is None or issued.expires_at <= time.time():
            return 404, error("NOT_FOUND", "token not found or expired"), {}
        return 200, {
            "token": token, "user": issued.user, "hub_domain": f"portal-{issued.portal}.example.com",
            "scopes": ["oauth", "crm.objects.deals.read"], "hub_id": int(issued.portal), "app_id": APP_ID,
            "expires_in": int(issued.expires_at - time.time()), "user_id": 77, "token_type": "access",
        }, {}  # fmt: skip


def consent_query(url: str) -> dict[str, str]:
    """The query of a consent URL the app built (its client id, redirect URL, scopes and state)."""
    return {name: values[0] for name, values in parse_qs(url.partition("?")[2]).items()}
