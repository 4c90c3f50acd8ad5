"""A team that keeps its deals in HubSpot sees them in Slack, celebrated once, flagged when odd."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from bot.integrations.hubspot import HubSpotProvider
from bot.jobs.celebrations import POSTER
from bot.services.crm_push import run_sync
from storage import crm, crm_owners, crm_records
from storage.opportunities import open_opportunities, stage_history
from tests.hubspot_fixtures import crm_bot, hubspot, hubspot_server, provider_for  # fixtures
from tests.hubspot_stand_in import TOKEN


def sync(bot, hubspot, full=False):
    return run_sync(bot.services, bot.clock(), full=full, provider=provider_for(hubspot, bot.db))


def celebrations(bot) -> list[str]:
    """The channel's posts, once the poster has posted what the sync planned."""
    assert POSTER.wait_until_idle(timeout=10)
    return [call.args["text"] for call in bot.slack.of("chat.postMessage") if call.args.get("channel") == "CWINS"]


def test_the_first_import_brings_every_deal_in_and_celebrates_nothing(crm_bot, hubspot):
    for number in range(3):
        hubspot.add_deal(dealname=f"Acme {number}", dealstage="qualifiedtobuy", amount="1000", hubspot_owner_id="501")
    hubspot.add_deal(dealname="Globex", dealstage="closedwon", amount="5000", hubspot_owner_id="502")

    report = sync(crm_bot, hubspot)

    assert report.error is None and report.created == 4
    deals, total = open_opportunities(crm_bot.db, "T1", "UADA", 10)
    assert total == 3 and {deal.stage for deal in deals} == {"Discovery"}
    assert celebrations(crm_bot) == []


def test_a_deal_created_in_hubspot_after_the_import_is_celebrated_once(crm_bot, hubspot):
    hubspot.add_deal(dealname="Old deal", dealstage="qualifiedtobuy", amount="1000", hubspot_owner_id="501")
    sync(crm_bot, hubspot)

    hubspot.add_deal(dealname="Initech expansion", dealstage="appointmentscheduled", hubspot_owner_id="501")
    assert sync(crm_bot, hubspot).celebrated == 1
    assert sync(crm_bot, hubspot).celebrated == 0

    [posted] = celebrations(crm_bot)
    assert "Initech expansion" in posted and "<@UADA>" in posted


def test_a_deal_won_in_hubspot_is_celebrated_and_its_stage_moves_go_into_history(crm_bot, hubspot):
    deal = hubspot.add_deal(dealname="Umbrella", dealstage="qualifiedtobuy", amount="900", hubspot_owner_id="502")
    sync(crm_bot, hubspot)

    hubspot.update_deal(deal, dealstage="contractsent")
    sync(crm_bot, hubspot)
    hubspot.update_deal(deal, dealstage="closedwon")
    sync(crm_bot, hubspot)

    [posted] = celebrations(crm_bot)
    assert "won" in posted and "Umbrella" in posted
    opportunity = crm.linked(crm_bot.db, "T1", "hubspot", [deal])[deal].opportunity
    assert opportunity.status == "won"
    moves = [(before, after) for before, after, _ in stage_history(crm_bot.db, "T1", opportunity.id)]
    assert moves == [(None, "Discovery"), ("Discovery", "Negotiation"), ("Negotiation", "Won")]


def test_deals_deleted_or_merged_in_hubspot_are_closed_here_and_flagged(crm_bot, hubspot):
    kept = hubspot.add_deal(dealname="Kept", dealstage="qualifiedtobuy", hubspot_owner_id="501", amount="1")
    merged = hubspot.add_deal(dealname="Duplicate", dealstage="qualifiedtobuy", hubspot_owner_id="501", amount="1")
    deleted = hubspot.add_deal(dealname="Deleted", dealstage="qualifiedtobuy", hubspot_owner_id="501", amount="1")
    sync(crm_bot, hubspot)

    hubspot.merge_deals(kept, merged)
    hubspot.archive_deal(deleted)
    assert sync(crm_bot, hubspot).removed == 2

    held = crm.linked(crm_bot.db, "T1", "hubspot", [kept, merged, deleted])
    assert held[kept].opportunity.status == "open"
    assert held[merged].opportunity.status == "removed" and "Merged" in held[merged].opportunity.lost_reason
    assert held[deleted].opportunity.status == "removed" and "Deleted" in held[deleted].opportunity.lost_reason
    assert {flag.crm_id for flag in crm_records.flags(crm_bot.db, "T1", "hubspot") if flag.problem == "removed"} == {
        merged,
        deleted,
    }


def test_bad_records_are_imported_with_what_can_be_trusted_and_flagged(crm_bot, hubspot):
    hubspot.add_deal(dealname="No amount", dealstage="qualifiedtobuy", hubspot_owner_id="501")
    hubspot.add_deal(dealname="No owner", dealstage="qualifiedtobuy", amount="10")
    hubspot.add_deal(dealname="Odd stage", dealstage="stage-from-elsewhere", amount="10", hubspot_owner_id="501")
    hubspot.add_deal(dealname="x" * 300, dealstage="qualifiedtobuy", amount="10", hubspot_owner_id="501")
    hubspot.add_deal(dealname="Stranger's", dealstage="qualifiedtobuy", amount="10", hubspot_owner_id="777")
    hubspot.add_deal(dealname="Fine", dealstage="qualifiedtobuy", amount="10", hubspot_owner_id="501")

    report = sync(crm_bot, hubspot)

    assert report.created == 6 and report.flagged == 5
    problems = {flag.problem for flag in crm_records.flags(crm_bot.db, "T1", "hubspot")}
    assert problems == {"no_amount", "no_owner", "unknown_stage", "long_name", "unmatched_owner"}
    deals, _ = open_opportunities(crm_bot.db, "T1", "UADA", 10)
    names = {deal.name for deal in deals}
    assert {"No amount", "Odd stage", "Fine"} <= names
    assert any(len(name) == 120 and name.endswith("…") for name in names)


def test_an_owner_without_a_slack_match_is_listed_and_their_deals_wait_for_them(crm_bot, hubspot):
    hubspot.add_owner("503", "new.hire@example.com", "New", "Hire")
    hubspot.add_deal(dealname="Waiting", dealstage="qualifiedtobuy", amount="10", hubspot_owner_id="503")
    sync(crm_bot, hubspot)
    unmatched = [owner for owner in crm_owners.owners(crm_bot.db, "T1", "hubspot") if owner.slack_user_id is None]
    assert [owner.email for owner in unmatched] == ["new.hire@example.com"]

    moved = crm_owners.set_owner_match(crm_bot.db, "T1", "hubspot", "503", "UNEW", crm_bot.clock())
    assert moved == 1 and open_opportunities(crm_bot.db, "T1", "UNEW", 10)[1] == 1


def test_a_bad_token_gives_one_clear_line_and_is_kept_for_the_admin(crm_bot, hubspot, caplog):
    hubspot.add_deal(dealname="Acme", dealstage="qualifiedtobuy", amount="10", hubspot_owner_id="501")
    provider = HubSpotProvider("pat-wrong", "default", host=hubspot.base_url, sleep=lambda seconds: None)
    with caplog.at_level(logging.INFO, logger="pipeline_coach"):
        report = run_sync(crm_bot.services, crm_bot.clock(), provider=provider)

    assert "HUBSPOT_ACCESS_TOKEN" in report.error
    lines = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert len(lines) == 1 and lines[0].exc_info is None
    assert "HUBSPOT_ACCESS_TOKEN" in crm.sync_state(crm_bot.db, "T1", "hubspot").last_error
    assert sync(crm_bot, hubspot).error is None
    assert crm.sync_state(crm_bot.db, "T1", "hubspot").last_error is None


def test_a_second_sync_with_no_changes_makes_a_constant_number_of_requests(crm_bot, hubspot):
    hubspot.step = timedelta(seconds=2)  # deals changed two seconds apart: 151 in the look-back's 5 minutes
    for number in range(450):
        hubspot.add_deal(dealname=f"Deal {number}", dealstage="qualifiedtobuy", amount="10", hubspot_owner_id="501")
    first = sync(crm_bot, hubspot)
    second = sync(crm_bot, hubspot)
    for number in range(450, 900):
        hubspot.add_deal(dealname=f"Deal {number}", dealstage="qualifiedtobuy", amount="10", hubspot_owner_id="501")
    sync(crm_bot, hubspot)
    third = sync(crm_bot, hubspot)

    # our key property (looked for, then made), owners, pipelines, 3 search pages, their contacts and their
    # companies, archived
    assert first.created == 450 and first.requests == 2 + 1 + 1 + 3 + 3 + 3 + 1
    assert second.requests == third.requests == 1 + 1 + 1 + 1  # owners, pipelines, one search page, archived
    assert second.unchanged == third.unchanged == 151  # the search looks back 5 minutes before its last change
    assert len(crm_bot.slack.of("users.lookupByEmail")) == 2  # each owner matched once


def test_ten_thousand_deals_import_and_the_next_sync_costs_five_requests(crm_bot, hubspot):
    hubspot.step = timedelta(seconds=1)
    for number in range(10_000):
        hubspot.add_deal(dealname=f"Deal {number}", dealstage="qualifiedtobuy", amount="10", hubspot_owner_id="501")
    started = time.monotonic()
    first = sync(crm_bot, hubspot)
    seconds = time.monotonic() - started
    second = sync(crm_bot, hubspot)

    # the key property (2), owners, pipelines, 50 pages, their contacts and companies, archived; paced under
    # HubSpot's limits
    assert first.created == 10_000 and first.requests == 2 + 1 + 1 + 50 + 50 + 50 + 1
    assert second.requests == 5 and second.created == second.updated == 0  # 301 changes in the look-back: 2 pages
    assert open_opportunities(crm_bot.db, "T1", "UADA", 1)[1] == 10_000
    print(f"10,000 deals: first sync {first.requests} requests in {seconds:.1f} s; next sync {second.requests}")
