"""`python -m bot crm status|sync` where each workspace connected its own CRM from Slack: one line per
workspace (its CRM, connected or revoked, its last sync, its waiting writes, never a token), each synced with
its own tokens, `--workspace` to pick one, and an unknown workspace one line and exit status 2."""

from __future__ import annotations

import re
from datetime import date

import pytest

from tests.crm_connect_fixtures import PORTAL_A, connect, portals, portals_server  # noqa: F401 - fixtures
from tests.crm_two_crms_fixtures import connect_salesforce, mixed, salesforce, salesforce_server  # noqa: F401
from tests.test_cli import bot_cli

pytestmark = pytest.mark.http_only  # installing by link is HTTP mode's
AGE = r"last sync (never|just now|\d+ (min|h|days) ago)"


def crm_cli(mixed, *args: str):
    """The command as an operator runs it on the server: the deployment's own settings, its database."""
    settings = mixed.bot.services.settings
    names = ("slack_client_id", "slack_client_secret", "slack_state_secret", "encryption_key", "public_url",
             "hubspot_client_id", "hubspot_client_secret", "hubspot_api_url", "salesforce_client_id",
             "salesforce_client_secret", "salesforce_login_url", "salesforce_sandbox_login_url")  # fmt: skip
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SLACK_SIGNING_SECRET", settings.slack_signing_secret)
        for name in names:
            patch.setenv(name.upper(), str(getattr(settings, name)))
        done = bot_cli("crm", *args, slack=mixed.bot.slack, database_url=mixed.bot.db.url)
    return done


def no_secret_in(done, portals, salesforce) -> bool:
    said = done.stdout + done.stderr
    secrets = [*portals.access, *portals.refresh, *salesforce.granted, *salesforce.refresh_tokens]
    return bool(secrets) and not any(secret in said for secret in secrets)


@pytest.fixture
def connected(mixed, portals, salesforce):
    portals.portals[PORTAL_A].add_deal(dealname="Acme renewal", dealstage="qualifiedtobuy", amount="48000",
                                       hubspot_owner_id="501")  # fmt: skip
    salesforce.add_opportunity("Globex pilot", "Qualification", salesforce.grace, 9000, date(2027, 3, 31))
    connect(mixed.bot, mixed.first, portals, PORTAL_A)
    connect_salesforce(mixed.bot, mixed.second, salesforce)
    return mixed


def test_status_is_one_line_per_workspace_and_never_a_token(connected, portals, salesforce):
    done = crm_cli(connected, "status")

    assert done.returncode == 0, done.stderr
    first, second = done.stdout.strip().splitlines()
    assert first == "T1: HubSpot, connected, last sync never, 0 writes waiting in the outbox"
    assert second == "T2: Salesforce, connected, last sync never, 0 writes waiting in the outbox"
    assert no_secret_in(done, portals, salesforce)


def test_sync_takes_every_workspace_with_its_own_tokens_and_status_shows_what_waits(connected, portals, salesforce):
    done = crm_cli(connected, "sync")

    assert done.returncode == 0, done.stderr
    first, second = done.stdout.strip().splitlines()
    assert first.startswith("T1 (HubSpot): CRM sync: 1 new") and second.startswith("T2 (Salesforce): CRM sync: 1 new")
    used = {portals.portal_of(x) for x in portals.api_exchanges() if x.path.startswith("/crm/")}
    assert used == {PORTAL_A}
    sessions = {x.headers.get("authorization", "").removeprefix("Bearer ") for x in salesforce.exchanges
                if x.route not in ("authorize", "token", "revoke")}  # fmt: skip
    assert sessions <= set(salesforce.granted) and sessions
    before = len(connected.bot.slack.of("response_url"))
    assert connected.second.command("/opportunity", "new Initech expansion 12k", user="UGRACE").status == 200
    connected.bot.slack.wait_for("response_url", before + 1)

    status = crm_cli(connected, "status")

    first, second = status.stdout.strip().splitlines()
    assert re.fullmatch(rf"T1: HubSpot, connected, {AGE}, 0 writes waiting in the outbox", first)
    assert re.fullmatch(rf"T2: Salesforce, connected, {AGE}, [1-9] writes? waiting in the outbox", second)
    assert no_secret_in(status, portals, salesforce)


def test_one_workspace_is_picked_with_its_team_id(connected, portals, salesforce):
    before = len(portals.exchanges)

    done = crm_cli(connected, "sync", "--workspace", "T2")

    assert done.returncode == 0, done.stderr
    [line] = done.stdout.strip().splitlines()
    assert line.startswith("T2 (Salesforce): CRM sync: 1 new")
    assert len(portals.exchanges) == before, "T1's HubSpot was left alone"
    status = crm_cli(connected, "status", "--workspace", "T2")
    assert status.returncode == 0 and status.stdout.startswith("T2: Salesforce, connected")
    assert "Stages (SALESFORCE_STAGE_MAP overrides)" in status.stdout
    assert "T1" not in status.stdout and no_secret_in(status, portals, salesforce)


def test_an_unknown_workspace_is_one_line_and_exit_status_2(connected):
    for action in ("status", "sync"):
        done = crm_cli(connected, action, "--workspace", "T404")
        assert done.returncode == 2 and done.stdout == ""
        assert done.stderr.strip().splitlines() == [
            "Workspace T404 has no CRM here: `python -m bot crm status` lists those that do."
        ]


def test_a_revoked_connection_stops_only_its_workspace_and_shows_as_revoked(connected, portals, salesforce):
    crm_cli(connected, "sync")
    salesforce.revoke_app()

    done = crm_cli(connected, "sync")

    assert done.returncode == 2, "a refused connection is the run's error"
    assert done.stdout.strip().startswith("T1 (HubSpot): CRM sync:")
    assert done.stderr.strip().splitlines() == [
        "T2 (Salesforce): CRM sync stopped: Salesforce refused the connection's refresh token (invalid_grant)"
    ]
    status = crm_cli(connected, "status")
    assert re.search(rf"^T2: Salesforce, revoked, {AGE}, 0 writes waiting in the outbox$", status.stdout, re.M)
    again = crm_cli(connected, "sync")
    assert again.returncode == 0 and again.stdout.startswith("T1 (HubSpot): CRM sync:")
    assert again.stderr.strip() == "T2 (Salesforce): not synced: its connection was revoked: its admin connects it " \
                                   "again with /opportunity admin crm"  # fmt: skip
    assert no_secret_in(again, portals, salesforce)
