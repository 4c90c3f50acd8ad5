"""CRM storage on SQLite and PostgreSQL: the outbox's exactly-once discipline, the cursor, flags, owners."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from storage import crm, crm_owners, crm_records
from storage import crm_outbox as outbox
from storage.opportunities import NewOpportunity, create_opportunity

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def an_opportunity(db, name="Acme", owner="UADA") -> int:
    return create_opportunity(db, "T1", owner, NewOpportunity(name=name, stage="Discovery"), NOW).id


def test_the_same_change_queued_twice_is_one_write(db):
    opp = an_opportunity(db)
    assert outbox.enqueue(db, "T1", "hubspot", opp, outbox.CREATE, NOW) is True
    assert outbox.enqueue(db, "T1", "hubspot", opp, outbox.CREATE, NOW) is False
    assert [w.change_key for w in outbox.writes_for(db, "T1")] == ["create"]


def test_only_one_of_many_senders_claims_a_write(db):
    opp = an_opportunity(db)
    outbox.enqueue(db, "T1", "hubspot", opp, outbox.CREATE, NOW)
    claimed: list = []
    threads = [
        threading.Thread(target=lambda: claimed.extend(outbox.claim_due(db, "T1", "hubspot", NOW))) for _ in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(claimed) == 1 and claimed[0].attempts == 1


def test_a_failed_write_is_retried_after_its_backoff_then_given_up(db):
    opp = an_opportunity(db)
    outbox.enqueue(db, "T1", "hubspot", opp, outbox.CREATE, NOW)
    moment = NOW
    for attempt in range(1, outbox.MAX_ATTEMPTS + 1):
        [write] = outbox.claim_due(db, "T1", "hubspot", moment)
        assert write.attempts == attempt
        status = outbox.mark_failed_attempt(db, write, "HubSpot answered 502", moment)
        assert outbox.claim_due(db, "T1", "hubspot", moment) == [], "not before its backoff"
        moment += outbox.backoff(attempt)
    assert status == "failed" and outbox.writes_for(db, "T1")[0].status == "failed"


def test_a_write_abandoned_mid_send_is_taken_over_after_the_lease(db):
    opp = an_opportunity(db)
    outbox.enqueue(db, "T1", "hubspot", opp, outbox.CREATE, NOW)
    [first] = outbox.claim_due(db, "T1", "hubspot", NOW)
    assert outbox.claim_due(db, "T1", "hubspot", NOW + timedelta(minutes=5)) == []
    [taken] = outbox.claim_due(db, "T1", "hubspot", NOW + outbox.LEASE + timedelta(seconds=1))
    outbox.mark_sent(db, [first], NOW)  # the vanished sender's late mark changes nothing
    assert outbox.writes_for(db, "T1")[0].status == "claimed" and taken.attempts == 2


def test_a_newer_crm_change_supersedes_our_older_pending_updates_but_never_the_create(db):
    opp = an_opportunity(db)
    outbox.enqueue(db, "T1", "hubspot", opp, outbox.CREATE, NOW)
    outbox.enqueue(db, "T1", "hubspot", opp, NOW.isoformat(), NOW)
    assert outbox.supersede(db, "T1", "hubspot", opp, NOW + timedelta(minutes=1)) == 1
    assert [w.status for w in outbox.writes_for(db, "T1")] == ["pending", "superseded"]


def test_the_cursor_only_moves_forward_and_the_last_error_clears_on_success(db):
    crm.record_run(db, "T1", "hubspot", NOW, requests=5, cursor=NOW, imported=True)
    crm.record_run(db, "T1", "hubspot", NOW, requests=1, cursor=NOW - timedelta(hours=1), error="bad token")
    state = crm.sync_state(db, "T1", "hubspot")
    assert (state.cursor, state.imported_at, state.last_error) == (NOW, NOW, "bad token")
    crm.record_run(db, "T1", "hubspot", NOW, requests=4)
    assert crm.sync_state(db, "T1", "hubspot").last_error is None
    assert crm.sync_state(db, "T2", "hubspot").cursor is None, "each workspace has its own"


def test_a_crm_record_links_to_one_opportunity_per_workspace(db):
    first, second = an_opportunity(db, "Acme"), an_opportunity(db, "Globex")
    assert crm.link(db, "T1", "hubspot", first, "1001", NOW, NOW) is True
    assert crm.link(db, "T1", "hubspot", second, "1001", NOW, NOW) is False
    assert crm.link(db, "T1", "hubspot", first, "1002", NOW, NOW) is False
    assert crm.crm_id_of(db, "T1", "hubspot", first) == "1001" and crm.crm_id_of(db, "T1", "hubspot", second) is None


def test_a_fixed_problem_clears_its_flag_and_a_standing_one_keeps_its_date(db):
    no_amount = (("no_amount", "No amount in HubSpot."),)
    record = crm_records.Record(
        "1001", NOW, None, "UADA", "Acme", None, "Discovery", "open", None, NOW, NOW, flags=no_amount
    )
    [saved] = crm_records.save_records(db, "T1", "hubspot", [record], NOW)
    later = NOW + timedelta(days=1)
    crm_records.save_records(
        db, "T1", "hubspot", [replace(record, opportunity_id=saved.id, crm_modified_at=later)], later
    )
    assert [(flag.problem, flag.flagged_at) for flag in crm_records.flags(db, "T1", "hubspot")] == [("no_amount", NOW)]

    fixed = replace(record, opportunity_id=saved.id, amount=5, flags=(), crm_modified_at=later + timedelta(days=1))
    crm_records.save_records(db, "T1", "hubspot", [fixed], later)
    assert crm_records.flags(db, "T1", "hubspot") == []


def test_a_matched_owner_takes_over_the_deals_that_waited_for_them(db):
    crm_owners.save_owners(db, "T1", "hubspot", [("503", "new@example.com", "New Hire")])
    waiting = an_opportunity(db, owner=crm_owners.placeholder_owner("503"))
    assert crm_owners.set_owner_match(db, "T1", "hubspot", "503", "UNEW", NOW) == 1
    assert crm.opportunity(db, "T1", waiting).owner_id == "UNEW"
    crm_owners.save_owners(db, "T1", "hubspot", [("503", "renamed@example.com", "New Hire")])
    [owner] = crm_owners.owners(db, "T1", "hubspot")
    assert owner.slack_user_id is None, "a changed email is matched again"
