"""A manager sees the team's creation and coverage in one command; reps get a polite no."""

from __future__ import annotations

import json

from storage import activities
from storage.records import NewActivity


def test_a_rep_who_is_not_a_manager_is_politely_refused(make_bot):
    bot = make_bot(manager_ids="UBOSS")
    bot.command("team", user="U1")
    answer = bot.last_reply()
    assert "for managers" in answer["text"]
    assert "/opportunity health" in json.dumps(answer)


def test_a_manager_sees_every_rep_creation_first(make_bot):
    bot = make_bot(manager_ids="UBOSS")
    for user, name in [("U1", "Acme renewal"), ("U2", "Globex pilot"), ("U2", "Initech upsell")]:
        before = len(bot.slack.of("response_url"))
        bot.command(f"new {name} 10k close:2026-12-20", user=user)
        bot.replies(before + 1)
    bot.command("quota 20k", user="U2")
    bot.replies(4)

    bot.command("team", user="UBOSS")
    text = json.dumps(bot.last_reply(5)["blocks"], ensure_ascii=False)
    assert text.index("<@U2>") < text.index("<@U1>"), "most openings this week first"
    assert "opened 2 this week" in text
    assert "coverage 1×" in text
    assert "no prospecting logged yet" in text
    assert "Acme renewal" not in text, "the view is about people's habits, not deal names"


def test_managers_can_come_from_a_user_group(make_bot):
    bot = make_bot(manager_group="SMGRS")
    bot.slack.always("usergroups.users.list", lambda args: {"ok": True, "users": ["ULEAD"]})
    bot.command("team", user="ULEAD")
    assert "Your team" in bot.last_reply()["text"] or "Nobody" in bot.last_reply()["text"]
    assert bot.slack.of("usergroups.users.list")[0].args["usergroup"] == "SMGRS"


def test_the_team_view_never_shows_reflection_answers_or_focus_reasons(make_bot, db, clock):
    from storage import answers

    bot = make_bot(manager_ids="UBOSS")
    answers.record_answer(
        db, "T1", "U1", kind="focus_reason", answer="My secret reason", for_date=clock().date(), now=clock()
    )
    activities.log_activity(db, "T1", "U1", NewActivity(kind="calls", occurred_on=clock().date(), touches=3), clock())
    bot.command("team", user="UBOSS")
    text = json.dumps(bot.last_reply())
    assert "<@U1>" in text and "prospected today" in text
    assert "secret" not in text


def test_a_workspace_never_sees_another(make_bot):
    bot = make_bot(manager_ids="UBOSS")
    bot.command("new Other workspace deal", user="UX", team="T2")
    bot.replies(1)
    bot.command("team", user="UBOSS")
    assert "<@UX>" not in json.dumps(bot.last_reply(2))
