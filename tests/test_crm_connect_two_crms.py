"""Two workspaces on two CRMs, each connected from Slack by OAuth: T1's admin connects a HubSpot portal, T2's
a Salesforce org (the web server flow). Each syncs only its own deals with its own tokens; a Salesforce
session that expires mid-sync is refreshed once each time (a fresh one refused too ends the connection); a
Salesforce connection its org revoked shows in T2's admin view and stops T2 alone; a deal opened in Slack
reaches T2's org exactly once; a sandbox is connected on the sandbox login host."""

from __future__ import annotations

import json
from datetime import date

import pytest

from bot.jobs import JOBS
from storage import crm_connections
from storage.opportunities import open_opportunities
from tests.crm_connect_fixtures import PORTAL_A, admin_view, button, come_back, connect
from tests.crm_two_crms_fixtures import (  # noqa: F401 - fixtures
    CALLBACK,
    connect_salesforce,
    mixed,
    portals,
    portals_server,
    salesforce,
    salesforce_server,
    sandbox_host,
    visit_login_page,
)
from tests.salesforce_rest import KEY_FIELD
from tests.salesforce_stand_in import TOKEN

pytestmark = pytest.mark.http_only  # installing by link is HTTP mode's


def sync(bot):
    return JOBS["crm_sync"].run(bot.services, bot.clock())


def deals_of(bot, team_id: str, owner: str) -> list[str]:
    return sorted(deal.name for deal in open_opportunities(bot.db, team_id, owner, 50)[0])


def bearer(exchange) -> str:
    return exchange.headers.get("authorization", "").removeprefix("Bearer ")


def org_api(salesforce) -> list:
    """What the product asked of the org's API (the login host's OAuth calls left out)."""
    return [x for x in salesforce.exchanges if x.route not in ("authorize", "token", "revoke")]


def both_connected(mixed, portals, salesforce) -> None:
    assert connect(mixed.bot, mixed.first, portals, PORTAL_A).status == 200
    assert connect_salesforce(mixed.bot, mixed.second, salesforce).status == 200


def test_each_workspace_connects_its_own_crm_and_syncs_only_its_deals_with_its_own_tokens(mixed, portals, salesforce):
    portals.portals[PORTAL_A].add_deal(dealname="Acme renewal", dealstage="qualifiedtobuy", amount="48000",
                                       hubspot_owner_id="501")  # fmt: skip
    salesforce.add_opportunity("Globex pilot", "Qualification", salesforce.grace, 9000, date(2027, 3, 31))

    hubspot_page = connect(mixed.bot, mixed.first, portals, PORTAL_A)
    salesforce_page = connect_salesforce(mixed.bot, mixed.second, salesforce)

    assert "HubSpot is connected (account 1001" in hubspot_page.body
    assert "Salesforce is connected (account 00D000000000001AAA)" in salesforce_page.body
    [code_grant] = salesforce.token_calls("authorization_code")
    assert code_grant.form()["redirect_uri"] == CALLBACK and code_grant.form()["code"].endswith("==")
    report = sync(mixed.bot)
    assert report.outcomes["synced"] == 2 and report.outcomes["created"] == 2
    assert deals_of(mixed.bot, "T1", "UADA") == ["Acme renewal"] and deals_of(mixed.bot, "T1", "UGRACE") == []
    assert deals_of(mixed.bot, "T2", "UGRACE") == ["Globex pilot"] and deals_of(mixed.bot, "T2", "UADA") == []
    used = {portals.portal_of(x) for x in portals.api_exchanges() if x.path.startswith("/crm/")}
    assert used == {PORTAL_A}, "HubSpot was read with T1's token alone"
    assert {bearer(x) for x in org_api(salesforce)} == {salesforce.granted[0]}, "the org, with T2's own session"
    assert TOKEN not in {bearer(x) for x in org_api(salesforce)}
    shown = json.dumps(admin_view(mixed.bot, mixed.second)["blocks"])
    assert "*Salesforce* is connected (account 00D000000000001AAA), by <@U9>" in shown
    assert "Stages (SALESFORCE_STAGE_MAP overrides)" in shown


def test_a_sandbox_is_connected_on_the_sandbox_login_host(mixed, salesforce):
    page = connect_salesforce(mixed.bot, mixed.second, salesforce, sandbox=True)

    assert page.status == 200 and "Salesforce is connected" in page.body
    [authorize] = salesforce.requests_to("authorize")
    [code_grant] = salesforce.token_calls("authorization_code")
    sandbox = sandbox_host(salesforce).removeprefix("https://")
    assert authorize.headers["host"] == code_grant.headers["host"] == sandbox, "the code is traded where it was given"
    assert crm_connections.connection_of(mixed.bot.db, "T2").host == salesforce.base_url, "the org's own instance"


def test_a_person_who_denies_access_connects_nothing(mixed, salesforce):
    link = button(admin_view(mixed.bot, mixed.second), "Connect Salesforce")
    salesforce.sign_in_as("grace@globex.example", denies=True)
    back = visit_login_page(link["url"]).headers["Location"]
    page = come_back(mixed.bot, back)
    assert "Salesforce was not connected (the connection was cancelled)" in page.body
    assert crm_connections.connection_of(mixed.bot.db, "T2") is None
    assert salesforce.token_calls("authorization_code") == []


@pytest.mark.parametrize("expiring", [(2,), (2, 5)], ids=["once", "twice"])
def test_a_salesforce_session_expiring_mid_sync_is_refreshed_each_time_and_the_sync_completes(
    mixed, portals, salesforce, expiring
):
    both_connected(mixed, portals, salesforce)
    sync(mixed.bot)
    for number in range(3):
        salesforce.add_opportunity(f"Globex {number}", "Qualification", salesforce.grace, 10, date(2027, 1, 1))
    mixed.bot.clock.advance(minutes=5)

    salesforce.expire_at_request(*expiring)  # the session times out as these requests of the sync arrive
    report = sync(mixed.bot)

    assert report.outcomes["synced"] == 2 and "stopped" not in report.outcomes
    assert deals_of(mixed.bot, "T2", "UGRACE") == ["Globex 0", "Globex 1", "Globex 2"]
    assert len(salesforce.token_calls("refresh_token")) == len(expiring), "a fresh session each time"
    refused = [x for x in org_api(salesforce) if x.status == 401]
    assert len(refused) == len(expiring), "each refused request sent again on the fresh session"
    assert crm_connections.connection_of(mixed.bot.db, "T2").refreshed_at is not None
    assert bearer(org_api(salesforce)[-1]) == salesforce.granted[-1] != salesforce.granted[0]


def test_a_session_refused_again_right_after_its_refresh_ends_the_connection(mixed, portals, salesforce):
    both_connected(mixed, portals, salesforce)
    sync(mixed.bot)

    salesforce.expire_at_request(1, 2)  # the session is refused, and so is the fresh one
    report = sync(mixed.bot)

    assert report.outcomes["synced"] == 1 and report.outcomes["stopped"] == 1
    assert len(salesforce.token_calls("refresh_token")) == 1, "one refresh, never a loop of them"
    connection = crm_connections.connection_of(mixed.bot.db, "T2")
    assert connection.status == "revoked" and "refused a token fresh from a refresh" in connection.reason
    before = len(salesforce.exchanges)
    sync(mixed.bot)
    assert salesforce.exchanges[before:] == [], "a revoked connection is not tried again"


def test_a_revoked_salesforce_connection_shows_in_its_admin_view_and_stops_only_that_workspace(
    mixed, portals, salesforce
):
    both_connected(mixed, portals, salesforce)
    sync(mixed.bot)

    salesforce.revoke_app()  # T2's Salesforce admin revoked the app's access in the org
    portals.portals[PORTAL_A].add_deal(dealname="Acme upsell", dealstage="qualifiedtobuy", amount="5",
                                       hubspot_owner_id="501")  # fmt: skip
    report = sync(mixed.bot)

    assert report.outcomes["synced"] == 1 and report.outcomes["stopped"] == 1
    assert deals_of(mixed.bot, "T1", "UADA") == ["Acme upsell"]
    [refused] = salesforce.token_calls("refresh_token")
    assert refused.status == 400, "Salesforce answered invalid_grant"
    assert crm_connections.connection_of(mixed.bot.db, "T2").status == "revoked"
    view = admin_view(mixed.bot, mixed.second)
    shown = json.dumps(view["blocks"])
    assert "Salesforce stopped accepting this workspace's connection" in shown
    assert "Press *Connect Salesforce* below to connect it again" in shown
    assert "invalid_grant" in shown, "the one line says what Salesforce answered"
    button(view, "Connect Salesforce")
    assert "HubSpot* is connected" in json.dumps(admin_view(mixed.bot, mixed.first)["blocks"])

    before = len(salesforce.exchanges)
    portals.portals[PORTAL_A].add_deal(dealname="Acme phase 2", dealstage="qualifiedtobuy", amount="5",
                                       hubspot_owner_id="501")  # fmt: skip
    report = sync(mixed.bot)
    assert report.outcomes["synced"] == 1 and "stopped" not in report.outcomes, "T2 is no longer tried"
    assert salesforce.exchanges[before:] == [] and deals_of(mixed.bot, "T1", "UADA") == ["Acme phase 2", "Acme upsell"]


def test_a_deal_opened_in_slack_reaches_the_workspaces_own_org_exactly_once(mixed, portals, salesforce):
    salesforce.add_opportunity("Globex pilot", "Qualification", salesforce.grace, 9000, date(2027, 3, 31))
    both_connected(mixed, portals, salesforce)
    sync(mixed.bot)  # the first import: our external-id field made, Grace matched

    before = len(mixed.bot.slack.of("response_url"))
    assert mixed.second.command("/opportunity", "new Initech expansion 12k", user="UGRACE").status == 200
    mixed.bot.slack.wait_for("response_url", before + 1)
    sync(mixed.bot)
    sync(mixed.bot)

    made = [one for one in salesforce.opportunities() if one["Name"] == "Initech expansion"]
    assert len(made) == 1 and made[0][KEY_FIELD].startswith("T2-") and made[0]["OwnerId"] == salesforce.grace
    assert len(salesforce.requests_to("collection_upsert")) == 1
    assert {bearer(x) for x in salesforce.requests_to("collection_upsert")} == {salesforce.granted[0]}
    assert portals.portals[PORTAL_A].live_deals() == [], "T1's portal heard nothing of it"


def test_disconnecting_salesforce_asks_the_org_to_forget_the_refresh_token(mixed, portals, salesforce):
    both_connected(mixed, portals, salesforce)
    disconnect = button(admin_view(mixed.bot, mixed.second), "Disconnect Salesforce")

    before = len(mixed.bot.slack.of("response_url"))
    pressed = {"action_id": disconnect["action_id"], "value": disconnect["value"]}
    assert mixed.second.click(pressed, user="U9").status == 200
    mixed.bot.slack.wait_for("response_url", before + 1)

    [forgotten] = salesforce.requests_to("revoke")
    assert forgotten.status == 200 and forgotten.path == "/services/oauth2/revoke"
    assert salesforce.tokens.isdisjoint(salesforce.granted), "its sessions ended with it"
    assert crm_connections.connection_of(mixed.bot.db, "T2") is None
    assert crm_connections.connection_of(mixed.bot.db, "T1").connected
