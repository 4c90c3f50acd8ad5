"""A team that keeps its opportunities in Salesforce sees them in Slack, celebrated once, flagged when odd,
with stages read from Salesforce's own flags."""

from __future__ import annotations

from datetime import date, timedelta

from bot.jobs.celebrations import POSTER
from bot.services.crm_push import run_sync
from bot.services.crm_status import status_lines
from storage import crm, crm_records
from storage.opportunities import open_opportunities, stage_history
from tests.salesforce_fixtures import provider_for, salesforce, salesforce_server, sf_bot  # fixtures


def sync(bot, full=False, **options):
    return run_sync(bot.services, bot.clock(), full=full, provider=provider_for(bot, **options))


def celebrations(bot) -> list[str]:
    assert POSTER.wait_until_idle(timeout=10)
    return [call.args["text"] for call in bot.slack.of("chat.postMessage") if call.args.get("channel") == "CWINS"]


def test_the_first_import_brings_opportunities_in_by_stage_flags_and_celebrates_nothing(sf_bot, salesforce):
    for number in range(3):
        salesforce.add_opportunity(f"Acme {number}", "Qualification", salesforce.ada, 1000, date(2027, 1, 31))
    salesforce.add_opportunity("Globex", "Signed", salesforce.grace, 5000, date(2026, 12, 1))
    lost = salesforce.add_opportunity("Initech", "Closed Won", salesforce.grace, 700, date(2026, 12, 1))

    report = sync(sf_bot)

    assert report.error is None and report.created == 5
    deals, total = open_opportunities(sf_bot.db, "T1", "UADA", 10)
    assert total == 3 and {deal.stage for deal in deals} == {"Proposal"}
    held = crm.linked(sf_bot.db, "T1", "salesforce", [lost])[lost].opportunity
    assert held.status == "lost", "a stage named 'Closed Won' whose IsWon is false is a loss"
    assert celebrations(sf_bot) == []


def test_an_opportunity_opened_then_won_in_salesforce_is_celebrated_and_its_moves_kept(sf_bot, salesforce):
    salesforce.add_opportunity("Old deal", "Qualification", salesforce.ada, 1000, date(2027, 1, 31))
    sync(sf_bot)

    salesforce.advance(timedelta(minutes=10))
    deal = salesforce.add_opportunity("Umbrella", "Prospecting", salesforce.ada, 900, date(2027, 2, 1))
    assert sync(sf_bot).celebrated == 1
    salesforce.advance(timedelta(minutes=10))
    salesforce.update_opportunity(deal, StageName="Proposal/Price Quote")
    sync(sf_bot)
    salesforce.advance(timedelta(minutes=10))
    salesforce.update_opportunity(deal, StageName="Signed")
    assert sync(sf_bot).celebrated == 1
    assert sync(sf_bot).celebrated == 0

    posted = celebrations(sf_bot)
    assert len(posted) == 2 and all("Umbrella" in text for text in posted) and "won" in posted[1]
    opportunity = crm.linked(sf_bot.db, "T1", "salesforce", [deal])[deal].opportunity
    moves = [(before, after) for before, after, _ in stage_history(sf_bot.db, "T1", opportunity.id)]
    assert moves == [(None, "Prospecting"), ("Prospecting", "Negotiation"), ("Negotiation", "Won")]


def test_a_deleted_opportunity_is_closed_here_and_odd_records_are_flagged_in_crm_status(sf_bot, salesforce):
    gone = salesforce.add_opportunity("Deleted soon", "Qualification", salesforce.ada, 10, date(2027, 1, 1))
    salesforce.add_opportunity("", "Qualification", salesforce.ada, None, date(2027, 1, 1))
    stranger = salesforce.add_user("nobody@elsewhere.example", "Someone Else")
    salesforce.add_opportunity("Theirs", "Qualification", stranger, 10, date(2027, 1, 1))
    salesforce.add_user("it.admin@example.com", "IT Admin")  # owns no opportunity
    sync(sf_bot)
    looked_up = {call.args["email"].lower() for call in sf_bot.slack.of("users.lookupByEmail")}
    assert looked_up == {"ada@example.com", "nobody@elsewhere.example"}, "only owners of opportunities"

    salesforce.delete_opportunity(gone)
    assert sync(sf_bot).removed == 1

    assert crm.linked(sf_bot.db, "T1", "salesforce", [gone])[gone].opportunity.status == "removed"
    problems = {flag.problem for flag in crm_records.flags(sf_bot.db, "T1", "salesforce")}
    assert {"no_name", "no_amount", "unmatched_owner"} <= problems
    lines = status_lines(sf_bot.services, "T1")
    assert "Salesforce owners with no Slack match: 1" in lines
    assert "  Signed (Signed) -> Won" in lines and "  Closed Won (Closed Won) -> Lost" in lines
