"""Reps' time zones in bulk: users.list pages once a day per workspace, users.info only for the rep the list
missed, deactivated people marked, and the user_change event keeping a rep's zone fresh in between."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.app import create_services
from bot.jobs import JOBS
from storage import reps, workspaces
from tests.conftest import settings_for

FRIDAY_3PM_NEW_YORK = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)


def directory(people: dict[str, dict], page: int = 50):
    """users.list as Slack pages it: `page` people at a time, with a cursor to the next page (a page a turn
    of the workspace's Tier 2 pace, about three seconds apart)."""
    ids = sorted(people)

    def answer(args: dict) -> dict:
        start = int(args.get("cursor") or 0)
        members = [{"id": user, **people[user]} for user in ids[start : start + page]]
        more = start + page < len(ids)
        return {"ok": True, "members": members, "response_metadata": {"next_cursor": str(start + page) if more else ""}}

    return answer


def services_at(slack, db, at):
    return create_services(settings_for(slack, db), db=db, clock=lambda: at)


def dms(slack) -> list[str]:
    return sorted(call.args["channel"] for call in slack.of("chat.postMessage"))


def test_zones_come_from_one_paged_users_list_and_users_info_only_for_the_rep_it_missed(slack, db):
    people = {f"U{n}": {"tz": "America/New_York", "deleted": False} for n in range(1, 7)}
    people["U6"]["deleted"] = True  # deactivated
    people["U8"] = {"tz": "Europe/Paris"}  # someone in the workspace who does not use the bot
    slack.always("users.list", directory(people, page=3))
    reps.ensure_reps(db, "T1", [f"U{n}" for n in range(1, 8)], FRIDAY_3PM_NEW_YORK)  # U7 is not listed

    report = JOBS["reflections"].run(services_at(slack, db, FRIDAY_3PM_NEW_YORK), FRIDAY_3PM_NEW_YORK)

    pages = slack.of("users.list")
    assert [call.args.get("cursor") for call in pages] == [None, "3", "6"]
    assert [call.args["user"] for call in slack.of("users.info")] == ["U7"]
    assert dms(slack) == ["U1", "U2", "U3", "U4", "U5", "U7"]
    assert report.sent == 6
    stored = reps.reps_of_team(db, "T1")
    assert stored["U6"].undeliverable_reason == "account_inactive"
    assert stored["U1"].tz == "America/New_York"
    assert "U8" not in stored


def test_the_bulk_read_happens_once_a_day_whatever_the_number_of_ticks(slack, db):
    slack.always("users.list", directory({f"U{n}": {"tz": "America/New_York"} for n in range(1, 4)}))
    reps.ensure_reps(db, "T1", ["U1", "U2", "U3"], FRIDAY_3PM_NEW_YORK)
    for minutes in (0, 15, 30, 45):
        moment = FRIDAY_3PM_NEW_YORK + timedelta(minutes=minutes)
        JOBS["reflections"].run(services_at(slack, db, moment), moment)
    assert len(slack.of("users.list")) == 1
    assert slack.of("users.info") == []
    assert dms(slack) == ["U1", "U2", "U3"]

    a_week_later = FRIDAY_3PM_NEW_YORK + timedelta(days=7)
    JOBS["reflections"].run(services_at(slack, db, a_week_later), a_week_later)
    assert len(slack.of("users.list")) == 2
    assert slack.of("users.info") == []


def test_workspaces_refresh_their_zones_at_spread_out_times():
    offsets = {workspaces.spread(f"T{n}:2026-11-27", workspaces.ZONES_SPREAD) for n in range(50)}
    assert len(offsets) > 40
    assert all(timedelta(0) <= offset < workspaces.ZONES_SPREAD for offset in offsets)


def test_a_user_change_event_moves_a_reps_zone_the_same_day(bot):
    bot.slack.always("users.list", directory({"U1": {"tz": "America/New_York"}}))
    bot.command("new Acme renewal 5k")
    bot.last_reply()  # stored (the rep has a row) once the confirmation is back
    thursday = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)
    bot.clock.set(thursday)
    JOBS["reflections"].run(bot.services, thursday)  # the day's bulk read: New York
    assert len(bot.slack.of("users.list")) == 1

    bot.clock.set(thursday + timedelta(hours=1))  # the rep lands in Auckland and Slack tells us
    event = {"type": "user_change", "user": {"id": "U1", "team_id": "T1", "tz": "Pacific/Auckland"}}
    assert bot.driver.event(event).status == 200
    rep = wait_for_rep(bot, lambda rep: rep.tz == "Pacific/Auckland")
    assert rep.tz_checked_at == thursday + timedelta(hours=1)

    # Friday 15:00 in Auckland, five hours later: the reflection comes on Auckland's time, and Slack is
    # not asked again (the next bulk read is a day after the last).
    bot.slack.reset()
    auckland_friday = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
    bot.clock.set(auckland_friday)
    JOBS["reflections"].run(bot.services, auckland_friday)
    assert [call.args["channel"] for call in bot.slack.of("chat.postMessage")] == ["U1"]
    assert bot.slack.of("users.info") == [] and bot.slack.of("users.list") == []


def test_a_deactivated_rep_is_marked_by_user_change_and_gets_no_dm(bot):
    bot.command("new Acme renewal 5k")
    bot.last_reply()  # stored (the rep has a row) once the confirmation is back
    bot.driver.event({"type": "user_change", "user": {"id": "U1", "team_id": "T1", "deleted": True}})
    wait_for_rep(bot, lambda rep: rep.undeliverable_reason == "account_inactive")
    bot.slack.reset()
    bot.clock.set(FRIDAY_3PM_NEW_YORK)
    JOBS["reflections"].run(bot.services, FRIDAY_3PM_NEW_YORK)
    assert [call for call in bot.slack.of("chat.postMessage") if call.args["channel"] == "U1"] == []


def test_a_user_change_for_someone_who_does_not_use_the_bot_stores_nothing(bot):
    bot.driver.event({"type": "user_change", "user": {"id": "U9", "team_id": "T1", "tz": "Asia/Tokyo"}})
    bot.slack.settle(quiet=0.2)
    assert reps.reps_of(bot.db, "T1", ["U9"]) == {}


def wait_for_rep(bot, condition, timeout: float = 5.0):
    """Events are handled after Bolt's ack, on another thread."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        rep = reps.reps_of(bot.db, "T1", ["U1"]).get("U1")
        if rep is not None and condition(rep):
            return rep
        assert time.monotonic() < deadline, f"the rep's row never changed: {rep}"
        time.sleep(0.05)
