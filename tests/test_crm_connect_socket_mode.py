"""In Socket Mode, Slack comes over the socket, but a CRM still sends the admin's browser back over HTTP: a
small listener serves the callback and /healthz, and never Slack's route."""

from __future__ import annotations

import threading

from bot.server import make_wsgi
from storage import crm_connections
from tests.conftest import QuietHandler, QuietThreadingServer
from tests.crm_connect_fixtures import (  # noqa: F401 - fixtures
    ADMIN,
    PORTAL_A,
    PUBLIC_URL,
    admin_view,
    button,
    connect_settings,
    portals,
    portals_server,
    visit_consent,
)
from tests.workspaces import get


def test_in_socket_mode_the_callback_has_a_listener_of_its_own_without_slacks_route(make_bot, portals):
    bot = make_bot(**{**connect_settings(portals), "slack_client_id": None, "slack_client_secret": None,
                      "slack_bot_token": "xoxb-test-token"})  # fmt: skip
    bot.slack.admins.add(ADMIN)
    server = QuietThreadingServer(("127.0.0.1", 0), QuietHandler)
    server.set_app(make_wsgi(None, bot.db, bot.services, slack_events=False))
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    here = f"http://127.0.0.1:{server.server_port}"
    try:
        assert get(f"{here}/slack/events").status == 404
        assert get(f"{here}/healthz").status == 200
        link = button(admin_view(bot, bot.driver), "Connect HubSpot")
        portals.consent_as(PORTAL_A)
        back = visit_consent(link["url"]).removeprefix(PUBLIC_URL)
        assert get(here + back).status == 200
    finally:
        server.shutdown()
        server.server_close()
    assert crm_connections.connection_of(bot.db, "T1").connected
