"""Fixtures for the stories of two workspaces on two CRMs: T1 connects a HubSpot portal, T2 a Salesforce org,
both from Slack by OAuth, against the HubSpot portals' stand-in and the Salesforce stand-in (whose login host
serves production on 127.0.0.1 and a sandbox on localhost, the same org behind both)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from tests.crm_connect_fixtures import (  # noqa: F401 - fixtures
    ADMIN,
    PUBLIC_URL,
    Workspaces,
    admin_view,
    button,
    come_back,
    connect_settings,
    portals,
    portals_server,
)
from tests.salesforce_fixtures import salesforce, salesforce_server  # noqa: F401 - fixtures
from tests.salesforce_oauth import CLIENT_ID, CLIENT_SECRET
from tests.salesforce_stand_in import SalesforceStandIn
from tests.workspaces import Page, install

CALLBACK = f"{PUBLIC_URL}/crm/oauth/callback"


def sandbox_host(org: SalesforceStandIn) -> str:
    return org.base_url.replace("127.0.0.1", "localhost")


@pytest.fixture
def mixed(make_bot, portals, salesforce) -> Iterator[Workspaces]:  # noqa: F811 - fixtures
    """The bot installed by link in T1 and T2 with both CRMs' apps; U9 is an admin. Grace owns an opportunity
    in the org, so its sync knows her."""
    salesforce.callback_url = CALLBACK
    bot = make_bot(**connect_settings(
        portals, salesforce_client_id=CLIENT_ID, salesforce_client_secret=CLIENT_SECRET,
        salesforce_login_url=salesforce.base_url, salesforce_sandbox_login_url=sandbox_host(salesforce),
    ))  # fmt: skip
    salesforce.at = bot.clock()
    first, second = install(bot, "T1"), install(bot, "T2")
    bot.slack.admins.add(ADMIN)
    yield Workspaces(bot, first, second)


def visit_login_page(url: str) -> requests.Response:
    """The admin's browser at Salesforce's authorize page (its certificate trusted as the product's is)."""
    return requests.get(url, allow_redirects=False, timeout=10)


def connect_salesforce(bot, driver, org: SalesforceStandIn, *, sandbox: bool = False, user: str = ADMIN) -> Page:
    """An admin connects the workspace's Salesforce from Slack, signing in and approving: the final page."""
    link = button(admin_view(bot, driver, user), "Connect a Salesforce sandbox" if sandbox else "Connect Salesforce")
    assert driver.click({"action_id": link["action_id"], "type": "button"}, user=user).status == 200
    org.sign_in_as("grace@globex.example")
    answer = visit_login_page(link["url"])
    assert answer.status_code == 302, answer.text
    return come_back(bot, answer.headers["Location"])
