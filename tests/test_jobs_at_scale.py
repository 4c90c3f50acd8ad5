"""Jobs walk every workspace without a query per workspace per rep: the statements a tick runs grow
with the number of workspaces, not with the number of reps in them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event

from bot.jobs import JOBS
from storage import opportunities, records

WORKSPACES = ("T1", "T2", "T3")


def seed(db, reps_per_workspace: int, now) -> None:
    for team_id in WORKSPACES:
        for number in range(reps_per_workspace):
            new = records.NewOpportunity(name=f"Deal {number}", stage="Discovery", amount=1000)
            opportunities.create_opportunity(db, team_id, f"U{number}", new, now - timedelta(days=1))


def statements_in_a_tick(bot, job: str) -> int:
    counted = []

    def count(*_args) -> None:
        counted.append(1)

    JOBS[job].run(bot.services, bot.clock())  # a first tick fills the day-long time-zone cache
    event.listen(bot.db.engine, "before_cursor_execute", count)
    try:
        JOBS[job].run(bot.services, bot.clock())
    finally:
        event.remove(bot.db.engine, "before_cursor_execute", count)
    return len(counted)


def test_a_tick_costs_the_same_for_two_reps_or_twelve_per_workspace(make_bot, db, clock):
    for job in ("nudges", "reflections", "followups", "digest"):
        db_counts = []
        for reps in (2, 12):
            bot = make_bot()
            seed(bot.db, reps, clock())
            db_counts.append(statements_in_a_tick(bot, job))
            with bot.db.engine.begin() as connection:
                for table in ("opportunities", "reps", "scheduled_messages", "workspace_settings"):
                    connection.exec_driver_sql(f"DELETE FROM {table}")
        assert db_counts[0] == db_counts[1] > len(WORKSPACES), f"{job}: {db_counts}"
