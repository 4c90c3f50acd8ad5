"""The rep's own picture: `/opportunity health` offers "Show as a picture"; a click is acknowledged at once,
then their openings and wins per week over 12 weeks and where their time went are drawn and shared in
their DM, with alt text that states the figures. A replayed click shares nothing twice."""

from __future__ import annotations

import json

from tests.test_coaching_jobs import click, say


def the_health_report(bot) -> dict:
    before = len(bot.slack.of("response_url"))
    assert bot.command("health").status == 200
    return bot.slack.wait_for("response_url", before + 1)[-1].args


def test_a_rep_sees_their_openings_and_time_as_a_picture_in_their_dm(bot):
    say(bot, "new Acme renewal 48k")
    say(bot, "new Beta pilot 12k")
    say(bot, "won beta")
    say(bot, "log acme 3h")
    say(bot, "20 calls 1h 30m", command="/prospect")
    say(bot, "new Not mine 5k", "U2")
    report = the_health_report(bot)
    assert "Show as a picture" in json.dumps(report["blocks"])

    before = len(bot.slack.of("response_url"))
    answer = click(bot, "health_picture", report)
    assert answer.status == 200 and answer.seconds < 3.0
    [reply] = [call.args for call in bot.slack.wait_for("response_url", before + 1)[before:]]
    assert "Your picture is in our DM" in reply["text"] and reply.get("replace_original") is False

    [picture] = bot.slack.uploads.in_channel("D1")
    assert picture["content"].startswith(b"\x89PNG") and picture["title"] == "Your openings, wins and time"
    alt = picture["alt_txt"]
    assert "Your openings per week over 12 weeks" in alt and "to the week of 23 Nov: 2 in all" in alt
    assert "Wins beneath: 1 in all" in alt
    assert "Your time: 3h on deals, 1.5h prospecting (33% prospecting)." in alt
    assert "By rep" not in alt


def test_a_replayed_click_shares_one_picture(bot):
    say(bot, "new Acme renewal 48k")
    report = the_health_report(bot)
    button = {"action_id": "health_picture", "value": "", "type": "button"}
    payload = {
        **bot.driver._interaction("block_actions", "U1", None),
        "actions": [{"block_id": "b", "action_ts": "1", **button}],
        "channel": {"id": "C1"},
        "container": {"type": "message", "channel_id": "C1", "is_ephemeral": True},
        "response_url": bot.driver.response_url,
    }
    before = len(bot.slack.of("response_url"))
    assert report and bot.driver.interact(payload).status == 200
    bot.slack.wait_for("response_url", before + 1)
    assert bot.driver.interact(payload).status == 200  # Slack delivered the same click again
    replies = bot.slack.wait_for("response_url", before + 2)[before:]
    assert "already in our DM" in replies[-1].args["text"]
    assert len(bot.slack.uploads.in_channel("D1")) == 1
