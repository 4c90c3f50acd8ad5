"""The Salesforce stand-in's OAuth 2.0 web server flow, as a connected app meets it on a login host
(login.salesforce.com, test.salesforce.com, or an org's My Domain: the stand-in is all of them).

`GET /services/oauth2/authorize` is the browser's page: with nobody signed in (`sign_in_as`) it is the
login page (200, HTML); with an unknown client id or a redirect URI other than the app's callback URL it is
Salesforce's error page (400, HTML: it never sends a browser to an unregistered address); once the person
approves, a 302 back to the callback URL with a code (`aPrx…==`, as Salesforce's end, so it must be
URL-decoded) and the state, or with `error=access_denied` when they deny. `POST /services/oauth2/token`
trades a code (once, for the redirect URI it was given for) or a refresh token for an access token,
answering access_token, refresh_token (the code grant only), signature, scope, instance_url, id,
token_type and issued_at, and Salesforce's errors (`invalid_client_id`, `invalid_client`,
`invalid_grant`, `redirect_uri_mismatch`, `unsupported_grant_type`). `POST /services/oauth2/revoke` forgets
a refresh token and every session it issued. `revoke_app` is the org's admin revoking the app's access;
`expire_sessions` / `expire_at_request` are a session timing out.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

CLIENT_ID, CLIENT_SECRET = "stand-in-consumer-key", "stand-in-consumer-secret"
ORG_ID, USER_ID = "00D000000000001AAA", "005000000000001AAA"
REFRESH_TOKEN = "5Aep861-stand-in-refresh"  # issued before any test: the environment's own connection
SCOPES = "api refresh_token"
LOGIN_PAGE = b"<html><head><title>Login | Salesforce</title></head><body>Username, Password</body></html>"
# the browser's query, as the product's authorize_url builds it
AUTHORIZE_PARAMS = {"response_type", "client_id", "redirect_uri", "scope", "state"}
FORM = "application/x-www-form-urlencoded"


def _oauth_error(code: str, description: str, status: int = 400):
    return status, {"error": code, "error_description": description}, {}


def _error_page(code: str, description: str):
    return 400, f"<html><body>error={code}&amp;error_description={description}</body></html>".encode(), {}


class OAuthServer:
    """Mixed into the stand-in, which calls `reset_oauth` from its reset and routes the three paths here."""

    def reset_oauth(self) -> None:
        self.callback_url: str | None = None  # the connected app's Callback URL (None: any, for older tests)
        self.signed_in: str | None = None  # who is signed in at the login page and approves
        self.denies = False
        self.codes: dict[str, str] = {}  # code -> the redirect URI it was given for
        self.refresh_tokens: dict[str, set[str]] = {REFRESH_TOKEN: set()}  # each, and the sessions it issued
        self.granted: list[str] = []  # every access token the token endpoint gave out, in order
        self.expire_at: set[int] = set()  # the API requests whose arrival ends every session
        self.api_requests = 0

    # --- what tests do, as people and time do ---

    def sign_in_as(self, username: str, denies: bool = False) -> None:
        """Someone signs in at the login page (and approves the app, unless `denies`)."""
        self.signed_in, self.denies = username, denies

    def revoke_app(self) -> None:
        """The org's admin revokes the app's access (Connected Apps OAuth Usage): its refresh tokens and
        every session they issued stop working."""
        with self._lock:
            for sessions in self.refresh_tokens.values():
                self.tokens -= sessions
            self.refresh_tokens = {}

    def expire_at_request(self, *numbers: int) -> None:
        """Every session expires just as each `number`th API request from now arrives (mid-sync)."""
        self.expire_at = {self.api_requests + number for number in numbers}

    def token_calls(self, grant_type: str) -> list:
        return [x for x in self.requests_to("token") if x.form().get("grant_type") == grant_type]

    # --- the HTTP side ---

    def _count_api_request(self) -> None:
        self.api_requests += 1
        if self.api_requests in self.expire_at:
            self.expire_sessions()

    def _authorize(self, exchange):
        query = {name: values[0] for name, values in exchange.query.items()}
        if query.get("client_id") != CLIENT_ID:
            return _error_page("invalid_client_id", "client identifier invalid")
        redirect = query.get("redirect_uri", "")
        if self.callback_url is not None and redirect != self.callback_url:
            return _error_page("redirect_uri_mismatch", "redirect_uri must match configuration")
        if query.get("response_type") != "code":
            return _error_page("unsupported_response_type", "response type not supported")
        if self.signed_in is None:
            return 200, LOGIN_PAGE, {}
        state = {"state": query["state"]} if "state" in query else {}
        if self.denies:
            back = {"error": "access_denied", "error_description": "end-user denied authorization", **state}
        else:
            code = "aPrx" + secrets.token_urlsafe(24) + "=="
            self.codes[code] = redirect
            back = {"code": code, **state}
        return 302, b"", {"Location": f"{redirect}?{urlencode(back)}"}

    def _token(self, exchange):
        form = exchange.form()
        if form.get("client_id") != CLIENT_ID:
            return _oauth_error("invalid_client_id", "client identifier invalid")
        if form.get("client_secret") != CLIENT_SECRET:
            return _oauth_error("invalid_client", "invalid client credentials")
        grant = form.get("grant_type")
        if grant == "authorization_code":
            given_for = self.codes.pop(form.get("code", ""), None)
            if given_for is None:
                return _oauth_error("invalid_grant", "authentication failure")
            if given_for != form.get("redirect_uri"):
                return _oauth_error("redirect_uri_mismatch", "redirect_uri must match configuration")
            refresh = "5Aep861" + secrets.token_urlsafe(32)
            self.refresh_tokens[refresh] = set()
        elif grant == "refresh_token":
            refresh = form.get("refresh_token", "")
            if refresh not in self.refresh_tokens:
                return _oauth_error("invalid_grant", "expired access/refresh token")
        else:
            return _oauth_error("unsupported_grant_type", "grant type not supported")
        self.issued += 1
        token = f"{ORG_ID[:15]}!stand-in-session-{self.issued}"
        self.tokens.add(token)
        self.refresh_tokens[refresh].add(token)
        self.granted.append(token)
        answer = {"access_token": token, "signature": "c3RhbmQtaW4tc2lnbmF0dXJl", "scope": SCOPES,
                  "instance_url": self.base_url, "id": f"{self.base_url}/id/{ORG_ID}/{USER_ID}",
                  "token_type": "Bearer", "issued_at": "1800000000000"}  # fmt: skip
        if grant == "authorization_code":
            answer["refresh_token"] = refresh
        return 200, answer, {}

    def _revoke(self, exchange):
        refresh = exchange.form().get("token", "")
        sessions = self.refresh_tokens.pop(refresh, None)
        if sessions is None:
            if refresh in self.tokens:  # an access token: that session alone ends
                self.tokens.discard(refresh)
                return 200, b"", {}
            return _oauth_error("unsupported_token_type", "this token type is not supported")
        self.tokens -= sessions
        return 200, b"", {}
