"""Every Monday the channel celebrates the opportunities the team opened, then its wins; once, and only once."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

from bot.app import create_services
from bot.jobs import run_job
from storage import opportunities as store
from storage import records, workspaces
from storage.db import Database
from tests.conftest import settings_for
from tests.together import at_once

LAST_WEEK = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)  # a Wednesday
MONDAY_MORNING = datetime(2026, 11, 23, 9, 5, tzinfo=UTC)


def seed_last_week(db) -> None:
    for owner, name in [("U1", "Acme renewal"), ("U1", "Globex pilot"), ("U2", "<!channel> Initech")]:
        store.create_opportunity(
            db, "T1", owner, records.NewOpportunity(name=name, stage="Discovery", amount=10_000), LAST_WEEK
        )
    store.create_opportunity(
        db, "T1", "U3", records.NewOpportunity(name="Two weeks ago", stage="Discovery"), LAST_WEEK - timedelta(weeks=1)
    )
    store.create_opportunity(
        db, "T1", "U1", records.NewOpportunity(name="Earlier", stage="Discovery"), LAST_WEEK - timedelta(weeks=1)
    )
    store.move_stage(db, "T1", "U1", 1, "Won", LAST_WEEK + timedelta(days=1), status=records.WON)


def digest_posts(bot):
    return [c.args for c in bot.slack.of("chat.postMessage") if c.args["channel"] == "CWINS"]


def test_the_monday_digest_puts_openings_first_then_wins(bot, db):
    seed_last_week(db)
    report = run_job("digest", bot.services, MONDAY_MORNING)

    assert report.sent == 1
    [post] = digest_posts(bot)
    text = json.dumps(post["blocks"], ensure_ascii=False)
    assert "3 new opportunities opened last week" in text
    assert text.index("opened") < text.index("won")
    assert "<@U1> opened 2 opportunities: Acme renewal, Globex pilot" in text
    assert "&lt;!channel&gt; Initech" in text
    assert "<@U1> won Acme renewal" in text
    assert "Creation to capture: 3.0 opened for every win" in text
    assert "1 rep kept their opening streak" in text
    assert "$10,000" not in text, "no amounts unless CELEBRATE_AMOUNTS is on"
    assert "Two weeks ago" not in text


def test_the_digest_is_posted_once_however_often_the_job_runs(bot, db):
    seed_last_week(db)
    for minutes in (0, 15, 30, 24 * 60):
        run_job("digest", bot.services, MONDAY_MORNING + timedelta(minutes=minutes))
    assert len(digest_posts(bot)) == 1


def test_before_the_slot_nothing_is_posted(bot, db):
    seed_last_week(db)
    report = run_job("digest", bot.services, MONDAY_MORNING - timedelta(minutes=10))
    assert report.sent == 0 and digest_posts(bot) == []


def test_a_quiet_week_is_met_with_encouragement_not_blame(bot, db):
    store.create_opportunity(
        db, "T1", "U1", records.NewOpportunity(name="Old", stage="Discovery"), LAST_WEEK - timedelta(weeks=3)
    )
    run_job("digest", bot.services, MONDAY_MORNING)
    [post] = digest_posts(bot)
    assert "A fresh week ahead" in json.dumps(post["blocks"])
    assert "<@U1>" not in json.dumps(post)


def test_two_schedulers_racing_post_one_digest(bot, db, slack):
    seed_last_week(db)
    other = create_services(settings_for(slack, db), db=Database(db.url))
    at_once([lambda each=each: run_job("digest", each, MONDAY_MORNING) for each in (bot.services, other)])
    slack.settle()
    assert len(digest_posts(bot)) == 1
    other.db.dispose()


def test_a_failed_post_is_retried_later_not_lost(bot, db):
    seed_last_week(db)
    bot.slack.queue("chat.postMessage", {"ok": False, "error": "internal_error"})
    first = run_job("digest", bot.services, MONDAY_MORNING)
    assert first.sent == 0
    later = run_job("digest", bot.services, MONDAY_MORNING + timedelta(hours=1))
    assert later.sent == 1
    assert len([p for p in digest_posts(bot) if "Acme" in json.dumps(p)]) == 2  # one failed try, one delivery


def test_a_fresh_install_posts_no_digest_about_a_week_before_it_had_data(bot, db):
    wednesday_night = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # the bot starts here, the database empty
    bot.clock.set(wednesday_night)
    store.create_opportunity(
        db, "T1", "U1", records.NewOpportunity(name="First ever", stage="Discovery"), wednesday_night
    )
    for moment in (wednesday_night, MONDAY_MORNING, MONDAY_MORNING + timedelta(days=2)):
        run_job("digest", bot.services, moment)
    assert digest_posts(bot) == []
    run_job("digest", bot.services, MONDAY_MORNING + timedelta(weeks=1))
    [post] = digest_posts(bot)
    assert "First ever" in json.dumps(post["blocks"])


def test_a_digest_missed_by_hours_waits_for_next_week_rather_than_post_at_night(bot, db):
    seed_last_week(db)
    assert run_job("digest", bot.services, MONDAY_MORNING + timedelta(hours=2, minutes=50)).sent == 1
    bot.slack.reset()
    db_later = MONDAY_MORNING + timedelta(weeks=1, hours=15)  # next Monday, midnight past: too late
    assert run_job("digest", bot.services, db_later).sent == 0
    assert digest_posts(bot) == []


def test_an_uninstalled_workspace_gets_no_digest_and_no_coaching(bot, db):
    seed_last_week(db)
    assert bot.driver.event({"type": "app_uninstalled"}).status == 200
    deadline = time.monotonic() + 5
    while "T1" not in workspaces.uninstalled_teams(db) and time.monotonic() < deadline:
        time.sleep(0.02)  # events are handled after Slack is acknowledged
    for job in ("digest", "nudges", "reflections", "followups"):
        assert run_job(job, bot.services, MONDAY_MORNING).sent == 0
    assert digest_posts(bot) == []
    assert "T1" in workspaces.uninstalled_teams(db)  # the data stays until an admin erases it
    assert store.open_opportunities(db, "T1", "U2", 10)[1] == 1
