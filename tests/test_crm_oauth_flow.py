"""The OAuth machinery is one for every CRM: Salesforce's web server flow (a form-encoded token request with
the app's credentials, the org's instance URL kept, a refused refresh token read as revoked) goes through
the same calls HubSpot's does, against a small token endpoint answering as Salesforce's does."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import pytest

from bot.integrations.base import CrmError
from bot.integrations.oauth import exchange_code, oauth_app, refresh, with_login_host
from bot.integrations.oauth_records import Revoked
from bot.settings import SettingsError, load_settings

CONSUMER_KEY, CONSUMER_SECRET = "3MVG9-consumer-key", "sf-consumer-secret"
BASE = {"slack_bot_token": "xoxb-1", "slack_signing_secret": "s", "_env_file": None,
        "salesforce_client_id": CONSUMER_KEY, "salesforce_client_secret": CONSUMER_SECRET,
        "public_url": "https://coach.example.test"}  # fmt: skip


class SalesforceTokens:
    """Salesforce's `/services/oauth2/token`: one code, one refresh token, JSON answers and errors."""

    def __init__(self) -> None:
        self.forms: list[dict] = []
        self.refresh_tokens = {"5Aep861-refresh"}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                form = dict(parse_qsl(self.rfile.read(int(self.headers["Content-Length"])).decode()))
                outer.forms.append({**form, "path": self.path, "type": self.headers["Content-Type"]})
                status, body = outer.answer(form)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def answer(self, form: dict) -> tuple[int, dict]:
        if (form.get("client_id"), form.get("client_secret")) != (CONSUMER_KEY, CONSUMER_SECRET):
            return 400, {"error": "invalid_client_id", "error_description": "client identifier invalid"}
        granted = {"access_token": "00Dxx0000001gPL!AR8AQ-access", "instance_url": "https://acme.my.salesforce.com",
                   "id": "https://login.salesforce.com/id/00Dxx0000001gPLEAY/005xx000001SwiUAAS",
                   "token_type": "Bearer", "issued_at": "1733526000000", "signature": "c2lnbmF0dXJl"}  # fmt: skip
        if form["grant_type"] == "authorization_code" and form.get("code") == "aPrx-code":
            return 200, {**granted, "refresh_token": "5Aep861-refresh", "scope": "api refresh_token"}
        if form["grant_type"] == "refresh_token" and form.get("refresh_token") in self.refresh_tokens:
            return 200, granted
        return 400, {"error": "invalid_grant", "error_description": "expired access/refresh token"}


@pytest.fixture
def salesforce():
    tokens = SalesforceTokens()
    yield tokens
    tokens.server.shutdown()
    tokens.server.server_close()


def test_a_sandbox_code_is_traded_on_the_sandbox_host_and_keeps_the_orgs_instance(salesforce):
    app = oauth_app(load_settings(**BASE), "salesforce", sandbox=True)
    assert app.login_host == "https://test.salesforce.com" and CONSUMER_SECRET not in repr(app)

    grant = exchange_code(with_login_host(app, salesforce.url), "aPrx-code", "https://coach.example.test/cb")

    [form] = salesforce.forms
    assert form["path"] == "/services/oauth2/token" and form["type"] == "application/x-www-form-urlencoded"
    assert form["grant_type"] == "authorization_code" and form["redirect_uri"] == "https://coach.example.test/cb"
    assert grant.host == "https://acme.my.salesforce.com" and grant.account == "00Dxx0000001gPLEAY"
    assert grant.refresh_token == "5Aep861-refresh" and grant.expires_in is None
    assert "5Aep861" not in repr(grant)


def test_a_refresh_goes_to_the_orgs_own_host_and_a_refused_refresh_token_is_revoked(salesforce):
    app = with_login_host(oauth_app(load_settings(**BASE), "salesforce"), salesforce.url)

    assert refresh(app, "5Aep861-refresh").access_token.startswith("00Dxx")
    salesforce.refresh_tokens.clear()  # the admin revoked the app's access in Salesforce
    with pytest.raises(Revoked, match="invalid_grant"):
        refresh(app, "5Aep861-refresh")


def test_a_refused_code_is_a_passing_error_not_a_revocation(salesforce):
    app = with_login_host(oauth_app(load_settings(**BASE), "salesforce"), salesforce.url)
    with pytest.raises(CrmError) as refused:
        exchange_code(app, "stale-code", "https://coach.example.test/cb")
    assert not isinstance(refused.value, Revoked) and "invalid_grant" in str(refused.value)


def test_a_wrong_client_secret_is_the_operators_to_fix_and_revokes_no_connection(salesforce):
    settings = load_settings(**{**BASE, "salesforce_client_secret": "typo"})
    app = with_login_host(oauth_app(settings, "salesforce"), salesforce.url)
    with pytest.raises(CrmError) as refused:
        refresh(app, "5Aep861-refresh")
    assert not isinstance(refused.value, Revoked) and "invalid_client_id" in str(refused.value)
    assert "typo" not in str(refused.value)


def test_the_login_hosts_are_settings_for_a_my_domain_or_a_stand_in():
    settings = load_settings(**BASE, salesforce_login_url="https://acme.my.salesforce.com/",
                             salesforce_sandbox_login_url="https://acme--uat.sandbox.my.salesforce.com")  # fmt: skip

    assert oauth_app(settings, "salesforce").token_url == "https://acme.my.salesforce.com/services/oauth2/token"
    sandbox = oauth_app(settings, "salesforce", sandbox=True)
    assert sandbox.authorize_url == "https://acme--uat.sandbox.my.salesforce.com/services/oauth2/authorize"
    with pytest.raises(SettingsError, match="SALESFORCE_LOGIN_URL: must be an http"):
        load_settings(**BASE, salesforce_login_url="login.salesforce.com")
