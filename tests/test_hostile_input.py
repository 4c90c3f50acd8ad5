"""Whatever a rep types, they get a clear, friendly reply; nothing is half-written; nobody gets pinged."""

from __future__ import annotations

import json

import pytest

from storage import opportunities as store


def nothing_stored(bot) -> bool:
    return store.open_opportunities(bot.db, "T1", "U1", 10)[1] == 0


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("48k", "needs a name"),
        ("x" * 10_000, "keep it to 120"),
        ("Acme amount:lots", "48k"),
        ("Acme -5k", "negative"),
        ("Acme stage:closing", "Pick one of"),
        ("Acme stage:won", "Pick one of"),
        ("Acme close:2020-01-01", "past"),
        ("Acme close:someday", "close date"),
        ('Acme account:"' + "a" * 500 + '"', "keep it to 120"),
    ],
)
def test_bad_quick_entry_gets_a_clear_reply_and_stores_nothing(bot, typed, says):
    reply = bot.command("new " + typed)

    assert reply.status == 200
    answer = reply.json
    assert answer["response_type"] == "ephemeral"
    assert says.lower() in answer["text"].lower()
    assert "Traceback" not in reply.body
    assert nothing_stored(bot)
    assert bot.slack.of("chat.postMessage") == []


@pytest.mark.parametrize(
    "name",
    [
        "<!channel> big news",
        "<!here|here> ping",
        "<@U0123> owes me lunch",
        "<!subteam^S123|@sales> look",
        "Tom & Jerry <script>",
        "🚀 Rocket deal 🎉",
        "株式会社アクメ 更新",
        "Ärzte-Verbund Zürich",
        "'; DROP TABLE opportunities; --",
        "Robert'); DELETE FROM stage_changes WHERE ('1'='1",
        "100% _discount_ *bold* ~strike~ `code`",
    ],
)
def test_names_are_stored_exactly_and_reach_the_channel_escaped(bot, name):
    bot.command("new " + name)
    confirmation = bot.last_reply()
    post = bot.slack.wait_for("chat.postMessage")[0].args

    [opp] = store.open_opportunities(bot.db, "T1", "U1", 10)[0]
    assert opp.name == name
    escaped = name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert escaped in post["text"]
    for payload in (post, confirmation):
        text = json.dumps(payload, ensure_ascii=False)
        assert "<!channel" not in text and "<!here" not in text and "<@U0123>" not in text
        assert "<!subteam" not in text


def test_a_name_full_of_wildcards_matches_only_itself(bot):
    bot.command("new 100% renewal")
    bot.replies(1)
    bot.command("new Plain deal")
    bot.replies(2)
    bot.command("won %")
    bot.replies(3)

    assert store.get_opportunity(bot.db, "T1", "U1", 1).status == "won"
    assert store.get_opportunity(bot.db, "T1", "U1", 2).status == "open"


def test_an_unknown_stage_when_moving_lists_the_real_ones(bot):
    bot.command("new Acme renewal")
    bot.replies(1)
    reply = bot.command("stage acme closing").json

    assert "Prospecting, Discovery, Proposal, Negotiation, Won, Lost" in reply["text"]
    assert store.get_opportunity(bot.db, "T1", "U1", 1).stage == "Prospecting"


@pytest.mark.parametrize("typed", ["stage", "stage acme", "won", "lost"])
def test_missing_pieces_say_what_to_type(bot, typed):
    reply = bot.command(typed).json
    assert "/opportunity" in reply["text"]


def test_tampered_button_values_change_nothing(bot):
    bot.command("new Acme renewal")
    bot.replies(1)
    for value in [
        "not json",
        json.dumps({"do": "stage", "id": 1, "arg": "Nowhere"}),
        json.dumps({"do": "won", "id": "1; drop"}),
        json.dumps([1, 2]),
    ]:
        bot.driver.click({"type": "button", "action_id": "pick_opportunity_0", "value": value})
    bot.replies(5)
    assert store.get_opportunity(bot.db, "T1", "U1", 1).status == "open"


def test_a_closed_deal_cannot_be_closed_twice(bot):
    bot.command("new Acme renewal")
    bot.replies(1)
    bot.command("won #1")
    bot.replies(2)
    bot.command("lost #1")
    assert "couldn't find an open opportunity" in bot.last_reply(3)["text"]
    assert store.get_opportunity(bot.db, "T1", "U1", 1).status == "won"
