"""Every deal a rep opens, moves, wins or loses in Slack lands in Salesforce exactly once, through sObject
Collections, keyed by our external id; a create whose answer was lost is never made twice."""

from __future__ import annotations

from datetime import date, timedelta

from bot.services.crm_push import run_sync
from storage import crm
from storage import crm_outbox as outbox
from tests.salesforce_fixtures import provider_for, salesforce, salesforce_server, sf_bot  # fixtures
from tests.salesforce_rest import KEY_FIELD


def sync(bot, **options):
    return run_sync(bot.services, bot.clock(), provider=provider_for(bot, **options))


def open_in_slack(bot, text: str, user: str = "UADA") -> None:
    before = len(bot.slack.of("response_url"))
    assert bot.command("new " + text, user=user).status == 200
    bot.replies(before + 1)


def owns_a_deal_already(salesforce) -> None:
    """Ada's Salesforce user owns an opportunity, so the sync knows her (it reads the users who own some)."""
    salesforce.add_opportunity("Earlier deal", "Prospecting", salesforce.ada, 100, date(2026, 12, 31))


def test_a_deal_opened_then_won_in_slack_lands_in_salesforce_once_under_our_key(sf_bot, salesforce):
    owns_a_deal_already(salesforce)
    assert sync(sf_bot).error is None  # connects: our external-id field is made, owners are matched
    assert len(salesforce.requests_to("custom_field")) == 1
    open_in_slack(sf_bot, "Acme renewal 48k stage:proposal close:2026-12-15")

    assert sync(sf_bot).error is None

    [made] = [one for one in salesforce.opportunities() if one["Name"] == "Acme renewal"]
    assert (made["Name"], made["Amount"], made["StageName"], made["OwnerId"]) == (
        "Acme renewal", 48000.0, "Qualification", salesforce.ada,
    )  # fmt: skip
    assert made["CloseDate"] == date(2026, 12, 15) and made[KEY_FIELD].startswith("T1-")
    [upsert] = salesforce.requests_to("collection_upsert")
    assert upsert.path.endswith(f"/composite/sobjects/Opportunity/{KEY_FIELD}") and upsert.json()["allOrNone"] is False

    sf_bot.clock.advance(minutes=1)
    assert sf_bot.command("won Acme renewal", user="UADA").status == 200
    sync(sf_bot)
    [won] = [one for one in salesforce.opportunities() if one["Name"] == "Acme renewal"]
    assert won["StageName"] == "Signed" and won["IsWon"] is True, "won is the stage Salesforce flags won"
    assert len(salesforce.requests_to("collection_update")) == 1
    sync(sf_bot)
    assert len(salesforce.opportunities()) == 2 and len(salesforce.requests_to("collection_upsert")) == 1


def test_a_create_whose_answer_was_lost_is_not_made_twice_under_our_key(sf_bot, salesforce):
    sync(sf_bot)
    open_in_slack(sf_bot, "Globex pilot 12k")
    salesforce.fail_next("collection_upsert", 503, "SERVER_UNAVAILABLE", after_apply=True)

    sync(sf_bot)  # Salesforce made it but the answer was a 503; the next pull links it by our key
    sf_bot.clock.advance(minutes=2)
    salesforce.advance(timedelta(minutes=2))
    sync(sf_bot)
    sync(sf_bot)

    [made] = salesforce.opportunities()
    [opp_id] = {w.opportunity_id for w in outbox.writes_for(sf_bot.db, "T1")}
    assert crm.crm_id_of(sf_bot.db, "T1", "salesforce", opp_id) == made["Id"]
    [celebrated] = sf_bot.slack.wait_for("chat.postMessage", channel="CWINS")
    assert celebrated.args["text"].count("Globex") == 1


def test_where_our_field_cannot_be_made_a_lost_create_is_found_by_what_it_sent(sf_bot, salesforce):
    salesforce.may_customize = False
    salesforce.add_opportunity("Globex pilot", "Prospecting", salesforce.ada, 12000.0, date(2027, 1, 1))
    sync(sf_bot)  # someone's deal of the same name already exists, made before ours
    salesforce.advance(timedelta(minutes=30))
    sf_bot.clock.advance(minutes=30)
    open_in_slack(sf_bot, "Globex pilot 12k close:2027-01-01")
    salesforce.fail_next("collection_create", 503, "SERVER_UNAVAILABLE", after_apply=True)

    sync(sf_bot)
    sf_bot.clock.advance(minutes=2)
    salesforce.advance(timedelta(minutes=2))
    report = sync(sf_bot)
    sync(sf_bot)

    assert report.created == 0, "ours is linked, not imported as a stranger's deal"
    made = [one for one in salesforce.opportunities() if one["Name"] == "Globex pilot"]
    assert len(made) == 2 and len(salesforce.requests_to("collection_create")) == 1
    [write] = [w for w in outbox.writes_for(sf_bot.db, "T1") if w.change_key == outbox.CREATE]
    newest = max(made, key=lambda one: one["CreatedDate"])
    assert crm.crm_id_of(sf_bot.db, "T1", "salesforce", write.opportunity_id) == newest["Id"]
    assert write.status == "sent"


def test_a_runs_new_and_moved_deals_go_out_together_one_collection_request_each(sf_bot, salesforce):
    owns_a_deal_already(salesforce)
    sync(sf_bot)
    for name in ("Acme", "Globex", "Initech"):
        open_in_slack(sf_bot, f"{name} pilot 5k")
    sync(sf_bot)
    sf_bot.clock.advance(minutes=1)
    for name in ("Acme", "Globex"):
        assert sf_bot.command(f"stage {name} pilot negotiation", user="UADA").status == 200

    sync(sf_bot)

    [creates] = salesforce.requests_to("collection_upsert")
    assert len(creates.json()["records"]) == 3
    [updates] = salesforce.requests_to("collection_update")
    assert sorted(record["Name"] for record in updates.json()["records"]) == ["Acme pilot", "Globex pilot"]
    moved = {one["Name"]: one["StageName"] for one in salesforce.opportunities()}
    assert moved == {"Earlier deal": "Prospecting", "Acme pilot": "Proposal/Price Quote",
                     "Globex pilot": "Proposal/Price Quote", "Initech pilot": "Prospecting"}  # fmt: skip


def test_a_stage_changed_on_both_sides_goes_to_the_newest_and_the_loser_is_kept(sf_bot, salesforce):
    from storage import crm_records

    owns_a_deal_already(salesforce)
    sync(sf_bot)
    open_in_slack(sf_bot, "Wayne deal 5k stage:prospecting")
    sync(sf_bot)
    [deal] = [one["Id"] for one in salesforce.opportunities() if one["Name"] == "Wayne deal"]
    [opp_id] = {w.opportunity_id for w in outbox.writes_for(sf_bot.db, "T1")}

    sf_bot.clock.advance(minutes=1)
    sf_bot.command("stage wayne negotiation", user="UADA")  # Slack first…
    sf_bot.replies(2)
    salesforce.at = sf_bot.clock() + timedelta(minutes=1)
    salesforce.update_opportunity(deal, StageName="Qualification")  # …Salesforce a minute later: it wins
    sync(sf_bot)

    assert crm.opportunity(sf_bot.db, "T1", opp_id).stage == "Proposal"
    assert salesforce.tables["Opportunity"][deal]["StageName"] == "Qualification"
    [lost] = [one for one in crm_records.conflicts(sf_bot.db, "T1", opp_id) if one.field == "stage"]
    assert (lost.kept_value, lost.lost_value, lost.winner) == ("Proposal", "Negotiation", "salesforce")
