"""Fixtures for the stories of a workspace connecting its own CRM: two HubSpot portals behind one host
(tests/hubspot_oauth_stand_in.py), the bot installed by link in two workspaces, and an admin's way
through the OAuth round trip (Slack's command, the button's link, the consent page's redirect, the callback)."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.crm_people import slack_knows_by_email
from tests.hubspot_contract import check_exchange
from tests.hubspot_oauth_stand_in import CLIENT_ID, CLIENT_SECRET, HubSpotPortals
from tests.workspaces import ENCRYPTION_KEY, OAUTH, Page, get, install, site

PORTAL_A, PORTAL_B = "1001", "2002"  # HubSpot hub ids
PUBLIC_URL = "https://coach.example.test"
ADMIN = "U9"


@pytest.fixture(scope="session")
def portals_server() -> Iterator[HubSpotPortals]:
    server = HubSpotPortals(PORTAL_A, PORTAL_B).start()
    yield server
    server.stop()


@pytest.fixture
def portals(portals_server: HubSpotPortals, slack) -> Iterator[HubSpotPortals]:
    """Two portals, emptied per test: Ada owns deals in A, Grace in B (Slack knows both by email). Afterwards
    every exchange is checked against HubSpot's official client."""
    portals_server.reset()
    portals_server.portals[PORTAL_A].add_owner("501", "ada@example.com", "Ada", "Lovelace")
    portals_server.portals[PORTAL_B].add_owner("601", "grace@example.com", "Grace", "Hopper")
    slack_knows_by_email(slack)
    yield portals_server
    for exchange in portals_server.api_exchanges():
        check_exchange(exchange, sample=3)


def connect_settings(portals: HubSpotPortals, **overrides) -> dict:
    return {**OAUTH, "hubspot_client_id": CLIENT_ID, "hubspot_client_secret": CLIENT_SECRET,
            "hubspot_api_url": portals.base_url, "public_url": PUBLIC_URL, "encryption_key": ENCRYPTION_KEY,
            "scheduler_enabled": False, **overrides}  # fmt: skip


@dataclass
class Workspaces:
    bot: object
    first: object  # T1's driver
    second: object  # T2's driver


@pytest.fixture
def two(make_bot, portals) -> Workspaces:
    """The bot installed by link in T1 and T2; U9 is an admin."""
    bot = make_bot(**connect_settings(portals))
    first, second = install(bot, "T1"), install(bot, "T2")
    bot.slack.admins.add(ADMIN)
    return Workspaces(bot, first, second)


def admin_view(bot, driver, user: str = ADMIN) -> dict:
    """`/opportunity admin crm`, as `user` types it: the reply."""
    before = len(bot.slack.of("response_url"))
    assert driver.command("/opportunity", "admin crm", user=user).status == 200
    return bot.slack.wait_for("response_url", before + 1)[-1].args


def button(reply: dict, text: str) -> dict:
    for block in reply.get("blocks") or []:
        for element in block.get("elements") or []:
            if element.get("type") == "button" and element["text"]["text"] == text:
                return element
    raise AssertionError(f"no {text!r} button in {reply.get('text')!r}")


class _Stay(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the test follows the redirect itself


def visit_consent(url: str) -> str:
    """The admin's browser at the CRM's consent page (who consents is the stand-in's `consent_as`):
    where it is sent back to."""
    try:
        urllib.request.build_opener(_Stay).open(url, timeout=10)
    except urllib.error.HTTPError as answer:
        assert answer.code == 302, answer.read()
        return answer.headers["Location"]
    raise AssertionError("the consent page did not send the browser back")


def come_back(bot, location: str) -> Page:
    """The browser arrives at the bot's callback (PUBLIC_URL, served by this test's bot)."""
    assert location.startswith(f"{PUBLIC_URL}/crm/oauth/callback?"), location
    return get(site(bot) + location.removeprefix(PUBLIC_URL))


def connect(bot, driver, portals: HubSpotPortals, portal_id: str, user: str = ADMIN) -> Page:
    """An admin connects the workspace's HubSpot from Slack, consenting for `portal_id`: the final page."""
    link = button(admin_view(bot, driver, user), "Connect HubSpot")
    assert driver.click({"action_id": link["action_id"], "type": "button"}, user=user).status == 200
    portals.consent_as(portal_id)
    return come_back(bot, visit_consent(link["url"]))
