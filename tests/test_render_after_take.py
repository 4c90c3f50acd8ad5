"""A slot's batch is taken and committed before it is rendered: no transaction waits on rendering, a render
that fails puts its batch back for the next take (nothing lost, nothing half kept for the next render), and
an instance that dies mid-render leaves rows that go back to the queue, never to a resumed send. Runs on
SQLite and (-m database) PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.app import create_services
from bot.jobs import JOBS, reflections
from bot.jobs.report import JobReport
from storage import claims, outbox, queue, reps
from storage.db import DatabaseUnavailable
from storage.models import ScheduledMessage
from tests.conftest import Clock, settings_for
from tests.test_time_zones_bulk import directory

FRIDAY_3PM_NEW_YORK = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)
KIND = "reflection"


def plan(db, users):
    items = [queue.Planned(user, "2026-11-27", FRIDAY_3PM_NEW_YORK) for user in users]
    queue.plan(db, "T1", KIND, items, claims.new_token(), FRIDAY_3PM_NEW_YORK)


def statuses_seen_from_elsewhere(db) -> dict[str, str]:
    """What another connection sees: only what has been committed."""
    found: dict[str, str] = {}

    def look() -> None:
        with db.engine.connect() as connection:
            rows = connection.execute(select(ScheduledMessage.recipient_id, ScheduledMessage.status))
            found.update({row.recipient_id: row.status for row in rows})

    reader = threading.Thread(target=look)
    reader.start()
    reader.join(10)
    return found


def test_a_batch_is_claimed_and_committed_before_it_is_rendered(db):
    plan(db, ["U1", "U2"])
    seen: list[dict] = []

    def render(taken):
        seen.append(statuses_seen_from_elsewhere(db))
        return {row.id: (f"Hello {row.recipient_id}", [], None) for row in taken}

    batch = queue.take(db, "T1", KIND, 10, "instance-a", FRIDAY_3PM_NEW_YORK, render)

    assert seen == [{"U1": "claimed", "U2": "claimed"}], "the render ran inside the take's transaction"
    assert sorted(claim.text for claim in batch) == ["Hello U1", "Hello U2"]


def test_a_render_that_fails_puts_its_batch_back_and_the_next_take_sends_it(db):
    plan(db, ["U1", "U2"])

    def broken(taken):
        raise DatabaseUnavailable("the database did not answer", False)

    with pytest.raises(DatabaseUnavailable):
        queue.take(db, "T1", KIND, 10, "instance-a", FRIDAY_3PM_NEW_YORK, broken)
    assert {row.status for row in outbox.messages_for(db, "T1")} == {"pending"}

    batch = queue.take(
        db, "T1", KIND, 10, "instance-b", FRIDAY_3PM_NEW_YORK, lambda taken: {row.id: ("Hi", [], None) for row in taken}
    )
    assert sorted(claim.key.recipient_id for claim in batch) == ["U1", "U2"]


def test_rows_of_an_instance_that_died_mid_render_go_back_to_the_queue_not_to_a_resumed_send(db):
    plan(db, ["U1"])

    def dies(taken):
        raise SystemExit  # kill -9 stand-in: nothing after this line runs in that instance

    with pytest.raises(SystemExit):
        queue.take(db, "T1", KIND, 10, "instance-a", FRIDAY_3PM_NEW_YORK, dies)
    with db.transaction() as session:  # as if the release never ran: the process was gone
        session.execute(ScheduledMessage.__table__.update().values(status="claimed", claimed_by="instance-a"))

    after_lease = FRIDAY_3PM_NEW_YORK + claims.LEASE + timedelta(minutes=1)
    assert claims.take_over_due(db, "T1", KIND, after_lease) == [], "an unrendered claim is never resumed"
    [claim] = queue.take(
        db, "T1", KIND, 10, "instance-b", after_lease, lambda taken: {row.id: ("Hi", [], None) for row in taken}
    )
    assert claim.key.recipient_id == "U1" and not claim.resumed


def test_a_reflection_render_whose_read_failed_renders_whole_the_next_time(slack, db, monkeypatch):
    """The per-batch reads are kept for that batch only: a failure halfway leaves nothing half filled
    (it used to leave the tick's cache without 'asked', and every later batch raised KeyError)."""
    users = ["U1", "U2"]
    reps.ensure_reps(db, "T1", users, FRIDAY_3PM_NEW_YORK)
    slack.always("users.list", directory({user: {"tz": "America/New_York"} for user in users}))
    services = create_services(settings_for(slack, db), db=db, clock=Clock(FRIDAY_3PM_NEW_YORK))
    real = outbox.recent_question_ids
    calls = {"count": 0}

    def fails_once(*args, **kwargs):
        calls["count"] += 1
        if calls["count"] == 1:
            raise DatabaseUnavailable("the database did not answer", False)
        return real(*args, **kwargs)

    monkeypatch.setattr(reflections.outbox, "recent_question_ids", fails_once)
    report = JobReport("reflections", FRIDAY_3PM_NEW_YORK)
    render = reflections.renderer(services, "T1", FRIDAY_3PM_NEW_YORK, report)
    plan(db, users)
    with pytest.raises(DatabaseUnavailable):
        queue.take(db, "T1", KIND, 10, "instance-a", FRIDAY_3PM_NEW_YORK, render)
    batch = queue.take(db, "T1", KIND, 10, "instance-a", FRIDAY_3PM_NEW_YORK, render)

    assert sorted(claim.key.recipient_id for claim in batch) == users
    assert all(claim.question_id for claim in batch)


def test_a_tick_whose_render_failed_loses_no_rep_and_the_next_tick_sends_each_one_dm(slack, db, monkeypatch):
    users = [f"U{n}" for n in range(5)]
    reps.ensure_reps(db, "T1", users, FRIDAY_3PM_NEW_YORK)
    slack.always("users.list", directory({user: {"tz": "America/New_York"} for user in users}))
    services = create_services(settings_for(slack, db), db=db, clock=Clock(FRIDAY_3PM_NEW_YORK))
    real = reflections.numbers_riding

    def down(*args, **kwargs):
        raise DatabaseUnavailable("the database did not answer", False)

    monkeypatch.setattr(reflections, "numbers_riding", down)
    with pytest.raises(DatabaseUnavailable):
        JOBS["reflections"].run(services, FRIDAY_3PM_NEW_YORK)
    assert slack.of("chat.postMessage") == []
    monkeypatch.setattr(reflections, "numbers_riding", real)
    report = JOBS["reflections"].run(services, FRIDAY_3PM_NEW_YORK + timedelta(minutes=5))

    assert report.sent == 5
    assert sorted(call.args["channel"] for call in slack.of("chat.postMessage")) == users
