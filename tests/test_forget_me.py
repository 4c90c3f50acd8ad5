"""A person's data: `/opportunity forget-me` (a confirm step that offers an export first) erases a rep's
own entries, answers and settings; the team's history keeps their deals without them (a won deal still
counts). An admin can do the same for someone who has left. Another workspace's person with the same id
is untouched."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import func, select

from bot.jobs import JOBS, digest
from storage import answers
from storage.models import Opportunity
from tests.workspaces import driver_for, rows_naming

LAST_WEDNESDAY = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
MONDAY_MORNING = datetime(2026, 11, 23, 9, 5, tzinfo=UTC)


def say(bot, text: str, user: str = "U1", command: str = "/opportunity", driver=None) -> dict:
    driver = driver or bot.driver
    before = len(bot.slack.of("response_url"))
    reply = driver.command(command, text, user=user)
    if reply.body:
        return reply.json
    return bot.slack.wait_for("response_url", before + 1)[-1].args


def a_rep_with_history(bot, user: str = "U1") -> None:
    bot.clock.set(LAST_WEDNESDAY)
    say(bot, "new Acme renewal 48k", user)
    say(bot, "new Beta pilot 12k", user)
    say(bot, "won acme", user)
    say(bot, "log beta 2h", user)
    say(bot, "10 calls 1h", user, command="/prospect")
    say(bot, "5 emails", user, command="/prospect")
    say(bot, "undo", user, command="/prospect")  # kept a day by its request, with what it removed
    say(bot, "quota 250k", user)
    say(bot, "coach hours 8-16", user)
    answers.record_answer(bot.db, "T1", user, "reflection", bot.clock(), LAST_WEDNESDAY.date(), answer="I chased Acme")
    bot.clock.set(MONDAY_MORNING)
    assert JOBS["digest"].run(bot.services, MONDAY_MORNING).sent == 1  # the digest names the rep


def button(reply: dict, action_id: str) -> dict:
    for block in reply["blocks"]:
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return element
    raise AssertionError(f"no {action_id} button in {reply['text']}")


def won_in(db, team_id: str) -> int:
    with db.engine.connect() as connection:
        query = select(func.count()).where(Opportunity.team_id == team_id, Opportunity.status == "won")
        return connection.execute(query).scalar_one()


def test_forget_me_asks_first_and_offers_an_export(bot):
    offer = say(bot, "forget-me")
    assert "can't be undone" in json.dumps(offer)
    assert button(offer, "forget_export") and button(offer, "forget_confirmed")


def test_the_export_before_erasing_arrives_in_the_reps_dm(bot):
    say(bot, "new Acme renewal")
    offer = say(bot, "forget-me")
    before = len(bot.slack.of("response_url"))
    bot.driver.click({"action_id": "forget_export", "value": button(offer, "forget_export").get("value", "")})
    bot.slack.wait_for("files.completeUploadExternal")
    assert "Sent to our DM" in bot.slack.wait_for("response_url", before + 1)[-1].args["text"]


def test_after_forget_me_no_row_names_the_rep_and_the_win_still_counts(bot):
    a_rep_with_history(bot)
    other = driver_for(bot, "T2")
    say(bot, "new Tokyo Trading", driver=other)  # the same user id in another workspace
    wins_before = won_in(bot.db, "T1")
    assert rows_naming(bot.db, "T1", "U1")

    offer = say(bot, "forget-me")
    confirm = button(offer, "forget_confirmed")
    before = len(bot.slack.of("response_url"))
    bot.driver.click({"action_id": "forget_confirmed", "value": confirm["value"]})
    done = bot.slack.wait_for("response_url", before + 1)[-1].args
    assert "your data is erased" in done["text"]

    assert rows_naming(bot.db, "T1", "U1") == []
    assert won_in(bot.db, "T1") == wins_before == 1
    text, blocks = digest.render(bot.services.for_team("T1"), "T1", MONDAY_MORNING.date(), MONDAY_MORNING)
    assert "1 win" in text, "last week's digest, rebuilt, still counts the win"
    assert "a former teammate won Acme renewal" in json.dumps(blocks)
    assert rows_naming(bot.db, "T2", "U1"), "the other workspace's person is someone else"


def test_an_admin_can_erase_someone_who_has_left(bot):
    bot.slack.admins.add("U9")
    a_rep_with_history(bot, user="U2")
    whom = say(bot, "admin forget", user="U9")
    assert "Pick the person" in json.dumps(whom)
    before = len(bot.slack.of("response_url"))
    bot.driver.click({"action_id": "forget_pick", "type": "users_select", "selected_user": "U2"}, user="U9")
    offer = bot.slack.wait_for("response_url", before + 1)[-1].args
    confirm = button(offer, "forget_confirmed")
    before = len(bot.slack.of("response_url"))
    bot.driver.click({"action_id": "forget_confirmed", "value": confirm["value"]}, user="U9")
    assert "<@U2>'s data is erased" in bot.slack.wait_for("response_url", before + 1)[-1].args["text"]
    assert rows_naming(bot.db, "T1", "U2") == []


def test_a_non_admin_cannot_erase_someone_else(bot):
    a_rep_with_history(bot, user="U2")
    before = len(bot.slack.of("response_url"))
    bot.driver.click({"action_id": "forget_confirmed", "value": json.dumps({"user": "U2"})}, user="U1")
    assert "admins" in bot.slack.wait_for("response_url", before + 1)[-1].args["text"]
    assert rows_naming(bot.db, "T1", "U2")
