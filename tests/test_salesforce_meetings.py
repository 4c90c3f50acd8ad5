"""A rep who logs meetings and calls in Salesforce never types those hours: the next sync takes the Events
and call Tasks in as selling time, on the opportunity they are related to (or prospecting, with a contact
and no opportunity)."""

from __future__ import annotations

from datetime import date, timedelta

from bot.integrations.salesforce_activities import SalesforceActivities
from bot.services.crm_activities import capture_meetings
from bot.services.crm_push import run_sync
from tests.salesforce_fixtures import provider_for, salesforce, salesforce_server, sf_bot  # fixtures


def test_events_and_calls_logged_in_salesforce_become_the_owners_selling_time(sf_bot, salesforce):
    acme = salesforce.add_opportunity("Acme renewal", "Qualification", salesforce.ada, 48000, date(2027, 1, 31))
    assert run_sync(sf_bot.services, sf_bot.clock(), provider=provider_for(sf_bot)).created == 1
    now = sf_bot.clock()
    contact = salesforce.add("Contact", Email="buyer@acme.example")
    ada = salesforce.ada
    workshop = now - timedelta(days=2)
    salesforce.add_event(ada, workshop, workshop + timedelta(hours=3), "Acme workshop", acme, contact)
    salesforce.add_call(ada, now - timedelta(days=1), 30 * 60, "Intro call", who=contact)
    salesforce.add_call(ada, now - timedelta(days=1), 0, "No answer", who=contact)
    salesforce.add_call(ada, now - timedelta(days=1), 600, "Not done yet", acme, status="Open")
    salesforce.add_event(ada, now - timedelta(days=3), now - timedelta(days=2), "Offsite", all_day=True)
    source = SalesforceActivities(provider_for(sf_bot))

    placed = capture_meetings(sf_bot.services, now, source)

    assert (placed["deal"], placed["prospecting"]) == (1, 1), "the workshop on Acme, the intro call prospecting"
    before = len(sf_bot.slack.of("response_url"))
    assert sf_bot.command("health", user="UADA").status == 200
    assert "3h 30m captured from your meetings" in str(sf_bot.last_reply(before + 1)["blocks"])
    assert capture_meetings(sf_bot.services, now, SalesforceActivities(provider_for(sf_bot))) == placed
    assert len(salesforce.requests_to("query")) >= 2 and salesforce.drift == []
