"""Fixtures for the CRM tests: the HubSpot stand-in, Slack users found by email, a bot connected to both.

Test modules import these names so pytest finds them (tests/conftest.py stays as it is).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.integrations.hubspot import HubSpotProvider
from bot.integrations.hubspot_activities import HubSpotActivities
from bot.services.crm_pace import SharedPace
from tests.crm_people import slack_knows_by_email
from tests.hubspot_activities_stand_in import HubSpotActivitiesStandIn
from tests.hubspot_contract import check_exchange
from tests.hubspot_stand_in import TOKEN, HubSpotStandIn


@pytest.fixture(scope="session")
def hubspot_server() -> Iterator[HubSpotStandIn]:
    server = HubSpotActivitiesStandIn().start()  # deals, owners, pipelines, meetings and calls
    yield server
    server.stop()


@pytest.fixture
def hubspot(hubspot_server: HubSpotStandIn, slack) -> Iterator[HubSpotStandIn]:
    """HubSpot emptied per test, with two owners; Slack knows both of them by email. Afterwards every
    exchange the test caused is checked against HubSpot's official client (tests/hubspot_contract.py), and
    not one request may have gone over HubSpot's rate limits (counted on the stand-in's fake clock)."""
    hubspot_server.reset()
    hubspot_server.fake_time()
    hubspot_server.add_owner("501", "ada@example.com", "Ada", "Lovelace")
    hubspot_server.add_owner("502", "grace@example.com", "Grace", "Hopper")
    slack_knows_by_email(slack)
    yield hubspot_server
    for exchange in list(hubspot_server.exchanges):
        check_exchange(exchange, sample=3)
    assert hubspot_server.violations == [], "requests over HubSpot's rate limits"


def pace_for(hubspot: HubSpotStandIn, db, token=TOKEN) -> SharedPace:
    """The portal's pace as the product keeps it (buckets in `db`), on the stand-in's clock: the deal sync
    and the meetings-and-calls reader both spend from it."""
    return SharedPace(db, token, clock=hubspot.time, sleep=hubspot.time.sleep)


def provider_for(hubspot: HubSpotStandIn, db, sleeps: list | None = None, token=TOKEN, pipeline="default"):
    """The product's provider, paced through `db` on the stand-in's clock; its own waits (429s, 5xx
    backoffs) go into `sleeps` when given, and pass on the stand-in's clock too."""
    sleep = sleeps.append if sleeps is not None else hubspot.time.sleep
    return HubSpotProvider(token, pipeline, host=hubspot.base_url, sleep=sleep, pace=pace_for(hubspot, db, token))


def activities_for(hubspot: HubSpotStandIn, db, sleeps: list | None = None, token=TOKEN) -> HubSpotActivities:
    """The meetings-and-calls reader, paced as `provider_for`'s provider is: the same buckets."""
    sleep = sleeps.append if sleeps is not None else hubspot.time.sleep
    return HubSpotActivities(token, host=hubspot.base_url, sleep=sleep, pace=pace_for(hubspot, db, token))


def crm_settings(hubspot: HubSpotStandIn, **overrides) -> dict:
    return {"hubspot_access_token": TOKEN, "hubspot_api_url": hubspot.base_url, "scheduler_enabled": False, **overrides}


@pytest.fixture
def crm_bot(make_bot, hubspot):
    """The real bot, connected to Slack's and HubSpot's stand-ins."""
    return make_bot(**crm_settings(hubspot))
