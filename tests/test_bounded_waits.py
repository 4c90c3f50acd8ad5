"""No wait on the database is unbounded: a slow or stuck statement is ended at DB_STATEMENT_TIMEOUT, and
before the rep has been answered, at the end of Slack's window; work that starts after the window is
not carried out at all, and the rep is told nothing was saved."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from bot import workers
from storage import opportunities as store
from storage.db import Database, DatabaseUnavailable
from storage.timeouts import AnswerBudget, Timeouts, current_budget


def a_long_statement(db: Database) -> str:
    if db.dialect == "postgresql":
        return "SELECT pg_sleep(10)"
    return "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n"


@pytest.fixture
def bounded(db) -> Database:
    bounded = Database(db.url, timeouts=Timeouts(connect=2, statement=0.3, pool=0.5))
    yield bounded
    bounded.dispose()


def test_a_statement_that_outlives_the_timeout_is_ended_and_the_next_one_works(bounded):
    started = time.monotonic()
    with pytest.raises(DatabaseUnavailable), bounded.transaction() as session:
        session.execute(text(a_long_statement(bounded)))

    assert time.monotonic() - started < 1.5
    with bounded.transaction() as session:
        assert session.execute(text("SELECT 1")).scalar() == 1


def test_before_the_rep_is_answered_the_database_gets_only_what_is_left_of_slacks_window(bounded):
    unbounded = Database(bounded.url, timeouts=Timeouts(statement=None))
    token = current_budget.set(AnswerBudget(0.4))
    try:
        started = time.monotonic()
        with pytest.raises(DatabaseUnavailable), unbounded.transaction() as session:
            session.execute(text(a_long_statement(unbounded)))
        assert time.monotonic() - started < 1.5
        time.sleep(0.5)
        with pytest.raises(DatabaseUnavailable, match="AnswerWindowPassed"), unbounded.transaction():
            pass  # the window has passed: not even started
    finally:
        current_budget.reset(token)
        unbounded.dispose()


def test_once_answered_in_time_the_work_after_the_ack_is_not_cut_short(bounded):
    budget = AnswerBudget(0.2)
    budget.answer()
    token = current_budget.set(budget)
    try:
        time.sleep(0.3)
        with bounded.transaction() as session:
            assert session.execute(text("SELECT 1")).scalar() == 1
    finally:
        current_budget.reset(token)


def test_a_request_answered_after_slacks_window_stores_nothing_and_says_so(make_bot, monkeypatch):
    """As when a request waited behind a hung database: its ack comes too late, so its work is refused."""
    bot = make_bot()
    monkeypatch.setattr(workers, "ANSWER_BUDGET_SECONDS", 0.0)

    assert bot.command("new Acme renewal").status == 200

    assert "nothing was saved" in bot.last_reply()["text"]
    assert store.open_opportunities(bot.db, "T1", "U1", 10)[1] == 0
