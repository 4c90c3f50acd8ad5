"""A rep who books their meetings and logs their calls in HubSpot never types those hours: the next sync
takes them in as selling time, on the deal HubSpot links them to (or prospecting, with contacts and no
deal yet), and /opportunity health says where its numbers come from."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.services.crm_activities import capture_meetings
from bot.services.crm_push import run_sync
from storage import captured
from tests.hubspot_fixtures import activities_for, crm_bot, hubspot, hubspot_server, provider_for


def health_of(bot, user: str) -> str:
    before = len(bot.slack.of("response_url"))
    assert bot.command("health", user=user).status == 200
    return json.dumps(bot.last_reply(before + 1)["blocks"])


def test_meetings_and_calls_logged_in_hubspot_become_the_owners_selling_time(crm_bot, hubspot):
    acme = hubspot.add_deal(dealname="Acme renewal", dealstage="qualifiedtobuy", amount="48000", hubspot_owner_id="501")
    globex = hubspot.add_deal(dealname="Globex pilot", dealstage="qualifiedtobuy", hubspot_owner_id="502")
    assert run_sync(crm_bot.services, crm_bot.clock(), provider=provider_for(hubspot, crm_bot.db)).created == 2
    now = crm_bot.clock()
    buyer = hubspot.add_contact()
    hubspot.add_meeting(now - timedelta(days=2), now - timedelta(days=2) + timedelta(hours=3), "Acme workshop",
                        deals=[acme], contacts=[buyer])  # fmt: skip
    hubspot.add_call(now - timedelta(days=1), 30 * 60_000, "Intro call", contacts=[hubspot.add_contact()])
    hubspot.add_meeting(now - timedelta(days=1), now - timedelta(days=1) + timedelta(hours=1), "Globex demo",
                        owner="502", deals=[globex])  # fmt: skip
    hubspot.add_meeting(now - timedelta(days=3), None, "Cancelled", outcome="CANCELED", deals=[acme])

    placed = capture_meetings(crm_bot.services, now, activities_for(hubspot, crm_bot.db))

    assert (placed["deal"], placed["prospecting"]) == (2, 1), "Ada's workshop, Grace's demo; Ada's intro call"
    health = health_of(crm_bot, "UADA")
    assert "Acme renewal" in health and "3h 30m captured from your meetings" in health
    again = capture_meetings(crm_bot.services, now, activities_for(hubspot, crm_bot.db))
    assert again == placed and len(rows(crm_bot)) == 3, "read again, stored once"


def test_a_meeting_the_calendar_already_brought_in_counts_once(crm_bot, hubspot):
    acme = hubspot.add_deal(dealname="Acme renewal", dealstage="qualifiedtobuy", hubspot_owner_id="501")
    run_sync(crm_bot.services, crm_bot.clock(), provider=provider_for(hubspot, crm_bot.db))
    now = crm_bot.clock()
    start = now - timedelta(days=2)
    calendar_entry = captured.Entry("feed:uid-1:instance", start, 60, start.date(), "deal", None, "title", None, None)
    captured.reconcile(crm_bot.db, "T1", "UADA", "calendar", now - timedelta(days=14), now, [calendar_entry], now)
    hubspot.add_meeting(start + timedelta(minutes=2), start + timedelta(hours=1), "Acme sync", deals=[acme])
    hubspot.add_call(start, 20 * 60_000, "Same time, a call", deals=[acme])

    placed = capture_meetings(crm_bot.services, now, activities_for(hubspot, crm_bot.db))

    assert placed["deal"] == 1, "the call counts; the meeting was already counted from the calendar"
    assert {row.source for row in rows(crm_bot)} == {"calendar", "hubspot"} and len(rows(crm_bot)) == 2


def rows(bot):
    from sqlalchemy import select

    from storage.models import CapturedTime

    with bot.db.transaction() as session:
        return list(session.scalars(select(CapturedTime)))
