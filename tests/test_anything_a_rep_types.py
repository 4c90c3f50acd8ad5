"""Whatever a rep types, in any order, the bot answers politely and never logs an error."""

import logging
import random

INPUTS = [
    "",
    "new",
    "list",
    "stage",
    "stage x y",
    "won",
    "lost",
    "log",
    "log acme",
    "log acme 90m tomorrow",
    "log acme 0m",
    "log acme 25h",
    "undo",
    "quota",
    "quota -5k",
    "quota lots",
    "health",
    "coach",
    "coach off",
    "coach snooze 99w",
    "coach hours 17-9",
    "coach reflections xyz 99:99",
    "reflections",
    "team",
    "export",
    "export 2099-01-01",
    "prospect",
    "prospect 999999 calls",
    "prospect -3 calls",
    "prospect 3 widgets",
    "prospect 25 calls 2h tomorrow",
    "new <!channel>",
    "new " + "x" * 5000,
    "help",
    "💥",
    "stage #999999999999 won",
    "won #0",
    "lost %%%",
    "export team",
    "coach hours",
    "coach on",
    "new a close:2020-01-01",
    "\u0000",
    "new \u202e rtl",
    "log #1 1:30 yesterday note <!here>",
    "prospect 3 meetings booked",
    "quota 250k",
    "health",
]


def test_no_sequence_of_commands_makes_the_bot_stumble(bot, caplog):
    caplog.set_level(logging.WARNING)
    bot.command("new Acme renewal")
    bot.replies(1)
    rnd = random.Random(1)
    for text in INPUTS + [" ".join(rnd.choice(INPUTS) for _ in range(3)) for _ in range(40)]:
        r = bot.command(text)
        assert r.status == 200, (text, r.status, r.body)
        assert "Traceback" not in r.body
    for text in ["", "undo", "25 calls 2h", "0 calls", "abc", "3 calls 0m", "1 call 1m 2020-01-01"]:
        r = bot.driver.command("/prospect", text)
        assert r.status == 200, (text, r.body)
    bot.slack.settle(quiet=1.0, timeout=20)
    bad = [rec for rec in caplog.records if rec.levelno >= logging.ERROR or rec.exc_info]
    assert not bad, [(r.name, r.getMessage()) for r in bad]


def test_control_characters_are_dropped_before_anything_is_stored(bot):
    bot.command("new Acme\x00 re\x07newal")
    bot.replies(1)
    bot.command("stage ac\x00me proposal")
    assert "Proposal" in bot.last_reply(2)["text"]
