"""A picture for the leaders: the weekly DM is followed by a chart of openings per week per rep over the
last 12 weeks with wins beneath, uploaded with Slack's two-step files API into the leader's DM, with alt
text that states the figures; claimed in the outbox like the DM, so it is uploaded once a week, and not
again after a restart or after a sender died between Slack's answer and the mark."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from storage import claim_marks, claims, erase, outbox
from storage.models import ScheduledMessage
from tests.test_coaching_jobs import run, say
from tests.test_leader_digest import NEXT_MONDAY_0830_NEW_YORK, last_week_of_creation

NAMES = {"U1": "Jonas Berg", "U2": "Priya Shah", "UBOSS": "Dana Boss"}


def named_people(bot) -> None:
    bot.slack.always(
        "users.info",
        lambda args: {
            "ok": True,
            "user": {"id": args["user"], "tz": "America/New_York", "real_name": NAMES.get(args["user"], "")},
        },
    )


def pictures(bot) -> list[dict]:
    return bot.slack.uploads.in_channel("DBOSS")  # the DM conversations.open gives the bot with UBOSS


def test_the_leaders_dm_carries_a_chart_with_alt_text_uploaded_once_a_week(make_bot):
    bot = make_bot(manager_ids="UBOSS")
    named_people(bot)
    last_week_of_creation(bot)
    say(bot, "won globex", "U2")

    assert run(bot, "leader_digest", NEXT_MONDAY_0830_NEW_YORK).sent == 2
    [picture] = pictures(bot)
    assert picture["content"].startswith(b"\x89PNG\r\n\x1a\n") and len(picture["content"]) == picture["length"]
    assert picture["name"] == "openings-2026-11-30.png" and picture["title"] == "Openings per week, by rep"
    alt = picture["alt_txt"]
    assert "Openings per week over 12 weeks from 7 Sep to the week of 23 Nov: 3 in all" in alt
    assert "most 3 in the week of 23 Nov" in alt and "By rep: Priya 2, Jonas 1." in alt
    assert "Wins beneath: 1 in all, most 1 in the week of 23 Nov." in alt
    [start] = bot.slack.of("files.getUploadURLExternal")
    assert start.args["alt_txt"] == alt
    [complete] = bot.slack.of("files.completeUploadExternal")
    assert complete.args["channel_id"] == "DBOSS"

    assert run(bot, "leader_digest", NEXT_MONDAY_0830_NEW_YORK + timedelta(minutes=15)).sent == 0
    restarted = make_bot(manager_ids="UBOSS")
    assert run(restarted, "leader_digest", NEXT_MONDAY_0830_NEW_YORK + timedelta(minutes=30)).sent == 0
    assert len(pictures(bot)) == 1, "a restart never uploads the week's picture twice"

    assert run(restarted, "leader_digest", NEXT_MONDAY_0830_NEW_YORK + timedelta(weeks=1)).sent == 2
    assert [p["name"] for p in pictures(bot)] == ["openings-2026-11-30.png", "openings-2026-12-07.png"]


def test_a_picture_shared_just_before_its_sender_died_is_not_uploaded_again(make_bot, monkeypatch):
    bot = make_bot(manager_ids="UBOSS")
    last_week_of_creation(bot)
    really_mark = claim_marks.mark_sent

    def die_after_the_picture(db, claim, *args, **kwargs):
        if claim.key.kind == "leader_chart":
            raise SystemExit("killed between Slack's answer and the mark")
        return really_mark(db, claim, *args, **kwargs)

    monkeypatch.setattr(claim_marks, "mark_sent", die_after_the_picture)
    with pytest.raises(SystemExit):
        run(bot, "leader_digest", NEXT_MONDAY_0830_NEW_YORK)
    monkeypatch.setattr(claim_marks, "mark_sent", really_mark)
    assert len(pictures(bot)) == 1

    restarted = make_bot(manager_ids="UBOSS")
    report = run(restarted, "leader_digest", NEXT_MONDAY_0830_NEW_YORK + claims.LEASE + timedelta(minutes=1))
    assert report.outcomes["already delivered"] == 1
    assert len(pictures(bot)) == 1 and len(bot.slack.of("files.getUploadURLExternal")) == 1
    chart = [m for m in outbox.messages_for(bot.db, "T1", "UBOSS") if m.kind == "leader_chart"]
    assert [m.status for m in chart] == ["sent"]


def test_a_failed_upload_is_retried_and_then_shared_once(make_bot):
    bot = make_bot(manager_ids="UBOSS")
    last_week_of_creation(bot)
    bot.slack.queue("files.completeUploadExternal", {"ok": False, "error": "internal_error"})
    report = run(bot, "leader_digest", NEXT_MONDAY_0830_NEW_YORK)
    assert report.sent == 1 and pictures(bot) == []
    retried = run(bot, "leader_digest", NEXT_MONDAY_0830_NEW_YORK + claims.backoff(1) + timedelta(minutes=1))
    assert retried.sent == 1
    assert len(pictures(bot)) == 1


def test_the_claimed_picture_keeps_mentions_not_names_so_forgetting_a_rep_leaves_no_trace(make_bot):
    bot = make_bot(manager_ids="UBOSS")
    named_people(bot)
    last_week_of_creation(bot)
    run(bot, "leader_digest", NEXT_MONDAY_0830_NEW_YORK)
    [shared] = pictures(bot)
    assert "By rep: Priya 2, Jonas 1." in shared["alt_txt"], "named when drawn"

    def stored() -> str:
        with bot.db.transaction() as session:
            return " ".join(
                session.scalars(select(ScheduledMessage.payload).where(ScheduledMessage.kind == "leader_chart"))
            )

    assert "<@U2>" in stored() and "Priya" not in stored()
    erase.forget_rep(bot.db, "T1", "U2", "XFORMER")
    assert "<@U2>" not in stored() and "a former teammate" in stored()


def test_a_large_team_draws_the_six_who_opened_most_and_the_rest_together():
    from datetime import date

    from bot.messages.charts import alt_text, chart_spec
    from bot.rules.charts import chart_weeks, weekly_openings
    from storage.charts import DayCount

    weeks = chart_weeks(date(2026, 11, 30))
    opened = [DayCount(f"U0{n}", date(2026, 11, 24), 10 - n) for n in range(1, 10)]
    spec = chart_spec(weekly_openings(opened, [], weeks), "Openings per week, by rep")
    assert [item["label"] for item in spec["series"]][-2:] == ["<@U06>", "3 others"]
    assert spec["series"][-1]["counts"][-1] == 6 and spec["series"][-1]["others"]
    assert "By rep: <@U01> 9, <@U02> 8, <@U03> 7, <@U04> 6, <@U05> 5, <@U06> 4, 3 others 6." in alt_text(spec)
    assert "Wins beneath: 0 in all." in alt_text(spec)
