"""Exactly once, anywhere: two schedulers on one database, a crash between claim and send, Slack's 429s
and 5xx answers, and reps who can no longer be reached. Runs on SQLite and (with -m database) PostgreSQL."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.app import create_services
from bot.jobs import JOBS
from storage import claim_marks, claims
from storage import outbox as outbox_rows
from storage import reps as store
from storage.db import Database
from storage.models import Activity, Opportunity, ScheduledMessage
from tests.conftest import settings_for
from tests.together import at_once

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # Monday, 10:00 in New York (the stand-in's default zone)


def seed_concentrated(db: Database, user: str = "U1", team: str = "T1") -> None:
    """Seven of eight logged hours on one deal: due a nudge."""
    with db.transaction() as session:
        deal = Opportunity(
            team_id=team,
            owner_id=user,
            name="Acme renewal",
            name_key="acme renewal",
            stage="Discovery",
            status="open",
            created_at=NOW - timedelta(days=3),
            last_change_at=NOW - timedelta(days=3),
        )
        session.add(deal)
        session.flush()
        for minutes, opportunity_id, kind in ((420, deal.id, "deal"), (60, None, "calls")):
            session.add(
                Activity(
                    team_id=team,
                    user_id=user,
                    kind=kind,
                    opportunity_id=opportunity_id,
                    touches=0,
                    minutes=minutes,
                    occurred_on=date(2026, 11, 23),
                    created_at=NOW,
                )
            )


def services(slack, db, at=NOW, *, own_database: bool = False):
    database = Database(db.url) if own_database else db
    return create_services(settings_for(slack, db), db=database, clock=lambda: at)


def dms(slack, user: str = "U1") -> list:
    return [call for call in slack.of("chat.postMessage") if call.args.get("channel") == user]


def outbox(db: Database) -> list[outbox_rows.MessageRecord]:
    return outbox_rows.messages_for(db, "T1")


# --- the claim itself ------------------------------------------------------------------------------


def test_a_key_can_be_claimed_only_once(db):
    key = claims.Key("T1", "U1", "nudge", "2026-11-23")
    first = claims.claim(db, key, "hi", [], NOW)
    assert first is not None and first.attempts == 1
    assert claims.claim(db, key, "hi", [], NOW) is None
    assert claims.claim(db, claims.Key("T2", "U1", "nudge", "2026-11-23"), "hi", [], NOW) is not None

    claim_marks.mark_sent(db, first, NOW)
    assert claims.claim(db, key, "hi", [], NOW + timedelta(days=1)) is None
    assert [(r.status, r.sent_at) for r in outbox(db)] == [("sent", NOW)]


def test_an_abandoned_claim_is_taken_over_only_after_the_lease_and_by_one_taker(db):
    key = claims.Key("T1", "U1", "reflection", "2026-11-27")
    first = claims.claim(db, key, "hello", [{"type": "divider"}], NOW)
    assert claims.take_over_due(db, "T1", "reflection", NOW + claims.LEASE - timedelta(seconds=1)) == []

    later = NOW + claims.LEASE + timedelta(seconds=1)
    [taken] = claims.take_over_due(db, "T1", "reflection", later)
    assert (taken.text, taken.blocks, taken.attempts) == ("hello", [{"type": "divider"}], 2)
    assert taken.token != first.token
    assert claims.take_over_due(db, "T1", "reflection", later) == []
    claim_marks.mark_sent(db, first, later)  # the old owner wakes up: its mark no longer applies
    assert outbox(db)[0].status == "claimed"
    claim_marks.mark_sent(db, taken, later)
    assert outbox(db)[0].status == "sent"


def test_a_posts_claims_are_marked_sent_together_except_one_taken_over_meanwhile(db, caplog):
    keys = [claims.Key("T1", "CWINS", "celebration", f"new:{deal}") for deal in (1, 2, 3)]
    first, second, third = (claims.claim(db, key, "news", [], NOW) for key in keys)
    later = NOW + claims.LEASE + timedelta(seconds=1)
    with db.transaction() as session:  # another instance took the third over after its lease ran out
        session.execute(
            ScheduledMessage.__table__.update()
            .where(ScheduledMessage.id == third.id)
            .values(claimed_by="another instance")
        )

    with caplog.at_level(logging.WARNING):
        assert claim_marks.mark_all_sent(db, [first, second, third], later) == 2

    assert sorted(row.status for row in outbox(db)) == ["claimed", "sent", "sent"]
    assert "taken over by another instance" in caplog.text


def test_failed_sends_back_off_then_give_up_after_five_attempts(db, caplog):
    key = claims.Key("T1", "U1", "nudge", "2026-11-23")
    claim = claims.claim(db, key, "hi", [], NOW)
    at = NOW
    waits = []
    for _ in range(claims.MAX_ATTEMPTS - 1):
        outcome = claim_marks.mark_failed_attempt(db, claim, "internal_error", at)
        assert outcome.status == "retry"
        waits.append(outcome.next_attempt_at - at)
        assert claims.take_over_due(db, "T1", "nudge", outcome.next_attempt_at - timedelta(seconds=1)) == []
        at = outcome.next_attempt_at
        [claim] = claims.take_over_due(db, "T1", "nudge", at)
    assert waits == [timedelta(minutes=5), timedelta(minutes=10), timedelta(minutes=20), timedelta(minutes=40)]
    assert claim_marks.mark_failed_attempt(db, claim, "internal_error", at).status == "failed"
    assert claims.take_over_due(db, "T1", "nudge", at + timedelta(days=1)) == []
    [record] = outbox(db)
    assert (record.status, record.attempts, record.last_error) == ("failed", 5, "internal_error")


# --- two schedulers, one database ------------------------------------------------------------------------


@pytest.mark.parametrize("job", ["nudges", "reflections"])
def test_two_schedulers_running_the_same_tick_send_one_message(slack, db, job):
    seed_concentrated(db)
    at = NOW if job == "nudges" else datetime(2026, 11, 27, 20, 0, tzinfo=UTC)  # Friday 15:00 in New York
    instances = [services(slack, db, at, own_database=True) for _ in range(2)]

    reports = at_once([lambda instance=instance: JOBS[job].run(instance, at) for instance in instances], timeout=30)

    assert sum(report.sent for report in reports) == 1
    assert len(dms(slack)) == 1
    assert [record.status for record in outbox(db)] == ["sent"]
    for instance in instances:
        instance.db.dispose()


# --- a crash between claim and send ------------------------------------------------------------------------


class ProcessKilled(BaseException):
    """Stands in for the process dying: not an Exception, so nothing in the bot catches it."""


def test_a_crash_between_claim_and_send_is_sent_once_after_a_restart(slack, db):
    seed_concentrated(db)
    doomed = services(slack, db)

    def die(**_):
        raise ProcessKilled

    doomed.client.chat_postMessage = die
    with pytest.raises(ProcessKilled):
        JOBS["nudges"].run(doomed, NOW)
    assert [record.status for record in outbox(db)] == ["claimed"]
    assert dms(slack) == []

    # Restarted at once: the claim is still leased to the dead process, so nothing is sent yet.
    assert JOBS["nudges"].run(services(slack, db, NOW + timedelta(minutes=5)), NOW + timedelta(minutes=5)).sent == 0
    # A tick after the lease: sent exactly once; further ticks send nothing.
    later = NOW + claims.LEASE + timedelta(minutes=5)
    assert JOBS["nudges"].run(services(slack, db, later), later).sent == 1
    assert JOBS["nudges"].run(services(slack, db, later), later).sent == 0
    assert len(dms(slack)) == 1
    [record] = outbox(db)
    assert (record.status, record.attempts) == ("sent", 2)


# --- Slack's answers ---------------------------------------------------------------------------------------


def test_a_429_with_retry_after_is_retried_by_the_client_and_the_message_goes_once(slack, db):
    seed_concentrated(db)
    slack.queue("chat.postMessage", {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "0"})

    report = JOBS["nudges"].run(services(slack, db), NOW)

    assert report.sent == 1
    assert len(dms(slack)) == 2  # the rejected try and the accepted one
    assert [(record.status, record.attempts) for record in outbox(db)] == [("sent", 1)]
    assert JOBS["nudges"].run(services(slack, db), NOW).sent == 0
    assert len(dms(slack)) == 2


def test_server_errors_beyond_the_clients_retries_are_retried_on_a_later_tick(slack, db):
    seed_concentrated(db)
    for _ in range(3):  # the first try and the client's two retries
        slack.queue("chat.postMessage", {"ok": False, "error": "internal_error"}, status=503)

    assert JOBS["nudges"].run(services(slack, db), NOW).outcomes["retry"] == 1
    [record] = outbox(db)
    assert (record.status, record.next_attempt_at) == ("retry", NOW + timedelta(minutes=5))

    soon = NOW + timedelta(minutes=2)
    assert JOBS["nudges"].run(services(slack, db, soon), soon).sent == 0
    due = NOW + timedelta(minutes=5)
    assert JOBS["nudges"].run(services(slack, db, due), due).sent == 1
    assert JOBS["nudges"].run(services(slack, db, due), due).sent == 0
    assert len(dms(slack)) == 4
    assert [(record.status, record.attempts) for record in outbox(db)] == [("sent", 2)]


def test_a_message_that_keeps_failing_is_marked_failed_and_logged(slack, db, caplog):
    seed_concentrated(db)
    slack.always("chat.postMessage", lambda args: {"ok": False, "error": "fatal_error"})
    at = NOW
    with caplog.at_level(logging.ERROR, logger="pipeline_coach.delivery"):
        for _ in range(8):
            JOBS["nudges"].run(services(slack, db, at), at)
            at += timedelta(minutes=45)
    [record] = outbox(db)
    assert (record.status, record.attempts, record.last_error) == ("failed", 5, "fatal_error")
    assert len(dms(slack)) == 5
    assert "gave up on nudge" in caplog.text


@pytest.mark.parametrize("error", ["cannot_dm_bot", "user_not_found", "account_inactive"])
def test_a_rep_who_cannot_get_dms_is_marked_and_skipped_not_retried(slack, db, error):
    seed_concentrated(db)
    slack.always("chat.postMessage", lambda args: {"ok": False, "error": error})

    assert JOBS["nudges"].run(services(slack, db), NOW).outcomes["skipped"] == 1
    assert [(record.status, record.last_error) for record in outbox(db)] == [("skipped", error)]
    rep = store.get_or_create_rep(db, "T1", "U1", NOW)
    assert rep.undeliverable_reason == error
    next_week = NOW + timedelta(days=7)
    for job in ("nudges", "reflections", "followups"):
        JOBS[job].run(services(slack, db, next_week), next_week)
    assert len(dms(slack)) == 1


def test_a_rep_slack_no_longer_knows_is_marked_before_any_dm(slack, db):
    seed_concentrated(db)
    slack.always("users.info", lambda args: {"ok": False, "error": "user_not_found"})

    assert JOBS["nudges"].run(services(slack, db), NOW).sent == 0
    assert dms(slack) == []
    assert store.get_or_create_rep(db, "T1", "U1", NOW).undeliverable_reason == "user_not_found"
    JOBS["nudges"].run(services(slack, db, NOW + timedelta(days=2)), NOW + timedelta(days=2))
    assert len(slack.of("users.info")) == 1


def test_a_retry_is_dropped_if_the_rep_switched_coaching_off_meanwhile(slack, db):
    seed_concentrated(db)
    slack.queue("chat.postMessage", {"ok": False, "error": "internal_error"})
    JOBS["nudges"].run(services(slack, db), NOW)
    store.update_rep(db, "T1", "U1", NOW, coaching_enabled=False)

    later = NOW + timedelta(minutes=5)
    assert JOBS["nudges"].run(services(slack, db, later), later).outcomes["skipped"] == 1
    assert [(record.status, record.last_error) for record in outbox(db)] == [("skipped", "coaching off")]
    assert len(dms(slack)) == 1


def test_every_claim_is_filtered_by_workspace(slack, db):
    seed_concentrated(db, team="T1")
    seed_concentrated(db, team="T2")
    assert JOBS["nudges"].run(services(slack, db), NOW).sent == 2
    with db.transaction() as session:
        teams = session.scalars(select(ScheduledMessage.team_id).order_by(ScheduledMessage.team_id)).all()
    assert teams == ["T1", "T2"]
