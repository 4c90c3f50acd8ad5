"""A rep opens, lists, moves and closes opportunities with /opportunity, and the team sees the news."""

from __future__ import annotations

import json
import time
from datetime import date

import pytest

from storage import opportunities as store
from storage import records


def open_one(bot, text: str, user: str = "U1") -> dict:
    before = len(bot.slack.of("response_url"))
    reply = bot.command("new " + text, user=user)
    assert reply.status == 200, reply.body
    return bot.last_reply(before + 1)


def stored(bot, user: str = "U1", team: str = "T1") -> list[records.OpportunityView]:
    opps, _ = store.open_opportunities(bot.db, team, user, limit=500)
    return opps


def test_a_rep_opens_an_opportunity_in_one_line_and_the_team_celebrates_it(bot):
    reply = bot.command("new Acme Corp renewal 48k stage:discovery close:2026-12-15")

    assert reply.status == 200
    assert reply.seconds < 3.0, "Slack needs the acknowledgement within 3 seconds"
    confirmation = bot.last_reply()
    assert confirmation["response_type"] == "ephemeral"
    assert "Acme Corp renewal" in confirmation["text"]
    post = bot.slack.wait_for("chat.postMessage")[0].args
    assert post["channel"] == "CWINS"
    assert "<@U1> opened a new opportunity" in post["text"]
    assert "Acme Corp renewal" in post["text"]
    assert "1st new opportunity this week" in json.dumps(post["blocks"])
    assert "48" not in post["text"], "amounts stay private unless CELEBRATE_AMOUNTS is on"
    [opp] = stored(bot)
    assert (opp.name, opp.amount, opp.stage, opp.expected_close) == (
        "Acme Corp renewal",
        48000,
        "Discovery",
        date(2026, 12, 15),
    )
    assert opp.created_at.tzinfo is not None
    assert store.stage_history(bot.db, "T1", opp.id) == [(None, "Discovery", opp.created_at)]


def celebrated(bot, *names: str) -> str:
    """Every post in the channel so far, once all of `names` are in it (news that comes within a second of
    the last post there shares the next one: Slack takes about a message a second per channel)."""
    deadline = time.monotonic() + 10
    while True:
        posts = json.dumps([call.args for call in bot.slack.of("chat.postMessage")])
        if all(name in posts for name in names) or time.monotonic() > deadline:
            return posts
        time.sleep(0.05)


def test_the_week_count_grows_with_each_new_opportunity_across_the_team(bot):
    open_one(bot, "Acme renewal")
    open_one(bot, "Globex pilot", user="U2")
    open_one(bot, "Initech upsell")

    posts = celebrated(bot, "Acme renewal", "Globex pilot", "Initech upsell")
    assert "3rd new opportunity this week" in posts
    assert "<@U2> opened a new opportunity: *Globex pilot*" in posts, "each deal keeps its own line"


def test_a_burst_of_openings_is_celebrated_in_few_posts_each_deal_named(bot):
    for n in range(6):
        open_one(bot, f"Deal {n}", user=f"U{n + 1}")

    posts = celebrated(bot, *(f"Deal {n}" for n in range(6)))
    assert len(bot.slack.of("chat.postMessage")) < 6, "a burst shares posts instead of queuing for the channel"
    assert "6th new opportunity this week" in posts


def test_amounts_are_celebrated_only_when_the_team_opts_in(make_bot):
    bot = make_bot(celebrate_amounts=True)
    open_one(bot, 'Acme renewal $48,000 account:"Acme Corp"')

    post = bot.slack.wait_for("chat.postMessage")[0].args
    assert "$48,000" in post["text"]
    assert "Acme Corp" in post["text"]


@pytest.mark.parametrize(
    ("typed", "amount"),
    [("48000", 48000), ("48k", 48000), ("$48,000", 48000), ("1.2m", 1200000)],
)
def test_amounts_can_be_typed_the_way_reps_say_them(bot, typed, amount):
    open_one(bot, f"Acme renewal {typed}")
    assert stored(bot)[0].amount == amount


def test_close_dates_accept_everyday_words(bot):
    open_one(bot, "Acme renewal close:next friday")
    open_one(bot, "Globex pilot close:dec 15")
    open_one(bot, "Initech close:eoq")

    closes = {opp.name: opp.expected_close for opp in stored(bot)}
    assert closes == {
        "Acme renewal": date(2026, 11, 27),
        "Globex pilot": date(2026, 12, 15),
        "Initech": date(2026, 12, 31),
    }


def test_with_no_channel_the_confirmation_says_how_to_turn_celebrations_on(make_bot):
    bot = make_bot(celebration_channel=None)
    confirmation = open_one(bot, "Acme renewal")

    assert "CELEBRATION_CHANNEL" in json.dumps(confirmation["blocks"])
    bot.slack.settle()
    assert bot.slack.of("chat.postMessage") == []


@pytest.mark.parametrize("error", ["not_in_channel", "channel_not_found", "is_archived"])
def test_a_failed_celebration_still_saves_and_tells_the_rep_how_to_fix_it(bot, error):
    bot.slack.queue("chat.postMessage", {"ok": False, "error": error})
    confirmation = open_one(bot, "Acme renewal")

    assert len(stored(bot)) == 1
    assert "Opened #1 *Acme renewal*" in json.dumps(confirmation["blocks"]), "the rep hears back at once"
    fix = bot.slack.wait_for("chat.postMessage", 2)[1].args
    assert fix["channel"] == "U1", "the fix reaches the rep privately, once"
    assert "Your deal is saved, but" in fix["text"]
    if error != "is_archived":
        assert "/invite @Pipeline Coach" in fix["text"]
    bot.slack.settle()
    assert len(bot.slack.of("chat.postMessage")) == 2


def test_a_rate_limited_celebration_is_retried_after_the_wait_slack_asks_for(bot):
    bot.slack.queue("chat.postMessage", {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "0"})
    open_one(bot, "Acme renewal")

    posts = bot.slack.wait_for("chat.postMessage", 2)
    assert len(posts) == 2


def test_the_list_shows_only_my_open_opportunities_with_actions(bot):
    open_one(bot, "Acme renewal 48k close:2026-12-15")
    open_one(bot, "Globex pilot")
    open_one(bot, "Someone else's deal", user="U2")
    bot.command("won globex")
    bot.replies(4)

    bot.command("list")
    listing = bot.last_reply(5)
    text = json.dumps(listing["blocks"])
    assert "Acme renewal" in text and "$48,000" in text and "Tue 15 Dec" in text
    assert "Globex" not in text, "won deals leave the open list"
    assert "Someone else" not in text, "a rep sees only their own deals"
    menu = listing["blocks"][1]["accessory"]
    assert [o["value"].split(":")[0] for o in menu["options"]] == ["stage", "won", "lost", "log", "obstacle"]


def test_an_empty_list_invites_the_rep_to_open_one(bot):
    bot.command("list")
    assert "no open opportunities yet" in bot.last_reply()["blocks"][0]["text"]["text"]


def test_a_long_list_is_capped_and_says_how_many_more(bot, db, clock):
    for number in range(300):
        store.create_opportunity(
            db, "T1", "U1", records.NewOpportunity(name=f"Deal {number}", stage="Discovery"), clock()
        )
    bot.command("list")
    listing = bot.last_reply()
    assert len(listing["blocks"]) <= 50
    assert "and 260 more" in json.dumps(listing["blocks"])


def test_a_rep_moves_a_deal_by_part_of_its_name(bot):
    open_one(bot, "Acme Corp renewal")
    bot.command("stage acme proposal")

    moved = bot.last_reply(2)
    assert "Proposal" in moved["text"]
    [opp] = stored(bot)
    assert opp.stage == "Proposal"
    assert [to for _, to, _ in store.stage_history(bot.db, "T1", opp.id)] == ["Prospecting", "Proposal"]


def test_a_deal_can_be_named_by_its_short_id(bot):
    open_one(bot, "Acme Corp renewal")
    opp = stored(bot)[0]
    bot.command(f"stage #{opp.id} negotiation")
    bot.replies(2)
    assert stored(bot)[0].stage == "Negotiation"


def test_a_win_is_celebrated_as_loudly_as_an_opening(bot):
    open_one(bot, "Acme Corp renewal")
    bot.slack.wait_for("chat.postMessage", 1)
    bot.command("won acme")

    assert "won" in bot.last_reply(2)["text"]
    opening, win = bot.slack.wait_for("chat.postMessage", 2)
    assert "<@U1> won" in win.args["text"]
    assert [b["type"] for b in win.args["blocks"]] == [b["type"] for b in opening.args["blocks"]]
    assert bot.slack.wait_for("chat.postMessage", 2)[1].args["channel"] == "CWINS"


def test_a_lost_deal_keeps_its_reason(bot):
    open_one(bot, "Acme Corp renewal")
    bot.command("lost acme corp went with a competitor")
    bot.replies(2)

    opp = store.get_opportunity(bot.db, "T1", "U1", 1)
    assert (opp.status, opp.stage, opp.lost_reason) == ("lost", "Lost", "went with a competitor")


def test_an_ambiguous_name_offers_the_candidates_as_buttons(bot):
    open_one(bot, "Acme renewal")
    open_one(bot, "Acme expansion")
    bot.command("won acme")

    question = bot.last_reply(3)
    buttons = question["blocks"][1]["elements"]
    assert sorted(b["text"]["text"] for b in buttons) == ["#1 Acme renewal", "#2 Acme expansion"]
    assert all(opp.status == "open" for opp in stored(bot))

    bot.driver.click({"type": "button", **{k: buttons[1][k] for k in ("action_id", "value")}})
    answer = bot.last_reply(4)
    assert answer.get("replace_original") is True
    assert store.get_opportunity(bot.db, "T1", "U1", 2).status == "won"


def test_no_match_says_so_and_points_to_the_list(bot):
    bot.command("won nothing-like-this")
    reply = bot.last_reply()
    assert "/opportunity list" in reply["text"]


def test_help_lists_every_subcommand(bot):
    reply = bot.command("help").json
    text = json.dumps(reply)
    for sub in ("new", "list", "stage", "won", "lost", "help"):
        assert f"/opportunity {sub}" in text or sub == "new" and "/opportunity`" in text


def test_an_unknown_subcommand_gets_a_did_you_mean_and_the_help(bot):
    reply = bot.command("lsit").json
    assert "Did you mean `/opportunity list`?" in reply["text"]
    assert "/opportunity won acme" in json.dumps(reply["blocks"])


def test_a_rep_cannot_touch_another_reps_deal_even_by_id(bot):
    open_one(bot, "Acme renewal", user="U2")
    bot.command("won #1", user="U1")
    assert "couldn't find" in bot.last_reply(2)["text"]
    assert store.get_opportunity(bot.db, "T1", "U2", 1).status == "open"


def test_workspaces_never_see_each_others_deals(bot):
    open_one(bot, "Acme renewal")
    bot.command("list", team="T2")
    assert "no open opportunities yet" in json.dumps(bot.last_reply(2))
