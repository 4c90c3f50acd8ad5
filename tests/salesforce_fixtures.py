"""Fixtures for the Salesforce tests: the stand-in, Slack users found by email, a bot connected to both.

Test modules import these names so pytest finds them (tests/conftest.py stays as it is).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.services.salesforce_connection import salesforce_provider
from tests.crm_people import slack_knows_by_email
from tests.hubspot_limits import FakeTime
from tests.salesforce_stand_in import TOKEN, SalesforceStandIn


@pytest.fixture(scope="session")
def salesforce_server() -> Iterator[SalesforceStandIn]:
    server = SalesforceStandIn().start()
    yield server
    server.stop()


@pytest.fixture
def salesforce(salesforce_server: SalesforceStandIn, slack, monkeypatch) -> Iterator[SalesforceStandIn]:
    """Salesforce emptied per test, with two users Slack knows by email (their ids in `salesforce.ada`,
    `.grace`). `requests` trusts the stand-in's certificate for the test. Afterwards, not one request may
    have been one simple-salesforce would not make (`drift`)."""
    salesforce_server.reset()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(salesforce_server.certificate))
    salesforce_server.ada = salesforce_server.add_user("Ada@example.com", "Ada Lovelace")
    salesforce_server.grace = salesforce_server.add_user("grace@example.com", "Grace Hopper")
    slack_knows_by_email(slack)
    yield salesforce_server
    assert salesforce_server.drift == [], "requests simple-salesforce would not make"


def salesforce_settings(salesforce: SalesforceStandIn, **overrides) -> dict:
    return {"salesforce_instance_url": salesforce.base_url, "salesforce_access_token": TOKEN,
            "scheduler_enabled": False, **overrides}  # fmt: skip


@pytest.fixture
def sf_bot(make_bot, salesforce):
    """The real bot, connected to Slack's and Salesforce's stand-ins, their clocks together at the start."""
    bot = make_bot(**salesforce_settings(salesforce))
    salesforce.at = bot.clock()
    return bot


def provider_for(bot, time: FakeTime | None = None, sleeps: list | None = None, **options):
    """The product's provider as the sync builds it, its pace kept in the bot's database: on `time` (a
    clock that passes only when slept) when given, its waits also listed in `sleeps`."""
    time = time or FakeTime()

    def sleep(seconds: float) -> None:
        if sleeps is not None:
            sleeps.append(seconds)
        time.sleep(seconds)

    return salesforce_provider(bot.services, sleep=sleep, pace_clock=time, bulk_wait=0.01, **options)
