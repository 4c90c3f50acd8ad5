"""A workspace installs Pipeline Coach by link: the install page sends the person to Slack's consent
screen, Slack redirects back with a code, the bot exchanges it (oauth.v2.access) and keeps the workspace's
own token in our database; a rotating token is refreshed before it expires; an uninstall removes it."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from urllib.parse import urlencode

import pytest
from sqlalchemy import select, update

from bot.app import create_services
from bot.jobs import JOBS
from bot.sealed import SecretBox
from storage import workspaces
from storage.installations import BOTS, INSTALLATIONS
from tests.workspaces import CLIENT_ID, ENCRYPTION_KEY, OAUTH, get, install, site, start_install, token_of

# Installing by link is HTTP mode's: Slack redirects a browser to /slack/install and /slack/oauth_redirect.
pytestmark = pytest.mark.http_only


@pytest.fixture
def oauth_bot(make_bot):
    return make_bot(**OAUTH)


def bots_of(db, team_id: str) -> list[dict]:
    """The workspace's bot rows, their tokens decrypted (stored, they are encrypted: test_secrets_at_rest.py)."""
    box = SecretBox(ENCRYPTION_KEY)
    with db.engine.connect() as connection:
        rows = connection.execute(select(BOTS).where(BOTS.c.team_id == team_id)).mappings()
        return [{**row, "bot_token": box.open(row["bot_token"]), "sealed": row["bot_token"]} for row in rows]


def test_the_install_link_leads_to_slacks_consent_with_our_scopes(oauth_bot):
    consent, state, cookie = start_install(oauth_bot)
    assert f"client_id={CLIENT_ID}" in consent
    assert "commands" in consent and "chat%3Awrite" in consent.replace(":", "%3A")
    assert state in cookie, "the browser carries the state, so the redirect can be matched to it"


def test_the_redirect_exchanges_the_code_for_the_workspaces_own_token(oauth_bot):
    install(oauth_bot, "T2")
    [exchange] = oauth_bot.slack.of("oauth.v2.access")
    assert exchange.args["code"] == "code-T2"
    [stored] = bots_of(oauth_bot.db, "T2")
    assert stored["bot_token"] == "xoxb-T2-1" and stored["client_id"] == CLIENT_ID
    assert "xoxb-T2-1" not in stored["sealed"], "kept encrypted"
    with oauth_bot.db.engine.connect() as connection:
        assert connection.execute(select(INSTALLATIONS.c.team_id)).scalars().all() == ["T2"]


def test_a_redirect_with_a_forged_state_installs_nothing(oauth_bot):
    oauth_bot.slack.add_workspace("T2")
    _, state, cookie = start_install(oauth_bot)
    forged = state.rsplit(".", 1)[0] + ".0000"
    page = get(f"{site(oauth_bot)}/slack/oauth_redirect?code=code-T2&state={forged}", cookie.replace(state, forged))
    assert page.status >= 400
    assert oauth_bot.slack.of("oauth.v2.access") == []
    assert bots_of(oauth_bot.db, "T2") == []


def test_a_request_is_answered_with_its_workspaces_token(oauth_bot):
    driver = install(oauth_bot, "T2")
    oauth_bot.slack.reset_calls()
    reply = driver.command("/opportunity", "new Acme renewal")
    assert reply.status == 200
    oauth_bot.slack.wait_for("response_url")
    [celebration] = oauth_bot.slack.wait_for("chat.postMessage")
    assert token_of(celebration) == "xoxb-T2-1"


def test_a_workspace_that_never_installed_is_not_served(oauth_bot):
    install(oauth_bot, "T2")
    reply = oauth_bot.driver.command("/opportunity", "new Acme renewal", team="T9")
    oauth_bot.slack.settle()
    assert oauth_bot.slack.of("chat.postMessage") == []
    assert "Opened" not in reply.body


def expire_soon(db, team_id: str) -> None:
    """Half an hour left on the stored token: inside the two-hour window in which it is refreshed."""
    soon = datetime.fromtimestamp(time.time() + 30 * 60)
    with db.engine.begin() as connection:
        connection.execute(update(BOTS).where(BOTS.c.team_id == team_id).values(bot_token_expires_at=soon))


def test_an_expiring_token_is_refreshed_before_a_request_uses_it(oauth_bot):
    driver = install(oauth_bot, "T3", rotating=True, expires_in=12 * 3600)
    expire_soon(oauth_bot.db, "T3")
    driver.command("/opportunity", "new Acme renewal")
    [celebration] = oauth_bot.slack.wait_for("chat.postMessage")
    refreshes = [call for call in oauth_bot.slack.of("oauth.v2.access") if call.args.get("grant_type")]
    assert refreshes and refreshes[0].args["refresh_token"] == "xoxe-T3-1"
    assert token_of(celebration) != "xoxb-T3-1", "the expiring token was replaced before it was used"
    assert bots_of(oauth_bot.db, "T3")[0]["bot_token"] == token_of(celebration)


def test_a_job_refreshes_an_expiring_token_before_it_sends(oauth_bot, clock):
    driver = install(oauth_bot, "T3", rotating=True, expires_in=12 * 3600)
    driver.command("/opportunity", "new Acme renewal")
    oauth_bot.slack.wait_for("chat.postMessage")
    assert not [call for call in oauth_bot.slack.of("oauth.v2.access") if call.args.get("grant_type")]
    expire_soon(oauth_bot.db, "T3")

    services = create_services(oauth_bot.services.settings, db=oauth_bot.db, clock=clock)
    client = services.client_for("T3")
    assert client.token == "xoxb-T3-2"
    assert bots_of(oauth_bot.db, "T3")[0]["bot_token"] == "xoxb-T3-2"
    JOBS["digest"].run(services, clock() + timedelta(days=7))
    assert len([call for call in oauth_bot.slack.of("oauth.v2.access") if call.args.get("grant_type")]) == 1


def test_uninstalling_removes_the_installation_and_stops_the_workspace(oauth_bot):
    driver = install(oauth_bot, "T2")
    install(oauth_bot, "T4")
    driver.event({"type": "app_uninstalled"})
    deadline = time.monotonic() + 5
    while bots_of(oauth_bot.db, "T2") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert bots_of(oauth_bot.db, "T2") == []
    assert "T2" in workspaces.uninstalled_teams(oauth_bot.db)
    assert [row["bot_token"] for row in bots_of(oauth_bot.db, "T4")] == ["xoxb-T4-1"]


def test_installing_again_after_an_uninstall_resumes_the_workspace(oauth_bot):
    driver = install(oauth_bot, "T2")
    driver.event({"type": "app_uninstalled"})
    deadline = time.monotonic() + 5
    while "T2" not in workspaces.uninstalled_teams(oauth_bot.db) and time.monotonic() < deadline:
        time.sleep(0.05)
    install(oauth_bot, "T2")
    assert "T2" not in workspaces.uninstalled_teams(oauth_bot.db)
    assert bots_of(oauth_bot.db, "T2")[0]["bot_token"] == "xoxb-T2-2"


def test_two_workspaces_of_one_enterprise_grid_org_stay_apart(oauth_bot):
    """The same org, the same person: each workspace is its own install, its own token, its own data."""
    first = install(oauth_bot, "T5", enterprise_id="E1")
    install(oauth_bot, "T6", enterprise_id="E1")
    assert oauth_bot.services.client_for("T5").token == "xoxb-T5-1"
    assert oauth_bot.services.client_for("T6").token == "xoxb-T6-1"
    body = urlencode(
        {"team_id": "T5", "enterprise_id": "E1", "user_id": "U1", "command": "/opportunity", "text": "new Acme",
         "channel_id": "C1", "response_url": first.response_url, "trigger_id": "t1", "api_app_id": "A1"}
    )  # fmt: skip
    assert first.post(body, "application/x-www-form-urlencoded").status == 200
    [celebration] = oauth_bot.slack.wait_for("chat.postMessage")
    assert token_of(celebration) == "xoxb-T5-1"
