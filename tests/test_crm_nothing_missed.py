"""Nothing HubSpot holds is missed or doubled: late search results, lost create answers, same-named deals,
deals that left the pipeline, and syncs that overlap."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select

from bot.services.crm_push import RUN_LEASE, run_sync
from storage import crm, crm_records
from storage.db import Database
from storage.models import CrmLink, Opportunity
from tests.hubspot_fixtures import crm_bot, crm_settings, hubspot, hubspot_server, provider_for  # fixtures
from tests.test_crm_push import CREATE_PATH, creates, open_in_slack


def sync(bot, hubspot, full=False):
    return run_sync(bot.services, bot.clock(), full=full, provider=provider_for(hubspot, bot.db))


def held(bot, deal_id: str):
    return crm.linked(bot.db, "T1", "hubspot", [deal_id])[deal_id].opportunity


def rows(db, model) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_an_update_that_reaches_hubspots_search_late_is_still_applied(crm_bot, hubspot):
    slow = hubspot.add_deal(dealname="Slow", dealstage="qualifiedtobuy", amount="10", hubspot_owner_id="501")
    sync(crm_bot, hubspot)

    hubspot.search_lag = timedelta(seconds=8)
    hubspot.update_deal(slow, dealstage="contractsent")  # search shows this 8 s late…
    hubspot.search_lag = timedelta(0)
    hubspot.add_deal(dealname="Quick", dealstage="qualifiedtobuy", amount="10", hubspot_owner_id="501")  # …not this
    first = sync(crm_bot, hubspot)
    assert first.created == 1 and held(crm_bot, slow).stage == "Discovery", "not in HubSpot's search yet"

    hubspot.clock += timedelta(seconds=10)
    second = sync(crm_bot, hubspot)

    assert held(crm_bot, slow).stage == "Negotiation"
    assert (second.created, second.updated) == (0, 1), "what the look-back reads again is skipped by its time"
    assert rows(crm_bot.db, Opportunity) == 2


def test_two_reps_same_named_deals_whose_create_answers_were_lost_both_link_and_both_sync(crm_bot, hubspot):
    sync(crm_bot, hubspot)
    open_in_slack(crm_bot, "Acme renewal 10k", user="UADA")
    open_in_slack(crm_bot, "Acme renewal 20k", user="UGRACE")
    hubspot.search_lag = timedelta(seconds=8)  # and HubSpot's search does not show them yet
    for _ in range(2):
        hubspot.fail_next(502, method="POST", path=CREATE_PATH, after_applying=True)

    sync(crm_bot, hubspot)  # both made in HubSpot, both answers lost
    crm_bot.clock.advance(minutes=2)
    sync(crm_bot, hubspot)  # each is found by its own key, not created again
    hubspot.clock += timedelta(seconds=10)
    sync(crm_bot, hubspot)  # the search shows them now: linked already, nothing imported

    assert len(creates(hubspot)) == 2 and len(hubspot.live_deals()) == 2
    assert rows(crm_bot.db, Opportunity) == rows(crm_bot.db, CrmLink) == 2
    for deal in hubspot.live_deals():
        amount = {"UADA": 10_000, "UGRACE": 20_000}[held(crm_bot, deal.id).owner_id]
        assert deal.properties["amount"] == str(amount)

    crm_bot.clock.advance(minutes=1)
    for user, count in (("UADA", 3), ("UGRACE", 4)):
        crm_bot.command("stage acme proposal", user=user)
        crm_bot.replies(count)
    sync(crm_bot, hubspot)
    assert {deal.properties["dealstage"] for deal in hubspot.live_deals()} == {"presentationscheduled"}


def test_full_sync_closes_a_deal_that_moved_to_another_pipeline(crm_bot, hubspot):
    moved = hubspot.add_deal(dealname="Moved", dealstage="qualifiedtobuy", amount="10", hubspot_owner_id="501")
    kept = hubspot.add_deal(dealname="Kept", dealstage="qualifiedtobuy", amount="10", hubspot_owner_id="501")
    sync(crm_bot, hubspot)

    hubspot.update_deal(moved, pipeline="renewals", dealstage="renewal-open")
    assert sync(crm_bot, hubspot).removed == 0, "an ordinary sync reads only the followed pipeline"
    assert sync(crm_bot, hubspot, full=True).removed == 1

    assert held(crm_bot, moved).status == "removed"
    assert held(crm_bot, moved).lost_reason == "No longer in the followed HubSpot pipeline"
    assert held(crm_bot, kept).status == "open"
    assert [flag.crm_id for flag in crm_records.flags(crm_bot.db, "T1", "hubspot")] == [moved]


class HeldProvider:
    """The product's provider, held at its first request until the test lets it go."""

    def __init__(self, inner) -> None:
        self._inner, self.started, self.go = inner, threading.Event(), threading.Event()

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def ensure_key_property(self) -> None:
        self.started.set()
        assert self.go.wait(30)
        self._inner.ensure_key_property()


def test_a_sync_that_starts_while_another_runs_is_skipped_and_a_crashed_ones_hold_expires(crm_bot, hubspot):
    hubspot.add_deal(dealname="Acme", dealstage="qualifiedtobuy", amount="10", hubspot_owner_id="501")
    slow = HeldProvider(provider_for(hubspot, crm_bot.db))
    first: list = []
    thread = threading.Thread(target=lambda: first.append(run_sync(crm_bot.services, crm_bot.clock(), provider=slow)))
    thread.start()
    assert slow.started.wait(30)

    second = sync(crm_bot, hubspot)
    slow.go.set()
    thread.join(30)

    assert second.skipped and second.summary().startswith("CRM sync skipped")
    assert first[0].created == 1 and first[0].error is None
    assert crm.start_run(crm_bot.db, "T1", "hubspot", crm_bot.clock(), RUN_LEASE) is not None  # a run that crashes…
    assert sync(crm_bot, hubspot).skipped
    crm_bot.clock.advance(minutes=31)
    assert not sync(crm_bot, hubspot).skipped, "…holds the workspace no longer than its lease"


def test_overlapping_syncs_with_their_own_database_connections_end_cleanly(make_bot, hubspot, db):
    """As two processes would: each bot has its own engine; whichever runs imports, the others skip or
    find nothing new, and nothing raises (PostgreSQL once ended one with an IntegrityError)."""
    for number in range(300):
        hubspot.add_deal(dealname=f"Deal {number}", dealstage="qualifiedtobuy", amount="10", hubspot_owner_id="501")
    engines = [db, Database(db.url), Database(db.url)]
    bots = [make_bot(database=engine, **crm_settings(hubspot)) for engine in engines]
    reports, errors = [], []

    def run(bot) -> None:
        try:
            reports.append(sync(bot, hubspot))
        except Exception as error:  # reported below, in the test's own thread
            errors.append(error)

    try:
        threads = [threading.Thread(target=run, args=(bot,)) for bot in bots + bots]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        for engine in engines[1:]:
            engine.dispose()

    assert errors == [] and len(reports) == 6 and all(report.error is None for report in reports)
    assert sum(report.created for report in reports) == 300
    assert rows(db, Opportunity) == rows(db, CrmLink) == 300
