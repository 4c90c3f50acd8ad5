"""A rep who prefers forms: the new-opportunity modal, and the list's stage and lost forms."""

from __future__ import annotations

import json

from handlers.common import FORM_FAILED
from storage import opportunities as store
from tests.driver import chosen, picked_date, typed


def open_form(bot) -> dict:
    reply = bot.command("")
    assert reply.status == 200 and reply.body == ""
    return bot.slack.wait_for("views.open")[-1].args["view"]


def submit_new(bot, view: dict, *, stage: str = "Discovery", close: str | None = None, **words: str):
    """The new-opportunity form as a rep fills it: `words` typed into their fields, a stage, maybe a date."""
    values = {field: typed(text) for field, text in words.items()} | {"stage": chosen(stage)}
    if close:
        values["close"] = picked_date(close)
    return bot.driver.submit(view, values)


def test_a_bare_command_opens_the_new_opportunity_form(bot):
    view = open_form(bot)

    assert view["callback_id"] == "opportunity_new"
    assert [block["block_id"] for block in view["blocks"]] == [
        "name",
        "account",
        "amount",
        "stage",
        "close",
        "next_step",
    ]
    assert json.loads(view["private_metadata"]) == {"channel": "C1"}
    bot.command("new")
    assert len(bot.slack.wait_for("views.open", 2)) == 2


def test_submitting_the_form_saves_celebrates_and_confirms_privately(bot):
    view = open_form(bot)
    reply = submit_new(
        bot,
        view,
        name="Acme Corp renewal",
        account="Acme Corp",
        amount="$48,000",
        close="2026-12-15",
        next_step="Send the pricing deck",
    )

    assert reply.status == 200 and reply.body == ""
    confirmation = bot.slack.wait_for("chat.postEphemeral")[0].args
    assert (confirmation["channel"], confirmation["user"]) == ("C1", "U1")
    assert "Acme Corp renewal" in confirmation["text"]
    assert "Send the pricing deck" in json.dumps(confirmation["blocks"])
    assert "<@U1> opened a new opportunity" in bot.slack.wait_for("chat.postMessage")[0].args["text"]
    [opp] = store.open_opportunities(bot.db, "T1", "U1", 10)[0]
    assert (opp.account, opp.amount, opp.stage, str(opp.expected_close)) == (
        "Acme Corp",
        48000,
        "Discovery",
        "2026-12-15",
    )


def test_form_problems_come_back_beside_their_fields_and_nothing_is_saved(bot):
    view = open_form(bot)
    reply = submit_new(bot, view, name="   ", amount="lots", close="2026-01-02")

    answer = reply.json
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"name", "amount", "close"}
    assert "48k" in answer["errors"]["amount"]
    assert store.open_opportunities(bot.db, "T1", "U1", 10)[1] == 0


def test_when_the_channel_is_closed_to_the_bot_the_confirmation_arrives_as_a_dm(bot):
    view = open_form(bot)
    bot.slack.queue("chat.postEphemeral", {"ok": False, "error": "channel_not_found"})
    submit_new(bot, view, name="Globex pilot", stage="Prospecting")

    dms = [c.args for c in bot.slack.wait_for("chat.postMessage", 2) if c.args["channel"] == "U1"]
    assert dms and "Globex pilot" in dms[0]["text"]


def test_the_list_menu_changes_a_stage_through_a_form(bot):
    bot.command("new Acme renewal")
    bot.replies(1)
    bot.driver.click({"type": "overflow", "action_id": "opportunity_row_menu", "selected_option": {"value": "stage:1"}})
    view = bot.slack.wait_for("views.open")[0].args["view"]
    assert view["callback_id"] == "opportunity_stage"

    bot.driver.submit(view, {"stage": chosen("Negotiation")})
    bot.slack.wait_for("chat.postEphemeral")
    assert store.get_opportunity(bot.db, "T1", "U1", 1).stage == "Negotiation"


def test_the_list_menu_marks_lost_with_a_reason(bot):
    bot.command("new Acme renewal")
    bot.replies(1)
    bot.driver.click({"type": "overflow", "action_id": "opportunity_row_menu", "selected_option": {"value": "lost:1"}})
    view = bot.slack.wait_for("views.open")[0].args["view"]

    bot.driver.submit(view, {"reason": typed("Budget moved to next year")})
    bot.slack.wait_for("chat.postEphemeral")
    opp = store.get_opportunity(bot.db, "T1", "U1", 1)
    assert (opp.status, opp.lost_reason) == ("lost", "Budget moved to next year")


def test_the_list_menu_marks_won_and_celebrates(bot):
    bot.command("new Acme renewal")
    bot.replies(1)
    bot.driver.click({"type": "overflow", "action_id": "opportunity_row_menu", "selected_option": {"value": "won:1"}})

    assert "won" in bot.last_reply(2)["text"]
    assert "<@U1> won" in bot.slack.wait_for("chat.postMessage", 1, channel="CWINS")[-1].args["text"]


def test_a_menu_click_on_someone_elses_deal_changes_nothing(bot):
    bot.command("new Acme renewal", user="U2")
    bot.replies(1)
    bot.driver.click(
        {"type": "overflow", "action_id": "opportunity_row_menu", "selected_option": {"value": "won:1"}}, user="U1"
    )

    assert "no longer yours" in bot.last_reply(2)["text"]
    assert store.get_opportunity(bot.db, "T1", "U2", 1).status == "open"


def test_the_empty_list_button_opens_the_form(bot):
    bot.driver.click({"type": "button", "action_id": "open_new_opportunity", "value": ""})
    assert bot.slack.wait_for("views.open")[0].args["view"]["callback_id"] == "opportunity_new"


def test_a_form_slack_will_not_open_for_a_while_is_answered_at_once_with_quick_entry(bot):
    for _ in range(2):  # Slack's views.open limit is spent for the next half minute
        bot.slack.queue("views.open", {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "30"})

    replies = [bot.driver.command("/opportunity", "new", user=f"U{n}") for n in range(2)]

    assert all(reply.status == 200 for reply in replies)
    told = [call.args["text"] for call in bot.slack.wait_for("response_url", 2)]
    assert told == [FORM_FAILED] * 2, "told at once: the trigger would expire long before Slack's 30 s"
    assert len(bot.slack.of("views.open")) == 2, "no retry of a form whose trigger has expired"
