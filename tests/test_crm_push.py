"""Every change a rep makes in Slack lands in HubSpot exactly once, and the newest change wins a conflict."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from bot.services.crm_push import run_sync
from storage import crm, crm_records
from storage import crm_outbox as outbox
from tests.hubspot_fixtures import crm_bot, crm_settings, hubspot, hubspot_server, provider_for  # fixtures

CREATE_PATH = "/crm/v3/objects/deals"


def sync(bot, hubspot, sleeps=None):
    return run_sync(bot.services, bot.clock(), provider=provider_for(hubspot, bot.db, sleeps))


def open_in_slack(bot, text: str, user: str = "UADA") -> None:
    before = len(bot.slack.of("response_url"))
    assert bot.command("new " + text, user=user).status == 200
    bot.replies(before + 1)


def creates(hubspot) -> list:
    return [x for x in hubspot.of("POST", CREATE_PATH) if x.path == CREATE_PATH]


def test_a_deal_opened_in_slack_appears_in_hubspot_with_its_owner_amount_and_close_date(crm_bot, hubspot):
    sync(crm_bot, hubspot)  # the first import: owners are matched
    open_in_slack(crm_bot, "Acme renewal 48k stage:proposal close:2026-12-15")

    assert sync(crm_bot, hubspot).error is None

    [deal] = hubspot.live_deals()
    props = deal.properties
    assert (props["dealname"], props["amount"], props["dealstage"]) == (
        "Acme renewal",
        "48000",
        "presentationscheduled",
    )
    assert props["hubspot_owner_id"] == "501"
    assert datetime.fromtimestamp(int(props["closedate"]) / 1000, UTC).date().isoformat() == "2026-12-15"
    sync(crm_bot, hubspot)
    assert len(creates(hubspot)) == 1 and len(hubspot.live_deals()) == 1


def test_a_create_whose_answer_was_a_5xx_is_not_made_twice(crm_bot, hubspot):
    sync(crm_bot, hubspot)
    open_in_slack(crm_bot, "Globex pilot 12k")
    hubspot.fail_next(502, method="POST", path=CREATE_PATH, after_applying=True)

    sync(crm_bot, hubspot)  # HubSpot made the deal but answered 502; the next pull links it, no import
    [write] = [w for w in outbox.writes_for(crm_bot.db, "T1") if w.change_key == outbox.CREATE]
    crm_bot.clock.advance(minutes=2)
    sync(crm_bot, hubspot)
    sync(crm_bot, hubspot)

    assert len(hubspot.live_deals()) == 1 and len(creates(hubspot)) == 1
    [opp_id] = {w.opportunity_id for w in outbox.writes_for(crm_bot.db, "T1")}
    assert crm.crm_id_of(crm_bot.db, "T1", "hubspot", opp_id) == hubspot.live_deals()[0].id
    celebration = crm_bot.slack.wait_for("chat.postMessage")[-1]  # posted after the ack, on another thread
    assert celebration.args["text"].count("Globex") == 1  # celebrated once, in Slack
    assert write.status == "retry"


def test_a_create_that_failed_before_reaching_hubspot_is_retried_after_its_backoff(crm_bot, hubspot):
    sync(crm_bot, hubspot)
    open_in_slack(crm_bot, "Initech upsell")
    hubspot.fail_next(503, method="POST", path=CREATE_PATH)

    sync(crm_bot, hubspot)
    assert hubspot.live_deals() == []
    sync(crm_bot, hubspot)
    assert hubspot.live_deals() == [], "not before its backoff"
    crm_bot.clock.advance(minutes=2)
    sync(crm_bot, hubspot)

    assert [deal.properties["dealname"] for deal in hubspot.live_deals()] == ["Initech upsell"]


def test_two_instances_syncing_at_once_create_the_deal_once(make_bot, hubspot):
    first = make_bot(**crm_settings(hubspot))
    second = make_bot(**crm_settings(hubspot))
    sync(first, hubspot)
    open_in_slack(first, "Umbrella rollout 90k")

    threads = [threading.Thread(target=sync, args=(bot, hubspot)) for bot in (first, second, first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(creates(hubspot)) == 1 and len(hubspot.live_deals()) == 1


def test_a_rate_limited_write_waits_for_retry_after(crm_bot, hubspot):
    sync(crm_bot, hubspot)
    open_in_slack(crm_bot, "Hooli search 30k")
    hubspot.fail_next(429, method="POST", path=CREATE_PATH, retry_after=7)
    sleeps: list[float] = []

    sync(crm_bot, hubspot, sleeps)

    assert 7.0 in sleeps and len(hubspot.live_deals()) == 1


def test_moves_won_and_lost_in_slack_are_written_to_the_same_deal(crm_bot, hubspot):
    sync(crm_bot, hubspot)
    open_in_slack(crm_bot, "Stark renewal 10k")
    sync(crm_bot, hubspot)
    crm_bot.clock.advance(minutes=1)
    crm_bot.command("won stark", user="UADA")
    crm_bot.replies(2)

    sync(crm_bot, hubspot)

    [deal] = hubspot.live_deals()
    assert deal.properties["dealstage"] == "closedwon"
    assert [x.path for x in hubspot.of("PATCH", CREATE_PATH)] == [f"{CREATE_PATH}/{deal.id}"]
    assert sync(crm_bot, hubspot).updated == 0, "our own write is not read back as a change"


def test_a_stage_changed_on_both_sides_goes_to_the_newest_change_and_the_loser_is_kept(crm_bot, hubspot):
    sync(crm_bot, hubspot)
    open_in_slack(crm_bot, "Wayne deal 5k stage:discovery")
    sync(crm_bot, hubspot)
    [deal] = hubspot.live_deals()
    [opp_id] = {w.opportunity_id for w in outbox.writes_for(crm_bot.db, "T1")}

    crm_bot.clock.advance(minutes=1)
    crm_bot.command("stage wayne proposal", user="UADA")  # Slack, at 15:01
    crm_bot.replies(2)
    hubspot.clock = crm_bot.clock() + timedelta(minutes=1)
    hubspot.update_deal(deal.id, dealstage="contractsent")  # HubSpot, at 15:02: newer, it wins
    sync(crm_bot, hubspot)

    assert crm.opportunity(crm_bot.db, "T1", opp_id).stage == "Negotiation"
    assert hubspot.deals[deal.id].properties["dealstage"] == "contractsent"
    [lost] = crm_records.conflicts(crm_bot.db, "T1", opp_id)
    assert (lost.field, lost.kept_value, lost.lost_value, lost.winner) == (
        "stage",
        "Negotiation",
        "Proposal",
        "hubspot",
    )

    hubspot.clock = crm_bot.clock() + timedelta(minutes=2)
    hubspot.update_deal(deal.id, dealstage="qualifiedtobuy")  # HubSpot, at 15:03, not yet read…
    crm_bot.clock.advance(minutes=3)
    crm_bot.command("stage wayne proposal", user="UADA")  # …and Slack at 15:04: newer, it wins
    crm_bot.replies(3)
    sync(crm_bot, hubspot)

    assert crm.opportunity(crm_bot.db, "T1", opp_id).stage == "Proposal"
    assert hubspot.deals[deal.id].properties["dealstage"] == "presentationscheduled"
    latest = crm_records.conflicts(crm_bot.db, "T1", opp_id)[-1]
    assert (latest.kept_value, latest.lost_value, latest.winner) == ("Proposal", "Discovery", "slack")
