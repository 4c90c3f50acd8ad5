"""HubSpot is never asked for more than it allows: 100 requests in any 10 seconds, 5 searches a second.

The stand-in counts every request on its own clock and answers 429 past either limit, as HubSpot does;
the `hubspot` fixture fails any test that went over. Its clock is a fake one that moves only when the
client's pacing sleeps, so minutes of pacing take no wall-clock time and nothing depends on luck.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.integrations.hubspot import HubSpotProvider
from bot.services.crm_accounts import account_for, make_activities, make_provider
from bot.services.crm_push import after_change, run_sync
from storage.db import Database
from storage.models import CrmPace
from storage.opportunities import NewOpportunity, create_opportunity
from tests.hubspot_fixtures import activities_for, crm_bot, hubspot, hubspot_server, provider_for  # fixtures
from tests.hubspot_stand_in import TOKEN

SEARCH = "/crm/v3/objects/deals/search"
MONDAY = datetime(2026, 11, 23, tzinfo=UTC)


def add_deals(hubspot, count: int) -> None:
    for number in range(count):
        hubspot.add_deal(dealname=f"Deal {number}", dealstage="qualifiedtobuy", amount="10", hubspot_owner_id="501")


def test_the_stand_in_refuses_a_client_that_does_not_pace_itself(hubspot):
    add_deals(hubspot, 1_200)
    unpaced = HubSpotProvider(TOKEN, "default", host=hubspot.base_url, sleep=hubspot.time.sleep)

    assert len(list(unpaced.changed_deals(None))) == 1_200  # six search pages at one instant: the sixth is refused

    assert hubspot.violations == ["over 5 searches in 1 s at 1800000000.000"]
    assert [x.status for x in hubspot.of("POST", SEARCH)][-2:] == [429, 200], "retried after its Retry-After"
    hubspot.violations.clear()  # this test broke the limit on purpose


def test_a_first_sync_of_ten_thousand_deals_stays_under_both_limits(crm_bot, hubspot):
    add_deals(hubspot, 10_000)
    started = hubspot.time()

    report = run_sync(crm_bot.services, crm_bot.clock(), provider=provider_for(hubspot, crm_bot.db))

    assert report.created == 10_000 and hubspot.violations == []
    searches = hubspot.of("POST", SEARCH)
    assert len(searches) == 50 and {x.status for x in searches} == {200}
    assert hubspot.time() - started >= (50 - 1) / 2, "50 searches at two a second: the pacing did the waiting"


def test_a_backlog_of_a_thousand_writes_drains_under_the_limit(crm_bot, hubspot):
    run_sync(crm_bot.services, crm_bot.clock(), provider=provider_for(hubspot, crm_bot.db))  # owners matched
    for number in range(1_000):
        opened = create_opportunity(
            crm_bot.db, "T1", "UADA", NewOpportunity(name=f"Deal {number}", stage="Discovery"), crm_bot.clock()
        )
        after_change(crm_bot.services, opened)
    started = hubspot.time()

    while len(hubspot.live_deals()) < 1_000:  # each run sends up to 200 writes
        report = run_sync(crm_bot.services, crm_bot.clock(), provider=provider_for(hubspot, crm_bot.db))
        assert report.error is None

    creates = [x for x in hubspot.of("POST", "/crm/v3/objects/deals") if x.path == "/crm/v3/objects/deals"]
    assert len(creates) == 1_000 and {x.status for x in creates} == {201}
    assert hubspot.violations == []
    assert hubspot.time() - started >= (1_000 - 10) / 8, "8 a second after a burst of 10"


def test_two_processes_calling_hubspot_at_once_share_one_pace(hubspot, db):
    """Each with its own database engine, as two processes would have: the buckets they share are rows."""
    add_deals(hubspot, 1_000)
    errors: list[Exception] = []

    def process(database: Database) -> None:
        try:
            provider = provider_for(hubspot, database)
            for _ in range(4):
                ids = [deal.id for deal in provider.changed_deals(None)]  # 5 searches
                assert len(provider.read_deals(ids)) == 1_000  # 10 batch reads
        except Exception as error:  # reported below, in the test's own thread
            errors.append(error)

    other = Database(db.url)
    try:
        threads = [threading.Thread(target=process, args=(database,)) for database in (db, other)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
    finally:
        other.dispose()

    assert errors == []
    assert len(hubspot.exchanges) == 2 * (1 + 4 * 15) and {x.status for x in hubspot.exchanges} == {200}
    assert hubspot.violations == []


def test_reading_meetings_and_calls_between_deal_reads_keeps_the_portal_under_its_limits(hubspot, db):
    """The meetings-and-calls reader spends from the deal sync's buckets: taking turns, again and again,
    they keep one pace (with a budget each, they would make up to 16 requests a second, over HubSpot's 10)."""
    add_deals(hubspot, 1_000)
    for number in range(450):
        starts = MONDAY + timedelta(minutes=number)
        hubspot.add_meeting(starts, starts + timedelta(minutes=25), contacts=[hubspot.add_contact()])
    provider, reader = provider_for(hubspot, db), activities_for(hubspot, db)
    ids = [deal.id for deal in provider.changed_deals(None)]
    started, rounds = hubspot.time(), 8

    for _ in range(rounds):
        assert len(provider.read_deals(ids)) == 1_000
        assert len(list(reader.activities(MONDAY, MONDAY + timedelta(days=7)))) == 450

    per_round = 10 + 3 + 2 * 5 + 1  # a batch read of 1,000 deals; 450 meetings, their associations, no calls
    assert provider.requests + reader.requests == len(hubspot.exchanges) == (1 + 5) + rounds * per_round
    assert {x.status for x in hubspot.exchanges} == {200, 207}  # 207: meetings with no deal, as HubSpot says
    assert hubspot.violations == []
    assert hubspot.time() - started >= (rounds * per_round - 10) / 8, "8 a second after a burst of 10, for both"


def test_the_product_builds_the_reader_on_the_deal_syncs_buckets(crm_bot, hubspot):
    hubspot.add_meeting(MONDAY, MONDAY + timedelta(hours=1), deals=[hubspot.add_deal(dealname="Acme")])

    account = account_for(crm_bot.services, "T1")
    make_provider(crm_bot.services, account).owners()  # a request of the deal sync: the portal's requests bucket
    list(make_activities(crm_bot.services, account).activities(MONDAY, MONDAY + timedelta(days=7)))  # its searches

    with crm_bot.db.transaction() as session:
        buckets = sorted(session.scalars(select(CrmPace.bucket)))
    account = buckets[0].rsplit(":", 1)[0]
    assert buckets == [f"{account}:requests", f"{account}:searches"], "one portal, one pair of buckets"
