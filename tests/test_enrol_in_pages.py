"""Every tick first enrols the people the data says are reps (deal owners, time loggers, matched CRM
owners) a page at a time, so each of its transactions stays short in a workspace of 50,000: a workspace
larger than a page has everyone enrolled, and nobody twice. Runs on SQLite and (-m database) PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import insert

from storage import reps
from storage.models import Activity, Opportunity

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def test_a_workspace_of_several_pages_has_every_deal_owner_and_time_logger_enrolled(db, monkeypatch):
    monkeypatch.setattr(reps, "ENROL_PAGE", 3)
    owners = [f"U{n:02}" for n in range(8)]
    loggers = [f"U{n:02}" for n in range(5, 12)]
    with db.engine.begin() as connection:
        connection.execute(insert(Opportunity), [
            {"team_id": "T1", "owner_id": user, "name": f"{user} deal", "name_key": f"{user} deal",
             "stage": "Discovery", "status": "open", "created_at": NOW, "last_change_at": NOW}
            for user in owners
        ])  # fmt: skip
        connection.execute(insert(Activity), [
            {"team_id": "T1", "user_id": user, "kind": "calls", "touches": 1, "minutes": 30,
             "occurred_on": date(2026, 11, 20), "created_at": NOW}
            for user in loggers
        ])  # fmt: skip

    assert reps.enrol_everyone(db, NOW) == 12
    assert sorted(reps.reps_of_team(db, "T1")) == sorted(set(owners) | set(loggers))
    assert reps.enrol_everyone(db, NOW) == 0
