"""A rep opens the app and sees their pipeline at a glance, kept fresh after every change."""

from __future__ import annotations

import json
import threading
import time

from storage import opportunities as store
from storage import records
from tests.waiting import a_home_shows, published_homes


def home_of(bot, user: str = "U1", count: int = 1) -> dict:
    """The newest Home published for `user`, once at least `count` have been published for them."""
    deadline = time.monotonic() + 5
    while True:
        calls = [c for c in bot.slack.of("views.publish") if c.args["user_id"] == user]
        if len(calls) >= count:
            return calls[-1].args["view"]
        assert time.monotonic() < deadline, f"no Home was published for {user}"
        time.sleep(0.02)


def test_opening_the_app_publishes_the_reps_home(bot):
    bot.command("new Acme renewal 48k close:2026-12-15")
    bot.replies(1)
    bot.slack.wait_for("views.publish")
    bot.slack.reset()

    assert bot.driver.open_home().status == 200
    view = home_of(bot)
    text = json.dumps(view)
    assert view["type"] == "home"
    assert "Your pipeline health" in text
    assert "Acme renewal" in text and "$48,000" in text
    buttons = [e["text"]["text"] for e in view["blocks"][0]["elements"]]
    assert buttons == ["New opportunity", "Log deal time", "Log prospecting", "Coaching settings"]


def test_home_is_republished_after_every_change(bot):
    bot.command("new Acme renewal")
    bot.replies(1)
    assert "Acme renewal" in json.dumps(home_of(bot))

    bot.command("won acme")
    bot.replies(2)
    view = home_of(bot, count=2)
    assert "Your open opportunities* (0)" in json.dumps(view)


def test_a_rep_with_300_open_deals_still_gets_a_valid_home(bot, db, clock):
    for number in range(300):
        new = records.NewOpportunity(name=f"Deal {number}", stage="Discovery")
        store.create_opportunity(db, "T1", "U1", new, clock())
    bot.driver.open_home()
    view = home_of(bot)
    assert len(view["blocks"]) <= 100
    assert "and 2" in json.dumps(view)  # "…and 2xx more"


def test_home_shows_only_my_own_deals(bot):
    bot.command("new Secret deal of U2", user="U2")
    bot.replies(1)
    bot.driver.open_home(user="U1")
    assert "Secret deal" not in json.dumps(home_of(bot, "U1"))


def test_logging_deal_time_from_home_asks_which_deal_then_opens_the_usual_form(bot):
    bot.command("new Acme renewal")
    bot.replies(1)
    bot.driver.click({"type": "button", "action_id": "home_log_deal_time", "value": ""}, view={"id": "VH"})
    picker = bot.slack.wait_for("views.open")[0].args["view"]
    reply = bot.driver.submit(picker, {"deal": {"type": "static_select", "selected_option": {"value": "1"}}})

    answer = reply.json
    assert answer["response_action"] == "update"
    assert answer["view"]["callback_id"] == "opportunity_log_time"


def test_a_tampered_deal_choice_is_refused_inside_the_form(bot):
    bot.command("new Acme renewal", user="U2")
    bot.replies(1)
    bot.command("new Mine")
    bot.replies(2)
    bot.driver.click({"type": "button", "action_id": "home_log_deal_time", "value": ""}, view={"id": "VH"})
    picker = bot.slack.wait_for("views.open")[0].args["view"]
    reply = bot.driver.submit(picker, {"deal": {"type": "static_select", "selected_option": {"value": "1"}}})
    assert reply.json["response_action"] == "errors"


def test_logging_prospecting_from_home_opens_the_prospecting_form(bot):
    bot.driver.click({"type": "button", "action_id": "home_log_prospecting", "value": ""}, view={"id": "VH"})
    assert bot.slack.wait_for("views.open")[0].args["view"]["callback_id"] == "prospect_log"


def test_coaching_settings_from_home_arrive_as_a_dm(bot):
    bot.driver.click({"type": "button", "action_id": "home_coaching_settings", "value": ""}, view={"id": "VH"})
    dm = bot.slack.wait_for("chat.postMessage")[0].args
    assert dm["channel"] == "U1"
    assert "/opportunity coach" in json.dumps(dm)


def test_marking_a_deal_won_from_the_home_tab_confirms_by_dm(bot):
    bot.command("new Acme renewal")
    bot.replies(1)
    bot.driver.click(
        {"type": "overflow", "action_id": "opportunity_row_menu", "selected_option": {"value": "won:1"}},
        view={"id": "VH"},
    )
    dms = bot.slack.wait_for("chat.postMessage", 1, channel="U1")
    assert "won" in dms[0].args["text"]
    assert store.get_opportunity(bot.db, "T1", "U1", 1).status == "won"


def test_home_is_refreshed_after_logging_prospecting(bot):
    bot.driver.command("/prospect", "25 calls 2h")
    view = home_of(bot)
    assert "25 calls" in json.dumps(view)


def test_a_refresh_waiting_for_slacks_pace_shows_what_changed_while_it_waited(bot, db, clock, monkeypatch):
    from bot.services import home

    limiter, turn = bot.services.client.limiter, threading.Event()
    paced = limiter.wait_for_room

    def slack_pace(method: str) -> None:  # views.publish's calls used up, until the test says otherwise
        turn.wait(5)
        paced(method)

    monkeypatch.setattr(limiter, "wait_for_room", slack_pace)
    home.republish_later(bot.services)("T1", "U1")
    store.create_opportunity(db, "T1", "U1", records.NewOpportunity(name="Globex pilot", stage="Discovery"), clock())
    turn.set()

    assert a_home_shows(bot, "Globex pilot")  # read when its turn came, not when it was queued
    assert len(published_homes(bot)) == 1


def test_a_burst_of_changes_refreshes_the_home_once_more_not_once_each(bot, monkeypatch):
    from bot.services import home

    started, release, published = threading.Event(), threading.Event(), []

    def slow_publish(services, team_id, user_id, opened=False):
        published.append(user_id)
        started.set()
        release.wait(5)

    monkeypatch.setattr(home, "publish_home", slow_publish)
    republish = home.republish_later(bot.services)
    republish("T1", "U1")
    assert started.wait(5)  # the first refresh is running: the next change queues one more
    for _ in range(10):
        republish("T1", "U1")
    republish("T1", "U2")
    release.set()
    home.wait_for_republishes(timeout=5)

    # Eleven changes to U1's pipeline: the two workers may each be refreshing U1, and one more refresh
    # waits behind them, standing for all the changes that came after.
    assert published.count("U1") in (2, 3) and published.count("U2") == 1
