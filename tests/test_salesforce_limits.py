"""A big org comes in through Bulk API 2.0 once, then costs a handful of requests a sync; the bot keeps to
its share of the org's daily API allowance, slowing down before it, and an expired session is refreshed once."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.integrations.salesforce_client import Session, token_refresh
from bot.services.crm_push import run_sync
from storage.opportunities import open_opportunities
from tests.hubspot_limits import FakeTime
from tests.salesforce_fixtures import provider_for, salesforce, salesforce_server, sf_bot  # fixtures
from tests.salesforce_oauth import CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN
from tests.salesforce_stand_in import TOKEN


def sync(bot, **options):
    return run_sync(bot.services, bot.clock(), provider=provider_for(bot, **options))


def add_many(salesforce, count: int) -> None:
    """`count` opportunities, made a minute apart over the weeks before (as an org's history is)."""
    salesforce.advance(timedelta(minutes=-count))
    for number in range(count):
        salesforce.advance(timedelta(minutes=1))
        owner = salesforce.ada if number % 2 else salesforce.grace
        salesforce.add_opportunity(f"Deal {number}", "Qualification", owner, 1000 + number, date(2027, 3, 31))


@pytest.mark.timeout(600)  # 20,000 records into the database: minutes on a busy machine
def test_20000_opportunities_come_in_through_bulk_api_then_a_quiet_sync_costs_a_handful(sf_bot, salesforce):
    add_many(salesforce, 20_000)

    report = sync(sf_bot)

    assert report.error is None and report.created == 20_000
    jobs = salesforce.requests_to("bulk_create")
    assert len(jobs) == 1 and "ORDER BY" not in jobs[0].json()["query"]
    assert len(salesforce.requests_to("bulk_results")) == 3, "20,000 rows in pages of 8,000, by Sforce-Locator"
    assert salesforce.requests_to("query_more") == []
    assert open_opportunities(sf_bot.db, "T1", "UADA", 1)[1] == 10_000

    quiet = []
    for _ in range(2):
        salesforce.advance(timedelta(minutes=10))
        before = len(salesforce.exchanges)
        report = sync(sf_bot)
        assert (report.created, report.updated) == (0, 0) and report.unchanged <= 6, "the look-back's, skipped"
        quiet.append(len(salesforce.exchanges) - before)
    assert quiet[0] == quiet[1] <= 5, "user list, stages, describe, one query, getDeleted"
    assert salesforce.requests_to("bulk_create") == jobs


def test_a_change_within_the_look_back_is_read_once_and_applied_once(sf_bot, salesforce):
    deal = salesforce.add_opportunity("Acme", "Qualification", salesforce.ada, 100, date(2027, 1, 1))
    sync(sf_bot)
    salesforce.update_opportunity(deal, Amount=250.0)
    assert sync(sf_bot).updated == 1
    report = sync(sf_bot)  # the change is still within the 5-minute look-back: read again, skipped
    assert (report.updated, report.unchanged) == (0, 1)


def test_the_limit_headers_slow_the_sync_well_before_the_allowance_is_reached(sf_bot, salesforce):
    salesforce.api_max, salesforce.page_size = 2_000, 5  # a quarter is 500 a day, an hour of it about 21
    for number in range(150):
        salesforce.add_opportunity(f"Deal {number}", "Qualification", salesforce.ada, 10, date(2027, 1, 1))
    sleeps: list[float] = []

    report = sync(sf_bot, sleeps=sleeps)

    assert report.error is None and report.created == 150
    requests = report.requests
    assert requests > 30 and salesforce.over_limit == 0
    assert len(sleeps) >= requests - 22, "past an hour's share at once, every request waits its turn"
    assert sorted(sleeps)[1] > 170, "the share spread over the day: (500 - 21) a day, three minutes apart"
    assert salesforce.api_used < 0.25 * salesforce.api_max


def test_an_org_close_to_its_allowance_stops_the_sync_before_salesforce_refuses(sf_bot, salesforce):
    salesforce.add_opportunity("Acme", "Qualification", salesforce.ada, 10, date(2027, 1, 1))
    salesforce.api_max, salesforce.api_used = 1_000, 897  # other integrations spent most of it

    report = sync(sf_bot)

    assert "nearly spent" in report.error and salesforce.over_limit == 0
    assert salesforce.api_used == 900


def test_request_limit_exceeded_stops_the_run_with_one_line(sf_bot, salesforce):
    salesforce.api_used = salesforce.api_max

    report = sync(sf_bot)

    assert report.error == "Salesforce's daily API allowance is used up (REQUEST_LIMIT_EXCEEDED)"
    assert salesforce.over_limit == 1


def test_an_expired_session_is_refreshed_once_and_the_sync_goes_on(sf_bot, salesforce):
    salesforce.add_opportunity("Acme", "Qualification", salesforce.ada, 10, date(2027, 1, 1))
    token_url = salesforce.base_url + "/services/oauth2/token"
    refresh = token_refresh(token_url, CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN)
    session = Session(salesforce.base_url, TOKEN)
    sync(sf_bot, session=session, refresh=refresh)

    salesforce.expire_sessions()
    salesforce.add_opportunity("Globex", "Qualification", salesforce.ada, 10, date(2027, 1, 1))
    report = sync(sf_bot, session=session, refresh=refresh)

    assert report.error is None and report.created == 1
    assert len(salesforce.requests_to("token")) == 1
    unauthorised = [x for x in salesforce.exchanges if x.status == 401]
    assert len(unauthorised) == 1, "one refused request, then the refreshed session"


def test_an_expired_session_without_a_way_to_refresh_stops_with_one_line(sf_bot, salesforce):
    salesforce.expire_sessions()

    report = sync(sf_bot, time=FakeTime())

    assert report.bad_token and "expired or was revoked" in report.error
    assert TOKEN not in report.error


def test_a_refused_login_stops_the_run_with_one_line_and_no_request(sf_bot, salesforce):
    from bot.integrations.base import BadToken
    from bot.integrations.salesforce import SalesforceProvider

    def refused():
        raise BadToken("Salesforce refused the login: check SALESFORCE_USERNAME, SALESFORCE_PASSWORD and …")

    report = run_sync(sf_bot.services, sf_bot.clock(), provider=SalesforceProvider(None, refresh=refused))

    assert report.bad_token and report.error.startswith("Salesforce refused the login")
    assert salesforce.exchanges == []
