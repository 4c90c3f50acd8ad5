"""A slot for many reps: the shared queue (oldest first, each row to one instance), leases on the wall
clock that a long fan-out renews, a takeover the old owner notices, two instances sharing one slot, and
Slack told in advance when its limits make the slot late. Runs on SQLite and (-m database) PostgreSQL."""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot import fanout
from bot.app import create_services
from bot.delivery import TAKEN_OVER, deliver
from bot.jobs import JOBS
from storage import claim_marks, claims, outbox, queue, reps
from storage.db import Database
from storage.models import ScheduledMessage
from tests.conftest import Clock, settings_for
from tests.test_time_zones_bulk import directory

FRIDAY_3PM_NEW_YORK = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)
KIND = "reflection"


def render_all(taken):
    return {row.id: (f"Hello {row.recipient_id}", [], None) for row in taken}


def plan(db, users, due_at=FRIDAY_3PM_NEW_YORK, period="2026-11-27"):
    items = [queue.Planned(user, period, due_at) for user in users]
    queue.plan(db, "T1", KIND, items, claims.new_token(), due_at)


def services_on(slack, db, clock, **overrides):
    return create_services(settings_for(slack, db, **overrides), db=db, clock=clock)


def dms_per_rep(slack) -> dict[str, int]:
    counted: dict[str, int] = {}
    for call in slack.of("chat.postMessage"):
        counted[call.args["channel"]] = counted.get(call.args["channel"], 0) + 1
    return counted


def test_planning_twice_plans_nothing_new_and_the_oldest_due_are_taken_first(db):
    plan(db, ["U3"], FRIDAY_3PM_NEW_YORK + timedelta(hours=2))
    plan(db, ["U1", "U2"], FRIDAY_3PM_NEW_YORK)
    plan(db, ["U1", "U2", "U3"], FRIDAY_3PM_NEW_YORK)
    assert queue.pending_count(db, "T1", KIND) == (3, FRIDAY_3PM_NEW_YORK)

    first = queue.take(db, "T1", KIND, 2, "instance-a", FRIDAY_3PM_NEW_YORK, render_all)
    rest = queue.take(db, "T1", KIND, 2, "instance-b", FRIDAY_3PM_NEW_YORK, render_all)
    assert sorted(claim.key.recipient_id for claim in first) == ["U1", "U2"]
    assert [claim.key.recipient_id for claim in rest] == ["U3"]
    assert queue.take(db, "T1", KIND, 2, "instance-c", FRIDAY_3PM_NEW_YORK, render_all) == []


def test_a_lease_runs_from_when_the_claim_was_taken_not_from_when_the_tick_began(db):
    plan(db, ["U1"])
    taken_late = FRIDAY_3PM_NEW_YORK + timedelta(minutes=12)  # the tick began at 15:00; its fan-out got here
    [claim] = queue.take(db, "T1", KIND, 10, "instance-a", taken_late, render_all)

    another_tick = FRIDAY_3PM_NEW_YORK + timedelta(minutes=15)
    assert claims.take_over_due(db, "T1", KIND, another_tick) == []
    [resumed] = claims.take_over_due(db, "T1", KIND, taken_late + claims.LEASE + timedelta(seconds=1))
    assert resumed.id == claim.id
    assert not resumed.resumed, "its send never began: nothing to look for in the DM before sending"


def test_a_renewed_lease_is_not_taken_over(db):
    plan(db, ["U1", "U2"])
    queue.take(db, "T1", KIND, 10, "instance-a", FRIDAY_3PM_NEW_YORK, render_all)
    assert queue.renew(db, "instance-a", FRIDAY_3PM_NEW_YORK + timedelta(minutes=9)) == 2
    assert claims.take_over_due(db, "T1", KIND, FRIDAY_3PM_NEW_YORK + timedelta(minutes=11)) == []


def test_an_owner_whose_claim_was_taken_over_does_not_send_and_a_late_mark_says_so(slack, db, caplog):
    plan(db, ["U1"])
    clock = Clock(FRIDAY_3PM_NEW_YORK)
    stalled = services_on(slack, db, clock)
    [mine] = queue.take(db, "T1", KIND, 10, "instance-a", clock(), render_all)
    clock.advance(minutes=11)  # instance A stalled past its lease; B takes the claim over
    [theirs] = claims.take_over_due(db, "T1", KIND, clock())

    assert deliver(stalled, mine, clock()) == TAKEN_OVER
    assert slack.of("chat.postMessage") == []
    with caplog.at_level(logging.WARNING, logger="pipeline_coach.claims"):
        assert claim_marks.mark_sent(db, mine, clock()) is False
    assert "taken over by another instance" in caplog.text

    assert deliver(services_on(slack, db, clock), theirs, clock()) == "sent"
    assert dms_per_rep(slack) == {"U1": 1}
    assert [row.status for row in outbox.messages_for(db, "T1")] == ["sent"]


def test_a_long_fan_out_renews_its_leases_so_another_instance_takes_nothing_over(slack, db, monkeypatch):
    monkeypatch.setattr(fanout, "RENEW_EVERY", timedelta(seconds=0.05))
    users = [f"U{n:02}" for n in range(12)]
    reps.ensure_reps(db, "T1", users, FRIDAY_3PM_NEW_YORK)
    slack.always("users.list", directory({user: {"tz": "America/New_York"} for user in users}))
    clock = Clock(FRIDAY_3PM_NEW_YORK)
    taken_over: list = []

    def slow_slack(args: dict) -> dict:
        clock.advance(minutes=1)  # each DM takes a minute of the slot
        time.sleep(0.1)  # and long enough for the renewer to run
        taken_over.extend(claims.take_over_due(db, "T1", KIND, clock()))  # another instance looks
        return {"ok": True, "channel": args.get("channel"), "ts": "1.0"}

    slack.always("chat.postMessage", slow_slack)
    report = JOBS["reflections"].run(services_on(slack, db, clock, fanout_workers=1), FRIDAY_3PM_NEW_YORK)

    assert clock() - FRIDAY_3PM_NEW_YORK > claims.LEASE  # the fan-out outlived a lease
    assert taken_over == []
    assert report.sent == 12
    assert dms_per_rep(slack) == {user: 1 for user in users}


def takers(db) -> set[str]:
    """The instances that took a batch of the slot from the shared queue (each drain claims under its own
    token)."""
    message = ScheduledMessage
    taken = select(message.claimed_by).where(message.kind == KIND, message.status != "pending")
    with db.engine.connect() as connection:
        return set(connection.execute(taken).scalars())


def test_two_instances_share_one_slot_without_a_duplicate_call(slack, db):
    users = [f"U{n:03}" for n in range(120)]
    reps.ensure_reps(db, "T1", users, FRIDAY_3PM_NEW_YORK)
    slack.always("users.list", directory({user: {"tz": "America/New_York"} for user in users}, page=50))

    def answer_once_both_instances_hold_a_batch(args: dict) -> dict:
        """However busy the machine, the first instance cannot finish the slot alone: Slack answers nobody
        until the queue shows batches taken by two instances (the second waits on the zones, then joins)."""
        deadline = time.monotonic() + 30
        while len(takers(db)) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        return {"ok": True, "channel": args.get("channel"), "ts": "1.0"}

    slack.always("chat.postMessage", answer_once_both_instances_hold_a_batch)
    instances = [services_on(slack, Database(db.url), lambda: FRIDAY_3PM_NEW_YORK, fanout_workers=2) for _ in range(2)]
    start = threading.Barrier(2)
    reports, errors = [], []

    def tick(instance) -> None:
        try:
            start.wait()
            reports.append(JOBS["reflections"].run(instance, FRIDAY_3PM_NEW_YORK))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=tick, args=(instance,)) for instance in instances]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert dms_per_rep(slack) == {user: 1 for user in users}, "a rep got two DMs, or none"
    assert len(takers(db)) == 2 and sorted(report.sent for report in reports)[0] > 0, "one did all the work"
    assert sum(report.sent for report in reports) == 120
    assert len(slack.of("users.list")) == 3  # one instance read the directory (3 pages); the other waited
    assert slack.of("users.info") == []
    for instance in instances:
        instance.db.dispose()


def test_a_slot_slack_cannot_deliver_in_time_says_how_late_the_last_one_will_be(slack, db, caplog):
    plan(db, [f"U{n}" for n in range(40)])
    slow = services_on(slack, db, lambda: FRIDAY_3PM_NEW_YORK, slack_rate_limits="chat.postMessage=2")
    with caplog.at_level(logging.WARNING, logger="pipeline_coach.fanout"):
        fanout.warn_if_late(slow, "T1", KIND, timedelta(minutes=15))
    assert "40 waiting" in caplog.text
    assert "about 20 min after it fell due" in caplog.text

    caplog.clear()
    quick = services_on(slack, db, lambda: FRIDAY_3PM_NEW_YORK)
    with caplog.at_level(logging.WARNING, logger="pipeline_coach.fanout"):
        fanout.warn_if_late(quick, "T1", KIND, timedelta(minutes=15))
    assert caplog.text == ""


def test_two_instances_under_a_third_of_slacks_answers_failing_lose_nothing_and_send_nothing_twice(slack, db):
    """429s and 5xx (retried by the client, Retry-After honoured) and failed sends (retried through the
    outbox on a later tick), with two instances on the same slot: every rep gets exactly one DM."""
    users = [f"U{n:03}" for n in range(60)]
    reps.ensure_reps(db, "T1", users, FRIDAY_3PM_NEW_YORK)
    slack.always("users.list", directory({user: {"tz": "America/New_York"} for user in users}, page=50))
    for _ in range(10):
        slack.queue("chat.postMessage", {"ok": False, "error": "ratelimited"}, 429, {"Retry-After": "0"})
        slack.queue("chat.postMessage", {"ok": False, "error": "fatal_error"}, 500)
    delivered: dict[str, int] = {}
    failed_once: set[str] = set()
    lock = threading.Lock()

    def third_fail_once(args: dict) -> dict:
        channel = str(args.get("channel"))
        with lock:
            if int(channel[1:]) % 3 == 0 and channel not in failed_once:
                failed_once.add(channel)
                return {"ok": False, "error": "service_unavailable"}
            delivered[channel] = delivered.get(channel, 0) + 1
        return {"ok": True, "channel": channel, "ts": "1.0"}

    slack.always("chat.postMessage", third_fail_once)
    later = Clock(FRIDAY_3PM_NEW_YORK)
    instances = [services_on(slack, Database(db.url), later, fanout_workers=2) for _ in range(2)]

    def both_tick(moment) -> None:
        later.set(moment)
        start = threading.Barrier(2)

        def tick(instance) -> None:
            start.wait()
            JOBS["reflections"].run(instance, moment)

        threads = [threading.Thread(target=tick, args=(instance,)) for instance in instances]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)

    both_tick(FRIDAY_3PM_NEW_YORK)
    assert failed_once and len(delivered) < len(users), "some sends failed the first time"
    both_tick(FRIDAY_3PM_NEW_YORK + timedelta(minutes=6))  # the first retries' backoff (5 min) has passed
    both_tick(FRIDAY_3PM_NEW_YORK + timedelta(minutes=20))  # a rep that failed twice waits 10 more

    assert delivered == {user: 1 for user in users}, "a rep got two DMs, or none"
    assert {record.status for record in outbox.messages_for(db, "T1")} == {"sent"}
    for instance in instances:
        instance.db.dispose()
