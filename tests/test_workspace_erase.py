"""A workspace's data goes when the operator says so (`python -m bot workspace erase TEAM_ID`), or once
WORKSPACE_RETENTION_DAYS have passed since it uninstalled the app; every other workspace keeps its own."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import func, select

from bot.jobs import JOBS
from storage import workspaces
from storage.models import Base
from tests.test_cli import bot_cli
from tests.workspaces import driver_for


def rows_of(db, team_id: str) -> int:
    total = 0
    with db.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            if "team_id" in table.c:
                total += connection.execute(select(func.count()).where(table.c.team_id == team_id)).scalar_one()
    return total


def busy_workspace(bot, team_id: str) -> None:
    driver = driver_for(bot, team_id)
    for text in ("new Acme renewal 48k", "log acme 2h", "quota 100k", "won acme"):
        before = len(bot.slack.of("response_url"))
        driver.command("/opportunity", text)
        bot.slack.wait_for("response_url", before + 1)


def test_erase_now_removes_every_row_of_that_workspace_only(bot):
    busy_workspace(bot, "T1")
    busy_workspace(bot, "T2")
    kept = rows_of(bot.db, "T1")
    done = bot_cli("workspace", "erase", "T2", slack=bot.slack, database_url=bot.db.url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Erased workspace T2:") and "opportunities" in done.stdout
    assert rows_of(bot.db, "T2") == 0
    assert rows_of(bot.db, "T1") == kept > 0


def test_a_mistyped_workspace_id_gets_one_line_and_status_2(bot):
    done = bot_cli("workspace", "erase", "acme", slack=bot.slack, database_url=bot.db.url)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "T0123ABCD" in done.stderr


def test_an_uninstalled_workspace_is_erased_after_the_retention_period(make_bot, clock):
    bot = make_bot(workspace_retention_days=30)
    busy_workspace(bot, "T1")
    busy_workspace(bot, "T2")
    bot.driver.event({"type": "app_uninstalled"}, team="T2")
    deadline = time.monotonic() + 5
    while "T2" not in workspaces.uninstalled_teams(bot.db) and time.monotonic() < deadline:
        time.sleep(0.05)

    assert JOBS["retention"].run(bot.services, clock() + timedelta(days=29)).outcomes["workspaces erased"] == 0
    assert rows_of(bot.db, "T2") > 0, "kept through the retention period"
    assert JOBS["retention"].run(bot.services, clock() + timedelta(days=31)).outcomes["workspaces erased"] == 1
    assert rows_of(bot.db, "T2") == 0
    assert rows_of(bot.db, "T1") > 0
