"""Acknowledged means stored, once: a replayed request stores nothing twice, and when the database fails
the rep is told what is true (nothing was saved, we can't tell yet, or it was saved)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from storage import opportunities as store
from storage.db import Database
from storage.models import Activity, Opportunity
from tests.driver import chosen, picked_date, typed


def open_count(bot) -> int:
    return store.open_opportunities(bot.db, "T1", "U1", 100)[1]


def celebrations(bot) -> list:
    return [call for call in bot.slack.of("chat.postMessage") if call.args.get("channel") == "CWINS"]


def test_a_command_replayed_with_the_same_trigger_opens_one_deal_and_celebrates_it_once(bot):
    bot.command("new Acme renewal 48k", trigger_id="trigger-replayed")
    first = bot.last_reply()
    bot.command("new Acme renewal 48k", trigger_id="trigger-replayed")
    second = bot.last_reply(2)

    assert open_count(bot) == 1
    assert "Opened #1" in first["text"] and "Opened #1" in second["text"]
    assert "nothing was stored twice" in json.dumps(second["blocks"])
    bot.slack.wait_for("chat.postMessage", channel="CWINS", timeout=30)  # the poster waits out the people typing
    bot.slack.settle()
    assert len(celebrations(bot)) == 1


def test_typing_the_same_line_twice_on_purpose_opens_two_deals(bot):
    bot.command("new Acme renewal")
    bot.replies(1)
    bot.command("new Acme renewal")
    bot.replies(2)
    assert open_count(bot) == 2


def test_a_form_submitted_twice_opens_one_deal(bot):
    bot.command("")
    view = bot.slack.wait_for("views.open")[-1].args["view"]
    values = {"name": typed("Globex pilot"), "stage": chosen("Discovery"), "close": picked_date(None)}
    assert bot.driver.submit(view, values).status == 200
    assert bot.driver.submit(view, values).status == 200  # a double click

    bot.slack.wait_for("chat.postEphemeral", 2)
    assert open_count(bot) == 1


def test_time_logged_twice_by_one_request_is_kept_once(bot):
    bot.command("new Acme renewal")
    bot.replies(1)
    bot.command("log acme 90m", trigger_id="trigger-log")
    bot.command("log acme 90m", trigger_id="trigger-log")
    bot.replies(3)
    with bot.db.transaction() as session:
        assert session.query(Activity).count() == 1


def test_when_the_commits_reply_is_lost_the_rep_hears_it_was_saved(bot):
    """The COMMIT went through but its answer never came back: we look again, then tell the truth."""
    failed = []

    def note_the_insert(state) -> None:
        if state.is_insert and state.statement.table is Opportunity.__table__:
            state.session.info["opened"] = True

    def lose_the_reply(session) -> None:
        if session.info.pop("opened", False) and not failed:
            failed.append(True)
            raise OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))

    event.listen(Session, "do_orm_execute", note_the_insert)
    event.listen(Session, "after_commit", lose_the_reply)
    try:
        bot.command("new Initech upsell")
        reply = bot.last_reply()
    finally:
        event.remove(Session, "after_commit", lose_the_reply)
        event.remove(Session, "do_orm_execute", note_the_insert)

    assert failed, "the fault was injected"
    assert "Opened #1" in reply["text"]
    assert "nothing was saved" not in json.dumps(reply)
    assert open_count(bot) == 1


@pytest.fixture
def bot_without_a_database(make_bot):
    """The real bot, its database refusing connections (nothing listens on port 9)."""
    down = Database("postgresql+psycopg://postgres@127.0.0.1:9/none?connect_timeout=1")
    yield make_bot(database=down)
    down.dispose()


def test_with_the_database_down_a_command_says_nothing_was_saved(bot_without_a_database):
    bot = bot_without_a_database
    reply = bot.command("new Acme renewal 48k")
    assert reply.status == 200
    assert "nothing was saved" in bot.last_reply()["text"]
    assert not celebrations(bot)


def test_with_the_database_down_a_form_stays_open_and_says_why(bot_without_a_database):
    bot = bot_without_a_database
    bot.command("")
    view = bot.slack.wait_for("views.open")[-1].args["view"]
    reply = bot.driver.submit(view, {"name": typed("Globex pilot"), "stage": chosen("Discovery")})

    assert reply.status == 200
    assert reply.json["response_action"] == "errors"
    assert "nothing was saved" in reply.json["errors"]["name"]


def test_with_the_database_down_homes_buttons_answer_the_rep(bot_without_a_database):
    bot = bot_without_a_database
    reply = bot.driver.click({"type": "button", "action_id": "home_log_deal_time", "value": ""}, view={"id": "VH"})
    assert reply.status == 200
    dm = bot.slack.wait_for("chat.postMessage")[0].args
    assert dm["channel"] == "U1" and "couldn't reach the database" in dm["text"]


def test_with_the_database_down_the_deal_picker_keeps_its_modal_open(bot_without_a_database):
    bot = bot_without_a_database
    picker = {"type": "modal", "callback_id": "home_pick_deal", "blocks": [{"type": "input", "block_id": "deal"}]}
    reply = bot.driver.submit(picker, {"deal": {"type": "static_select", "selected_option": {"value": "1"}}})
    assert reply.status == 200
    assert reply.json["response_action"] == "errors" and "database" in reply.json["errors"]["deal"]
