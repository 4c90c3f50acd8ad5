"""Ada's calendar says "Quarterly check-in" with Pat, nothing about a deal. But Pat is a HubSpot contact on
her Acme renewal, and on none of her other deals: the hour goes to Acme renewal, said to be so because
someone there is a CRM contact of the deal. Sam from Globex is no contact at all, but Globex, the company on
her Globex expansion deal, has the domain globex.com: that hour goes to the expansion. A contact or a
company domain on two of her deals is no answer, and a stranger stays a question for her."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.sealed import new_key
from bot.services.crm_push import run_sync
from storage.models import CapturedTime, Opportunity
from tests.calendar_fixtures import NOW, SECRET, say
from tests.calendar_server import calendar, event
from tests.hubspot_fixtures import crm_settings, hubspot, hubspot_server, provider_for

ADA = "ada@example.com"


@pytest.fixture
def ada_bot(make_bot, hubspot):
    bot = make_bot(**crm_settings(hubspot), encryption_key=new_key(), calendar_private_addresses=True)
    bot.slack.always(
        "users.info",
        lambda args: {"ok": True, "user": {"id": args["user"], "tz": "America/New_York", "profile": {"email": ADA}}},
    )
    return bot


def meeting(uid: str, days_ago: int, guest: str) -> str:
    start = NOW - timedelta(days=days_ago)
    return event(uid, start, 60, "Quarterly check-in", attendees=((guest, "ACCEPTED"), (ADA, "ACCEPTED")))


def synced_reading_once(bot, hubspot, objects: str) -> None:
    """A sync of the three deals: one associations read for the page of deals, one batch read of what they
    hold (contacts' emails or companies' domains), every request counted."""
    before = len(hubspot.exchanges)
    report = run_sync(bot.services, bot.clock(), provider=provider_for(hubspot, bot.db))
    assert report.created == 3 and report.error is None
    assert len(hubspot.of("POST", f"/crm/v4/associations/deals/{objects}")) == 1, "one read for the page of deals"
    assert len(hubspot.of("POST", f"/crm/v3/objects/{objects}/batch/read")) == 1, "one read of what they hold"
    assert len(hubspot.exchanges) - before == report.requests


def connect(bot, feeds, *meetings: str) -> None:
    say(bot, f"calendar connect {feeds.serve(f'{SECRET}/ada.ics', calendar(*meetings))}", user="UADA")


def placements(bot) -> dict[str, tuple[str, str, str | None]]:
    """{the outside attendees' domain: (placement, rule, deal)}"""
    with bot.db.transaction() as session:
        rows = session.execute(
            select(CapturedTime.domains, CapturedTime.placement, CapturedTime.rule, Opportunity.name).outerjoin(
                Opportunity, Opportunity.id == CapturedTime.opportunity_id
            )
        )
        return {domains: (placement, rule, name) for domains, placement, rule, name in rows}


def test_a_meeting_with_a_hubspot_contact_of_one_deal_goes_on_that_deal(ada_bot, hubspot, feeds):
    acme = hubspot.add_deal(dealname="Acme renewal", dealstage="qualifiedtobuy", hubspot_owner_id="501")
    pilot = hubspot.add_deal(dealname="Initech pilot", dealstage="qualifiedtobuy", hubspot_owner_id="501")
    upsell = hubspot.add_deal(dealname="Initech upsell", dealstage="qualifiedtobuy", hubspot_owner_id="501")
    hubspot.add_contact("Pat@Acme.com", deals=[acme])
    hubspot.add_contact("lee@initech.com", deals=[pilot, upsell])
    hubspot.add_contact(None, deals=[acme])  # a contact with no email matches nobody

    synced_reading_once(ada_bot, hubspot, "contacts")
    connect(ada_bot, feeds, meeting("pat", 1, "pat@acme.com"), meeting("lee", 2, "lee@initech.com"),
            meeting("kim", 3, "kim@hooli.com"))  # fmt: skip

    found = placements(ada_bot)
    assert found["acme.com"] == ("deal", "crm_contact", "Acme renewal")
    assert found["initech.com"] == ("unplaced", "none", None), "a contact of two deals: never a guess"
    assert found["hooli.com"] == ("unplaced", "none", None)


def test_a_deal_that_closes_or_loses_the_contact_no_longer_draws_the_meeting(ada_bot, hubspot, feeds):
    acme = hubspot.add_deal(dealname="Acme renewal", dealstage="qualifiedtobuy", hubspot_owner_id="501")
    hubspot.add_contact("pat@acme.com", deals=[acme])
    run_sync(ada_bot.services, ada_bot.clock(), provider=provider_for(hubspot, ada_bot.db))
    hubspot.update_deal(acme, dealstage="closedlost")
    ada_bot.clock.set(NOW + timedelta(minutes=10))
    run_sync(ada_bot.services, ada_bot.clock(), provider=provider_for(hubspot, ada_bot.db))

    connect(ada_bot, feeds, meeting("pat", 1, "pat@acme.com"))

    assert placements(ada_bot)["acme.com"] == ("unplaced", "none", None)


def test_a_meeting_with_someone_from_a_hubspot_company_of_one_deal_goes_on_that_deal(ada_bot, hubspot, feeds):
    expansion = hubspot.add_deal(dealname="Expansion", dealstage="qualifiedtobuy", hubspot_owner_id="501")
    pilot = hubspot.add_deal(dealname="Pilot", dealstage="qualifiedtobuy", hubspot_owner_id="501")
    upsell = hubspot.add_deal(dealname="Upsell", dealstage="qualifiedtobuy", hubspot_owner_id="501")
    hubspot.add_company("WWW.Globex.com", deals=[expansion])  # as typed in HubSpot: one company, globex.com
    hubspot.add_company("initech.com", deals=[pilot, upsell])
    hubspot.add_company(None, deals=[expansion])  # a company with no domain matches nobody

    synced_reading_once(ada_bot, hubspot, "companies")
    connect(ada_bot, feeds, meeting("sam", 1, "sam@globex.com"), meeting("lee", 2, "lee@initech.com"),
            meeting("kim", 3, "kim@hooli.com"))  # fmt: skip

    found = placements(ada_bot)
    assert found["globex.com"] == ("deal", "crm_company", "Expansion")
    assert found["initech.com"] == ("unplaced", "none", None), "a company on two deals: never a guess"
    assert found["hooli.com"] == ("unplaced", "none", None)
