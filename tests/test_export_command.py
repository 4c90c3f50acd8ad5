"""A rep asks for their data as CSV and it lands in their DM; managers can take the whole team's."""

from __future__ import annotations

import csv
import io

from storage import activities
from storage.records import NewActivity


def uploaded(bot, count: int = 1) -> list[list[dict]]:
    """The CSV files the stand-in received, parsed."""
    uploads = bot.slack.wait_for("file_upload", count)
    return [list(csv.DictReader(io.StringIO(call.args["body"]))) for call in uploads]


def test_a_rep_exports_their_opportunities_to_their_dm(bot):
    bot.command('new =cmd|"/c calc"!A1 48k close:2026-12-15')
    bot.replies(1)
    bot.command("new Someone else's", user="U2")
    bot.replies(2)

    ack = bot.command("export opportunities").json
    assert "DM" in ack["text"]
    [rows] = uploaded(bot)
    assert len(rows) == 1
    row = rows[0]
    assert row["name"].startswith("'="), "spreadsheet formulas typed by people are defused"
    assert (row["amount"], row["expected_close"], row["stage"], row["status"]) == (
        "48000",
        "2026-12-15",
        "Prospecting",
        "open",
    )
    assert row["created_at"] == "2026-11-23 15:00:00"
    start = bot.slack.of("files.getUploadURLExternal")[0].args
    assert start["filename"].startswith("pipeline-coach-opportunities-mine-")
    complete = bot.slack.wait_for("files.completeUploadExternal")[0].args
    assert complete["channel_id"] == "D1", "the DM the bot opened with the rep"
    assert "(1 row)" in bot.last_reply(3)["text"]


def test_activities_export_carries_the_deal_name_and_plain_numbers(bot, db, clock):
    bot.command("new Acme renewal")
    bot.replies(1)
    activities.log_activity(
        db, "T1", "U1", NewActivity(kind="deal", occurred_on=clock().date(), minutes=90, opportunity_id=1), clock()
    )
    activities.log_activity(db, "T1", "U1", NewActivity(kind="calls", occurred_on=clock().date(), touches=25), clock())

    bot.command("export activities")
    [rows] = uploaded(bot)
    assert [(r["kind"], r["opportunity_name"], r["minutes"], r["touches"]) for r in rows] == [
        ("deal", "Acme renewal", "90", "0"),
        ("calls", "", "0", "25"),
    ]


def test_a_rep_cannot_export_the_team(make_bot):
    bot = make_bot(manager_ids="UBOSS")
    bot.command("export all team", user="U1")
    assert "for managers" in bot.last_reply()["text"]
    bot.slack.settle()
    assert bot.slack.of("file_upload") == []


def test_a_manager_exports_the_whole_team(make_bot):
    bot = make_bot(manager_ids="UBOSS")
    for user in ("U1", "U2"):
        before = len(bot.slack.of("response_url"))
        bot.command(f"new Deal of {user}", user=user)
        bot.replies(before + 1)
    bot.command("export all team", user="UBOSS")
    opportunities, activity_rows = uploaded(bot, 2)
    assert sorted(row["owner_id"] for row in opportunities) == ["U1", "U2"]
    assert activity_rows == []


def test_an_unreadable_export_request_says_what_to_type(bot):
    reply = bot.command("export everything").json
    assert "/opportunity export all 90d" in reply["text"]


def test_a_failed_upload_is_explained(bot):
    bot.slack.queue("files.getUploadURLExternal", {"ok": False, "error": "missing_scope"})
    bot.command("export opportunities")
    assert "files:write" in bot.last_reply()["text"]
