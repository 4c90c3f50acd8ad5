"""Two workspaces, each connecting its own HubSpot portal from Slack by OAuth: each syncs only its own
deals with its own token, refreshed before it expires and once when HubSpot refuses it; a connection
HubSpot revoked shows in its admin view and stops only that workspace; disconnecting keeps the deals."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import text

from bot.jobs import JOBS
from storage import crm_connections, workspaces
from storage.opportunities import open_opportunities
from tests.crm_connect_fixtures import (  # noqa: F401 - fixtures
    ADMIN,
    PORTAL_A,
    PORTAL_B,
    admin_view,
    button,
    come_back,
    connect,
    portals,
    portals_server,
    two,
    visit_consent,
)

# Installing by link is HTTP mode's (Slack redirects a browser to /slack/install), so these stories are too.
pytestmark = pytest.mark.http_only


def sync(bot):
    return JOBS["crm_sync"].run(bot.services, bot.clock())


def deals_of(bot, team_id: str, owner: str) -> list[str]:
    return sorted(deal.name for deal in open_opportunities(bot.db, team_id, owner, 50)[0])


def test_two_workspaces_each_connect_their_own_portal_and_sync_only_its_deals(two, portals):
    portals.portals[PORTAL_A].add_deal(dealname="Acme renewal", dealstage="qualifiedtobuy", amount="48000",
                                       hubspot_owner_id="501")  # fmt: skip
    portals.portals[PORTAL_B].add_deal(dealname="Globex pilot", dealstage="appointmentscheduled", amount="9000",
                                       hubspot_owner_id="601")  # fmt: skip

    first = connect(two.bot, two.first, portals, PORTAL_A)
    second = connect(two.bot, two.second, portals, PORTAL_B)

    assert first.status == 200 and "HubSpot is connected (account 1001" in first.body
    assert second.status == 200 and "account 2002" in second.body
    report = sync(two.bot)
    assert report.outcomes["synced"] == 2 and report.outcomes["created"] == 2
    assert deals_of(two.bot, "T1", "UADA") == ["Acme renewal"] and deals_of(two.bot, "T1", "UGRACE") == []
    assert deals_of(two.bot, "T2", "UGRACE") == ["Globex pilot"] and deals_of(two.bot, "T2", "UADA") == []
    used = {portals.portal_of(x) for x in portals.api_exchanges() if x.path.startswith("/crm/")}
    assert used == {PORTAL_A, PORTAL_B}, "each portal was read with a token it issued"
    shown = json.dumps(admin_view(two.bot, two.second)["blocks"])
    assert "*HubSpot* is connected (account 2002 (portal-2002.example.com)), by <@U9>" in shown
    with two.bot.db.engine.connect() as connection:
        stored = " ".join(str(row) for row in connection.execute(text("SELECT * FROM crm_connections")))
    assert not any(token in stored for token in [*portals.access, *portals.refresh]), "tokens are kept sealed"


def test_a_change_in_slack_is_written_to_the_workspaces_own_portal(two, portals):
    connect(two.bot, two.first, portals, PORTAL_A)
    connect(two.bot, two.second, portals, PORTAL_B)
    sync(two.bot)  # the first import of each

    assert two.second.command("/opportunity", "new Initech expansion 12k", user="UGRACE").status == 200
    two.bot.slack.wait_for("response_url", 1)
    sync(two.bot)

    assert [d.properties["dealname"] for d in portals.portals[PORTAL_B].live_deals()] == ["Initech expansion"]
    assert portals.portals[PORTAL_A].live_deals() == []


def test_a_token_expiring_mid_sync_is_refreshed_once(two, portals):
    for number in range(3):
        portals.portals[PORTAL_A].add_deal(dealname=f"Acme {number}", dealstage="qualifiedtobuy", amount="10",
                                           hubspot_owner_id="501")  # fmt: skip
    connect(two.bot, two.first, portals, PORTAL_A)

    portals.expire_at_request(PORTAL_A, 3)  # its tokens' life ends during the sync's third request
    report = sync(two.bot)

    assert report.outcomes["created"] == 3 and "stopped" not in report.outcomes
    assert len(portals.token_calls("refresh_token")) == 1
    refused = [x for x in portals.api_exchanges() if x.status == 401]
    assert len(refused) == 1, "one request refused, then the same one again with the fresh token"
    assert crm_connections.connection_of(two.bot.db, "T1").refreshed_at is not None


def test_a_token_about_to_expire_is_refreshed_before_it_is_used(two, portals):
    connect(two.bot, two.first, portals, PORTAL_A)
    sync(two.bot)
    two.bot.clock.advance(minutes=26)  # HubSpot's token lives 30 minutes: four left

    sync(two.bot)

    assert len(portals.token_calls("refresh_token")) == 1
    assert [x for x in portals.api_exchanges() if x.status == 401] == []


def test_a_revoked_connection_shows_in_its_admin_view_and_stops_only_that_workspace(two, portals):
    connect(two.bot, two.first, portals, PORTAL_A)
    connect(two.bot, two.second, portals, PORTAL_B)
    sync(two.bot)

    portals.revoke(PORTAL_B)  # B's admin uninstalled the app in HubSpot
    portals.portals[PORTAL_A].add_deal(dealname="Acme upsell", dealstage="qualifiedtobuy", amount="5",
                                       hubspot_owner_id="501")  # fmt: skip
    report = sync(two.bot)

    assert report.outcomes["synced"] == 1 and report.outcomes["stopped"] == 1
    assert deals_of(two.bot, "T1", "UADA") == ["Acme upsell"]
    assert crm_connections.connection_of(two.bot.db, "T2").status == "revoked"
    view = admin_view(two.bot, two.second)
    shown = json.dumps(view["blocks"])
    assert "HubSpot stopped accepting this workspace's connection" in shown
    assert "Press *Connect HubSpot* below to connect it again" in shown
    button(view, "Connect HubSpot")
    assert "HubSpot* is connected" in json.dumps(admin_view(two.bot, two.first)["blocks"])

    before = len(portals.exchanges)
    report = sync(two.bot)
    assert report.outcomes["synced"] == 1 and "stopped" not in report.outcomes, "T2 is no longer tried"
    assert {portals.portal_of(x) for x in portals.exchanges[before:]} == {PORTAL_A}


def test_a_revoked_workspace_connects_again_and_its_sync_resumes(two, portals):
    connect(two.bot, two.second, portals, PORTAL_B)
    sync(two.bot)
    portals.revoke(PORTAL_B)
    sync(two.bot)

    again = connect(two.bot, two.second, portals, PORTAL_B)

    assert again.status == 200
    portals.portals[PORTAL_B].add_deal(dealname="Globex phase 2", dealstage="qualifiedtobuy", amount="5",
                                       hubspot_owner_id="601")  # fmt: skip
    assert sync(two.bot).outcomes["created"] == 1


def test_disconnecting_deletes_the_tokens_and_keeps_the_deals(two, portals):
    portals.portals[PORTAL_A].add_deal(dealname="Acme renewal", dealstage="qualifiedtobuy", amount="48000",
                                       hubspot_owner_id="501")  # fmt: skip
    connect(two.bot, two.first, portals, PORTAL_A)
    sync(two.bot)
    disconnect = button(admin_view(two.bot, two.first), "Disconnect HubSpot")
    assert disconnect["confirm"]["confirm"]["text"] == "Disconnect"

    before = len(two.bot.slack.of("response_url"))
    pressed = {"action_id": disconnect["action_id"], "value": disconnect["value"]}
    assert two.first.click(pressed, user=ADMIN).status == 200
    reply = two.bot.slack.wait_for("response_url", before + 1)[-1].args

    assert "HubSpot is disconnected" in reply["text"] and "deals it brought stay" in reply["text"]
    assert crm_connections.connection_of(two.bot.db, "T1") is None
    assert portals.refresh == {} and portals.access == {}, "HubSpot was asked to forget the refresh token"
    assert deals_of(two.bot, "T1", "UADA") == ["Acme renewal"]
    before = len(portals.exchanges)
    assert "no workspace has a CRM connected" in sync(two.bot).summary()
    assert len(portals.exchanges) == before
    button(admin_view(two.bot, two.first), "Connect HubSpot")


def test_only_an_admin_sees_the_connect_buttons_or_may_disconnect(two, portals):
    connect(two.bot, two.first, portals, PORTAL_A)

    reply = admin_view(two.bot, two.first, user="U1")
    assert "for this workspace's admins" in reply["text"] and "blocks" not in reply or not reply.get("blocks")
    before = len(two.bot.slack.of("response_url"))
    two.first.click({"action_id": "crm_disconnect", "value": "disconnect"}, user="U1")
    assert "for this workspace's admins" in two.bot.slack.wait_for("response_url", before + 1)[-1].args["text"]
    assert crm_connections.connection_of(two.bot.db, "T1") is not None


def test_an_uninstalled_workspace_is_not_synced_and_the_other_goes_on(two, portals):
    connect(two.bot, two.first, portals, PORTAL_A)
    connect(two.bot, two.second, portals, PORTAL_B)
    sync(two.bot)

    two.second.event({"type": "app_uninstalled"})
    deadline = time.monotonic() + 10
    while "T2" not in workspaces.uninstalled_teams(two.bot.db) and time.monotonic() < deadline:
        time.sleep(0.05)
    before = len(portals.exchanges)
    report = sync(two.bot)

    assert report.outcomes["synced"] == 1 and "skipped: not installed" not in report.outcomes
    assert {portals.portal_of(x) for x in portals.exchanges[before:]} == {PORTAL_A}
