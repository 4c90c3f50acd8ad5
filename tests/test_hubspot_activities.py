"""Meetings and calls logged in HubSpot become activity records: on their deals, for their owner.

A rep who books a meeting or logs a call in HubSpot never types the hours again: the capture reads them
here. Only what was held is read, in bulk, within HubSpot's limits, and the token never shows.
"""

from __future__ import annotations

import inspect
import logging
import math
import re
from datetime import UTC, datetime, timedelta

import pytest

from bot.integrations import BadToken
from bot.integrations.activities import ActivitySource, CapturedMeeting
from bot.integrations.hubspot_activities import HubSpotActivities
from tests.hubspot_activities_stand_in import ACTIVITY_ROUTES, HubSpotActivitiesStandIn
from tests.hubspot_contract import PACKAGES, check_exchange
from tests.hubspot_fixtures import activities_for, hubspot_server  # fixture
from tests.hubspot_stand_in import TOKEN

MONDAY = datetime(2026, 11, 23, tzinfo=UTC)
WEEK = (MONDAY, MONDAY + timedelta(days=7))


@pytest.fixture
def stand_in(hubspot_server: HubSpotActivitiesStandIn):
    """HubSpot emptied per test, its limits counted on a clock that moves only when the reader waits;
    afterwards every exchange is checked against the official client and none went over the limits."""
    hubspot_server.reset()
    hubspot_server.fake_time()
    yield hubspot_server
    for exchange in list(hubspot_server.exchanges):
        check_exchange(exchange, sample=3)
    assert hubspot_server.violations == [], "requests over HubSpot's rate limits"


@pytest.fixture
def read(stand_in, db):
    """The reader as the product paces it: the portal's buckets, which the deal sync spends from too."""
    return lambda sleeps=None, token=TOKEN: activities_for(stand_in, db, sleeps, token)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return MONDAY + timedelta(days=day, hours=hour, minutes=minute)


def association_reads(stand_in, objects: str, to: str) -> list:
    return stand_in.of("POST", f"/crm/v4/associations/{objects}/{to}/batch/read")


def test_meetings_and_calls_on_a_deal_are_time_on_that_deal_for_their_owner(stand_in, read):
    acme = stand_in.add_deal(dealname="Acme renewal", hubspot_owner_id="501")
    globex = stand_in.add_deal(dealname="Globex pilot", hubspot_owner_id="502")
    buyer = stand_in.add_contact()
    demo = stand_in.add_meeting(at(0, 10), at(0, 10, 45), "Acme demo", deals=[acme], contacts=[buyer])
    both = stand_in.add_meeting(at(1, 9), at(1, 10), "Joint review", outcome=None, deals=[acme, globex])
    call = stand_in.add_call(at(2, 15), 12 * 60_000, "Pricing call", owner="502", deals=[globex], contacts=[buyer])
    source: ActivitySource = read()

    records = sorted(source.activities(*WEEK), key=lambda record: record.starts_at)

    assert records == [
        CapturedMeeting("hubspot", f"meeting:{demo}", at(0, 10), at(0, 10, 45), "Acme demo",
                        owner_id="501", deal_ids=(acme,), has_contacts=True, kind="meeting"),
        CapturedMeeting("hubspot", f"meeting:{both}", at(1, 9), at(1, 10), "Joint review",
                        owner_id="501", deal_ids=(acme, globex), has_contacts=False, kind="meeting"),
        CapturedMeeting("hubspot", f"call:{call}", at(2, 15), at(2, 15, 12), "Pricing call",
                        owner_id="502", deal_ids=(globex,), has_contacts=True, kind="call"),
    ]  # fmt: skip
    assert all(record.starts_at.tzinfo is UTC for record in records)


def test_meetings_and_calls_with_contacts_but_no_deal_are_read_as_prospecting(stand_in, read):
    lead, other = stand_in.add_contact(), stand_in.add_contact()
    stand_in.add_meeting(at(0, 11), at(0, 11, 30), "Intro with a lead", contacts=[lead, other])
    stand_in.add_call(at(0, 14), 5 * 60_000, "Cold call", contacts=[lead])
    stand_in.add_call(at(0, 16), 3 * 60_000, "Call about nothing in the CRM")

    records = {record.title: record for record in read().activities(*WEEK)}

    assert [(r.deal_ids, r.has_contacts) for r in records.values()] == [((), True), ((), True), ((), False)]
    assert records["Cold call"].ends_at - records["Cold call"].starts_at == timedelta(minutes=5)


def test_only_meetings_that_were_held_and_calls_that_connected_are_read(stand_in, read):
    for outcome in ("CANCELED", "NO_SHOW", "RESCHEDULED", "COMPLETED", "SCHEDULED", None):
        stand_in.add_meeting(at(0, 9), at(0, 10), f"Meeting {outcome}", outcome=outcome)
    stand_in.add_meeting(at(0, 9), None, "Meeting with no end")
    for status in ("NO_ANSWER", "BUSY", "FAILED", "CANCELED", "QUEUED", "COMPLETED"):
        stand_in.add_call(at(0, 12), 60_000, f"Call {status}", status=status)
    stand_in.add_call(at(0, 12), 0, "Completed call of no length")

    titles = sorted(record.title for record in read().activities(*WEEK))

    assert titles == ["Call COMPLETED", "Meeting COMPLETED", "Meeting None", "Meeting SCHEDULED"]
    statuses = [x.body["filterGroups"][0]["filters"][-1] for x in stand_in.of("POST", "/crm/v3/objects/calls/search")]
    assert statuses == [{"propertyName": "hs_call_status", "operator": "EQ", "value": "COMPLETED"}]


def test_only_what_starts_inside_the_window_is_read(stand_in, read):
    since, until = WEEK
    for starts, title in [(since - timedelta(milliseconds=1), "before"), (since, "first"),
                          (until - timedelta(milliseconds=1), "last"), (until, "after")]:  # fmt: skip
        stand_in.add_meeting(starts, starts + timedelta(minutes=30), title)
        stand_in.add_call(starts, 60_000, title)

    found = sorted((record.kind, record.title) for record in read().activities(since, until))

    assert found == [("call", "first"), ("call", "last"), ("meeting", "first"), ("meeting", "last")]


def test_many_meetings_are_read_page_by_page_and_their_associations_in_bulk(stand_in, read):
    deals = [stand_in.add_deal(dealname=f"Deal {n}") for n in range(7)]
    expected = {}
    for n in range(450):
        starts = at(n % 5, 8) + timedelta(minutes=n)
        expected[stand_in.add_meeting(starts, starts + timedelta(minutes=25), deals=[deals[n % 7]])] = deals[n % 7]
    provider = read()

    records = list(provider.activities(*WEEK))

    assert {record.key.removeprefix("meeting:"): record.deal_ids for record in records} == {
        meeting: (deal,) for meeting, deal in expected.items()
    }
    assert len(records) == 450
    searches = stand_in.of("POST", "/crm/v3/objects/meetings/search")
    assert len(searches) == math.ceil(450 / 200)
    assert [r.starts_at for r in records] == sorted(r.starts_at for r in records)
    for to in ("deals", "contacts"):
        reads = association_reads(stand_in, "meetings", to)
        assert len(reads) == math.ceil(450 / 100)
        assert sorted(one["id"] for x in reads for one in x.body["inputs"]) == sorted(expected)
    assert association_reads(stand_in, "calls", "deals") == []  # no calls in the window: nothing to associate
    assert provider.requests == len(stand_in.exchanges) == 3 + 1 + 2 * 5


def test_a_meeting_on_more_deals_than_one_answer_holds_keeps_every_deal(stand_in, read):
    deals = [stand_in.add_deal(dealname=f"Deal {n}") for n in range(501)]
    stand_in.add_meeting(at(3, 13), at(3, 14), "Portfolio review", deals=deals)

    [record] = read().activities(*WEEK)

    assert record.deal_ids == tuple(deals)
    follow_up = association_reads(stand_in, "meetings", "deals")[1]
    assert follow_up.body["inputs"] == [{"id": record.key.removeprefix("meeting:"), "after": "500"}]


def test_every_meeting_is_read_once_even_past_the_10000_result_search_cap(stand_in, read):
    for n in range(10_050):
        starts = at(0, 0) + timedelta(seconds=30 * (n // 3))  # three meetings share each start
        stand_in.add_meeting(starts, starts + timedelta(minutes=20), f"Meeting {n}")

    records = list(read().activities(*WEEK))

    assert len(records) == len({record.key for record in records}) == 10_050
    searches = stand_in.of("POST", "/crm/v3/objects/meetings/search")
    assert all(int(x.body.get("after") or 0) + x.body["limit"] <= 10_000 for x in searches)
    assert len(searches) == 50 + 1  # up to the cap, then one search from the last start seen


def test_a_refused_token_stops_the_read_with_one_clear_error_like_the_deal_sync(stand_in, read):
    stand_in.add_meeting(at(0, 10), at(0, 11))
    with pytest.raises(BadToken, match="HUBSPOT_ACCESS_TOKEN: it is not valid or has expired"):
        list(read(token="pat-expired").activities(*WEEK))
    assert len(stand_in.exchanges) == 1

    stand_in.fail_next(403, path="/crm/v4/associations/meetings/deals/batch/read")
    with pytest.raises(BadToken, match="lacks a scope \\(crm.objects.contacts.read"):
        list(read().activities(*WEEK))


def test_hubspot_rate_limits_and_hiccups_are_waited_out(stand_in, read):
    acme = stand_in.add_deal(dealname="Acme")
    stand_in.add_call(at(4, 10), 90_000, deals=[acme])
    stand_in.fail_next(429, path="/crm/v3/objects/calls/search", retry_after=2)
    stand_in.fail_next(502, path="/crm/v4/associations/calls/deals/batch/read")
    sleeps: list[float] = []

    [record] = read(sleeps).activities(*WEEK)

    assert record.deal_ids == (acme,) and sleeps == [2.0, 0.2]


def test_every_request_first_takes_its_turn_from_the_pace_the_deal_sync_shares(stand_in):
    stand_in.add_meeting(at(0, 10), at(0, 11), contacts=[stand_in.add_contact()])
    turns: list = []

    list(HubSpotActivities(TOKEN, host=stand_in.base_url, pace=turns.append).activities(*WEEK))

    spent = [[bucket[0] for bucket in buckets] for buckets in turns]
    assert spent == [["requests", "searches"], ["requests"], ["requests"], ["requests", "searches"]]
    assert [x.path.endswith("/search") for x in stand_in.exchanges] == [True, False, False, True]


def test_the_token_never_appears_in_any_log_even_at_debug(stand_in, read, caplog):
    for name in ["", *logging.root.manager.loggerDict]:  # urllib3's and the client's loggers too
        caplog.set_level(logging.DEBUG, logger=name)
    stand_in.add_meeting(at(0, 10), at(0, 11), deals=[stand_in.add_deal(dealname="Acme")])
    stand_in.fail_next(429, retry_after=0)
    list(read().activities(*WEEK))
    with pytest.raises(BadToken) as refused:
        list(read(token="pat-na1-secret-value").activities(*WEEK))

    assert any("/crm/v3/objects/meetings/search" in record.getMessage() for record in caplog.records)
    for secret in (TOKEN, "pat-na1-secret-value"):
        assert secret not in caplog.text and secret not in str(refused.value)


def test_every_activity_route_is_one_the_official_client_defines_and_reads(stand_in, read):
    lead = stand_in.add_contact()
    stand_in.add_meeting(at(0, 10), at(0, 11), contacts=[lead], deals=[stand_in.add_deal(dealname="Acme")])
    stand_in.add_meeting(at(0, 12), at(0, 13))
    stand_in.add_call(at(0, 14), 60_000, contacts=[lead])
    list(read().activities(*WEEK))
    with pytest.raises(BadToken):
        list(read(token="pat-wrong").activities(*WEEK))

    for exchange in stand_in.exchanges:
        check_exchange(exchange)
    # contacts' emails and companies' domains
    read_by_the_deal_sync = {route[1] for route in ACTIVITY_ROUTES if route[2] in ("contacts", "companies")}
    assert {x.route[1] for x in stand_in.exchanges} == {route[1] for route in ACTIVITY_ROUTES} - read_by_the_deal_sync
    assert {x.status for x in stand_in.exchanges} == {200, 207, 401}
    for method, pattern, package_name, _, _ in ACTIVITY_ROUTES:
        source = "\n".join(inspect.getsource(module) for module in vars(PACKAGES[package_name].api).values()
                           if inspect.ismodule(module))  # fmt: skip
        template = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: "{" + m[1] + "ObjectType}", pattern)
        assert re.search(rf'"{re.escape(template)}",\s*"{method}"', source), pattern
