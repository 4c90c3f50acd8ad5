"""The OAuth round trip is bound to one admin and one workspace: a state that is unknown, expired or used
once already is refused with a friendly page; a cancelled consent connects nothing; two instances
refreshing one connection at the same moment spend its refresh token once; no secret reaches a log."""

from __future__ import annotations

import json
import logging
import threading

import pytest

from bot.jobs import JOBS
from bot.services.crm_accounts import WorkspaceToken
from storage import crm_connections
from tests.crm_connect_fixtures import (  # noqa: F401 - fixtures
    ADMIN,
    PORTAL_A,
    PORTAL_B,
    PUBLIC_URL,
    admin_view,
    button,
    come_back,
    connect,
    portals,
    portals_server,
    two,
    visit_consent,
)
from tests.hubspot_oauth_stand_in import CLIENT_ID, CLIENT_SECRET, consent_query
from tests.workspaces import get, site

pytestmark = pytest.mark.http_only  # installed by link: HTTP mode's


def test_the_consent_link_asks_hubspot_for_the_scopes_the_sync_needs_and_comes_back_to_the_bot(two, portals):
    query = consent_query(button(admin_view(two.bot, two.first), "Connect HubSpot")["url"])

    assert query["client_id"] == CLIENT_ID and query["redirect_uri"] == f"{PUBLIC_URL}/crm/oauth/callback"
    assert {"crm.objects.deals.write", "crm.objects.owners.read", "crm.schemas.deals.write"} <= set(
        query["scope"].split()
    )
    assert len(query["state"]) >= 40 and CLIENT_SECRET not in json_of(admin_view(two.bot, two.first))


def json_of(reply: dict) -> str:
    return json.dumps(reply)


def test_a_made_up_state_is_refused_with_a_friendly_page(two, portals):
    page = get(f"{site(two.bot)}/crm/oauth/callback?code=abc&state=made-up")

    assert page.status == 400 and "This link has expired or was already used" in page.body
    assert "Traceback" not in page.body and crm_connections.connection_of(two.bot.db, "T1") is None


def test_a_state_used_once_is_refused_the_second_time(two, portals):
    link = button(admin_view(two.bot, two.first), "Connect HubSpot")
    portals.consent_as(PORTAL_A)
    back = visit_consent(link["url"])
    assert come_back(two.bot, back).status == 200

    replayed = come_back(two.bot, back)

    assert replayed.status == 400 and "already used" in replayed.body
    assert len(portals.token_calls("authorization_code")) == 1, "the replay never reached HubSpot"


def test_a_state_older_than_ten_minutes_is_refused(two, portals):
    link = button(admin_view(two.bot, two.first), "Connect HubSpot")
    two.bot.clock.advance(minutes=11)
    portals.consent_as(PORTAL_A)

    late = come_back(two.bot, visit_consent(link["url"]))

    assert late.status == 400 and "expired" in late.body
    assert crm_connections.connection_of(two.bot.db, "T1") is None


def test_the_state_binds_the_connection_to_the_admin_and_workspace_that_pressed_connect(two, portals):
    link = button(admin_view(two.bot, two.second), "Connect HubSpot")  # T2's admin
    portals.consent_as(PORTAL_B)

    come_back(two.bot, visit_consent(link["url"]))

    assert crm_connections.connection_of(two.bot.db, "T1") is None
    connection = crm_connections.connection_of(two.bot.db, "T2")
    assert connection.connected_by == ADMIN and connection.account.startswith(PORTAL_B)


def test_a_cancelled_consent_connects_nothing_and_says_how_to_try_again(two, portals):
    state = consent_query(button(admin_view(two.bot, two.first), "Connect HubSpot")["url"])["state"]

    page = get(f"{site(two.bot)}/crm/oauth/callback?error=access_denied&state={state}")

    assert page.status == 400 and "was not connected" in page.body and "try again" in page.body
    assert crm_connections.connection_of(two.bot.db, "T1") is None


def test_two_instances_refreshing_at_once_spend_the_refresh_token_once(two, portals):
    connect(two.bot, two.first, portals, PORTAL_A)
    services = two.bot.services.for_team("T1")
    first, second = WorkspaceToken(services, "T1", "HubSpot"), WorkspaceToken(services, "T1", "HubSpot")
    refused = first.current()
    assert second.current() == refused
    fresh: list[str] = []
    racers = [threading.Thread(target=lambda t=token: fresh.append(t.renewed(refused))) for token in (first, second)]

    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(timeout=30)

    assert len(portals.token_calls("refresh_token")) == 1
    assert len(fresh) == 2 and fresh[0] == fresh[1] != refused


def test_no_secret_reaches_a_log_while_connecting_and_refreshing(two, portals, caplog):
    caplog.set_level(logging.DEBUG)
    connect(two.bot, two.first, portals, PORTAL_A)
    portals.expire_at_request(PORTAL_A, 1)
    JOBS["crm_sync"].run(two.bot.services, two.bot.clock())

    assert len(portals.token_calls("refresh_token")) == 1
    secrets = [CLIENT_SECRET, *portals.access, *portals.refresh, *portals.given_codes]
    logged = caplog.text + " ".join(str(record.args) for record in caplog.records)
    assert [secret for secret in secrets if secret in logged] == []


def test_salesforce_connects_through_its_web_server_flow_on_production_or_a_sandbox(make_bot, portals):
    from tests.crm_connect_fixtures import connect_settings
    from tests.workspaces import install

    bot = make_bot(**connect_settings(portals, salesforce_client_id="3MVG9-consumer-key",
                                      salesforce_client_secret="sf-consumer-secret"))  # fmt: skip
    driver = install(bot, "T1")
    bot.slack.admins.add(ADMIN)
    view = admin_view(bot, driver)

    production = button(view, "Connect Salesforce")["url"]
    sandbox = button(view, "Connect a Salesforce sandbox")["url"]
    assert production.startswith("https://login.salesforce.com/services/oauth2/authorize?")
    assert sandbox.startswith("https://test.salesforce.com/services/oauth2/authorize?")
    query = consent_query(sandbox)
    assert query["response_type"] == "code" and query["scope"] == "api refresh_token"
    assert query["redirect_uri"] == f"{PUBLIC_URL}/crm/oauth/callback" and query["client_id"] == "3MVG9-consumer-key"
    assert query["state"] != consent_query(production)["state"]
    button(view, "Connect HubSpot")


def test_rotating_the_key_re_seals_the_crm_tokens_and_the_sync_goes_on(make_bot, two, portals):
    from bot.keys import sweep
    from bot.sealed import SecretBox, new_key
    from tests.crm_connect_fixtures import connect_settings
    from tests.workspaces import ENCRYPTION_KEY

    portals.portals[PORTAL_A].add_deal(dealname="Acme renewal", dealstage="qualifiedtobuy", amount="5",
                                       hubspot_owner_id="501")  # fmt: skip
    connect(two.bot, two.first, portals, PORTAL_A)
    newer = new_key()

    swept = sweep(two.bot.db, SecretBox(f"{newer},{ENCRYPTION_KEY}"), rotate=True)

    assert swept.resealed >= 2 and swept.unreadable == 0  # the access and refresh tokens among them
    renewed = make_bot(**connect_settings(portals, encryption_key=newer))  # the old key gone
    report = JOBS["crm_sync"].run(renewed.services, renewed.clock())
    assert report.outcomes["created"] == 1 and "stopped" not in report.outcomes
