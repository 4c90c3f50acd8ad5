"""A rep logs where their selling time goes: /prospect, /opportunity log, undo and quota, in a line or a form."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from storage import opportunities as store
from storage import quotas, records
from storage.models import Activity
from tests.driver import chosen, picked_date, typed

TODAY = date(2026, 11, 23)  # the clock fixture's Monday


def prospect(bot, text: str, user: str = "U1"):
    return bot.driver.command("/prospect", text, user=user)


def entries(bot, user: str = "U1") -> list[tuple]:
    with bot.db.transaction() as session:
        rows = session.query(Activity).filter_by(team_id="T1", user_id=user).order_by(Activity.id).all()
        return [(row.kind, row.touches, row.minutes, row.occurred_on, row.note, row.opportunity_id) for row in rows]


def open_deal(bot, name: str, user: str = "U1") -> int:
    new = records.NewOpportunity(name=name, stage="Discovery")
    return store.create_opportunity(bot.db, "T1", user, new, bot.clock()).id


# --- /prospect in one line ---------------------------------------------------------------------------


def test_a_rep_logs_calls_and_time_in_one_line_and_the_reply_restates_it(bot):
    reply = prospect(bot, "25 calls 2h yesterday")

    assert reply.status == 200 and reply.seconds < 3.0
    confirmation = bot.last_reply()
    assert confirmation["response_type"] == "ephemeral"
    assert confirmation["text"] == "Logged 2h of prospecting: 25 calls, yesterday (Sun 22 Nov)."
    assert "/prospect undo" in json.dumps(confirmation["blocks"])
    assert entries(bot) == [("calls", 25, 120, date(2026, 11, 22), None, None)]


@pytest.mark.parametrize(
    ("typed_line", "stored"),
    [
        ("3 meetings booked", ("meetings", 3, 0, TODAY, None, None)),
        ("40m linkedin yesterday", ("social", 0, 40, TODAY - timedelta(days=1), None, None)),
        (
            "12 emails 1h fri follow-ups to webinar leads",
            ("emails", 12, 60, date(2026, 11, 20), "follow-ups to webinar leads", None),
        ),
        ("30 dials 1h30m", ("calls", 30, 90, TODAY, None, None)),
        ("2 intros 2 hours 2026-11-02", ("referrals", 2, 120, date(2026, 11, 2), None, None)),
    ],
)
def test_prospecting_is_read_the_way_reps_type_it(bot, typed_line, stored):
    prospect(bot, typed_line)
    bot.last_reply()
    assert entries(bot) == [stored]


def test_the_same_command_works_under_opportunity_for_workspaces_with_another_prospect(bot):
    bot.command("prospect 25 calls 2h")

    assert bot.last_reply()["text"] == "Logged 2h of prospecting: 25 calls, today (Mon 23 Nov)."
    assert "/opportunity undo" in json.dumps(bot.last_reply()["blocks"])
    assert entries(bot) == [("calls", 25, 120, TODAY, None, None)]


@pytest.mark.parametrize(
    ("typed_line", "says"),
    [
        ("-5 calls", "at least 1"),
        ("999999 calls", "more than 500"),
        ("0 calls", "at least 1"),
        ("25 calls 0m", "no time at all"),
        ("25 calls 25h", "at most 16h"),
        ("25 calls -30m", "can't be negative"),
        ("25 calls tomorrow", "hasn't happened yet"),
        ("25 calls 2030-01-01", "hasn't happened yet"),
        ("25 calls 2026-01-01", "more than 90 days ago"),
        ("25 cals 2h", "Did you mean calls?"),
        ("25 carrier pigeons", "I don't know the kind"),
        ("2h", "What kind of prospecting"),
        ("linkedin", "how many or how long"),
        ("25 calls " + "x" * 400, "keep it to 300"),
    ],
)
def test_hostile_prospecting_gets_a_clear_reply_and_stores_nothing(bot, typed_line, says):
    reply = prospect(bot, typed_line)

    assert reply.status == 200
    answer = reply.json
    assert answer["response_type"] == "ephemeral"
    assert says in answer["text"]
    assert "Traceback" not in reply.body
    assert entries(bot) == []


def test_what_a_rep_types_is_never_echoed_as_a_ping(bot):
    reply = prospect(bot, "25 <!channel>")
    assert "<!channel>" not in reply.body
    assert "&lt;!channel&gt;" in reply.json["text"]

    prospect(bot, "25 calls <!here> we go")
    assert "&lt;!here&gt;" in json.dumps(bot.last_reply()["blocks"])


# --- the prospecting form -----------------------------------------------------------------------------


def test_a_bare_prospect_opens_the_form_and_submitting_it_logs(bot):
    reply = prospect(bot, "")
    assert reply.status == 200 and reply.body == ""
    view = bot.slack.wait_for("views.open")[0].args["view"]
    assert [block["block_id"] for block in view["blocks"]] == ["kind", "count", "duration", "day", "note"]

    answer = bot.driver.submit(
        view,
        {
            "kind": chosen("meetings"),
            "count": typed("3"),
            "duration": typed("1.5h"),
            "day": picked_date("2026-11-20"),
            "note": typed(None),
        },
    )

    assert answer.status == 200 and answer.body == ""
    confirmation = bot.slack.wait_for("chat.postEphemeral")[0].args
    assert confirmation["text"] == "Logged 1h 30m of prospecting: 3 meetings, Fri 20 Nov."
    assert entries(bot) == [("meetings", 3, 90, date(2026, 11, 20), None, None)]


def test_the_form_points_at_each_mistake_and_stores_nothing(bot):
    prospect(bot, "")
    view = bot.slack.wait_for("views.open")[0].args["view"]

    answer = bot.driver.submit(
        view,
        {
            "kind": chosen("calls"),
            "count": typed("999999"),
            "duration": typed("25h"),
            "day": picked_date("2026-12-25"),
            "note": typed(None),
        },
    ).json

    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"count", "duration", "day"}
    assert entries(bot) == []

    nothing = bot.driver.submit(view, {"kind": chosen("calls"), "day": picked_date("2026-11-23")}).json
    assert nothing["errors"] == {"count": "Add how many, how long, or both."}


# --- deal time -----------------------------------------------------------------------------------


def test_a_rep_logs_time_on_a_deal_by_part_of_its_name(bot):
    acme = open_deal(bot, "Acme renewal")
    bot.command("log acme 90m proposal review")

    assert bot.last_reply()["text"] == "Logged 1h 30m on *Acme renewal*, today (Mon 23 Nov)."
    assert entries(bot) == [("deal", 0, 90, TODAY, "proposal review", acme)]


def test_a_deal_named_by_number_and_a_day_in_the_past(bot):
    acme = open_deal(bot, "Acme renewal")
    bot.command(f"log #{acme} 1.5h thu")

    bot.last_reply()
    assert entries(bot) == [("deal", 0, 90, date(2026, 11, 19), None, acme)]


def test_an_ambiguous_deal_is_picked_with_a_button_and_the_time_is_kept(bot):
    open_deal(bot, "Acme renewal")
    expansion = open_deal(bot, "Acme expansion")
    bot.command("log acme 45m yesterday pricing call")

    question = bot.last_reply()
    assert entries(bot) == []
    buttons = question["blocks"][1]["elements"]
    second = next(b for b in buttons if "expansion" in b["text"]["text"])
    bot.driver.click({"type": "button", "action_id": second["action_id"], "value": second["value"]})

    answer = bot.last_reply(2)
    assert answer["replace_original"] is True
    assert answer["text"] == "Logged 45m on *Acme expansion*, yesterday (Sun 22 Nov)."
    assert entries(bot) == [("deal", 0, 45, date(2026, 11, 22), "pricing call", expansion)]


@pytest.mark.parametrize(
    ("typed_line", "says"),
    [
        ("log", "which deal and how long"),
        ("log acme", "How long did you work on it?"),
        ("log 90m acme", "Name the deal first"),
        ("log acme 0m", "no time at all"),
        ("log acme 25h", "at most 16h"),
        ("log acme 90m tomorrow", "hasn't happened yet"),
    ],
)
def test_hostile_deal_time_gets_a_clear_reply_and_stores_nothing(bot, typed_line, says):
    open_deal(bot, "Acme renewal")
    reply = bot.command(typed_line)

    assert says in reply.json["text"]
    assert entries(bot) == []


def test_time_cannot_go_on_someone_elses_deal(bot):
    theirs = open_deal(bot, "Their deal", user="U2")
    bot.command(f"log #{theirs} 1h")

    assert "couldn't find" in bot.last_reply()["text"]
    assert entries(bot, "U1") == entries(bot, "U2") == []


def test_the_list_rows_log_time_item_opens_a_form_that_logs(bot):
    acme = open_deal(bot, "Acme renewal")
    bot.driver.click(
        {
            "type": "overflow",
            "action_id": "opportunity_row_menu",
            "selected_option": {"text": {"type": "plain_text", "text": "Log time"}, "value": f"log:{acme}"},
        }
    )
    view = bot.slack.wait_for("views.open")[0].args["view"]
    assert view["callback_id"] == "opportunity_log_time"

    wrong = bot.driver.submit(view, {"duration": typed("0m"), "day": picked_date("2026-11-23")}).json
    assert wrong["errors"] == {"duration": "That's no time at all. Log at least a minute, like 15m or 1h."}

    bot.driver.submit(view, {"duration": typed("2 hours"), "day": picked_date("2026-11-21"), "note": typed("demo")})
    confirmation = bot.slack.wait_for("chat.postEphemeral")[0].args
    assert confirmation["text"] == "Logged 2h on *Acme renewal*, Sat 21 Nov."
    assert entries(bot) == [("deal", 0, 120, date(2026, 11, 21), "demo", acme)]


# --- undo ------------------------------------------------------------------------------------------


def test_undo_removes_the_last_entry_within_ten_minutes(bot):
    prospect(bot, "25 calls 2h")
    bot.last_reply()
    bot.clock.advance(minutes=1)
    prospect(bot, "10 emails")
    bot.last_reply(2)
    bot.clock.advance(minutes=5)

    prospect(bot, "undo")
    assert bot.last_reply(3)["text"] == "Removed prospecting: 10 emails, today (Mon 23 Nov)."
    assert entries(bot) == [("calls", 25, 120, TODAY, None, None)]

    bot.clock.advance(minutes=10)
    bot.command("undo")
    assert "nothing recent to undo" in bot.last_reply(4)["text"]
    assert len(entries(bot)) == 1


def test_undo_only_ever_touches_my_own_entries(bot):
    prospect(bot, "25 calls", user="U2")
    bot.last_reply()
    bot.command("undo", user="U1")
    assert "nothing recent to undo" in bot.last_reply(2)["text"]
    assert len(entries(bot, "U2")) == 1


def test_the_same_undo_delivered_twice_removes_one_entry_and_answers_the_same(bot):
    prospect(bot, "25 calls 2h")
    prospect(bot, "10 emails")
    bot.last_reply(2)

    first = bot.driver.command("/prospect", "undo", trigger_id="trigger-undo-1")
    again = bot.driver.command("/prospect", "undo", trigger_id="trigger-undo-1")  # a replay of that request

    assert first.status == again.status == 200
    replies = bot.replies(4)[2:]
    assert [reply["text"] for reply in replies] == ["Removed prospecting: 10 emails, today (Mon 23 Nov)."] * 2
    assert entries(bot) == [("calls", 25, 120, TODAY, None, None)]
    prospect(bot, "undo")  # a new request: the next entry goes
    assert entries(bot) == []


# --- quota -------------------------------------------------------------------------------------------


def test_a_rep_sets_their_quota_for_the_quarter(bot):
    bot.command("quota 250k")

    assert "this quarter (1 Oct – 31 Dec 2026) is now $250,000" in bot.last_reply()["text"]
    assert quotas.get_quota(bot.db, "T1", "U1", date(2026, 10, 1)) == 250_000
    bot.command("quota")
    assert "is $250,000" in bot.last_reply(2)["text"]


def test_a_team_on_monthly_quotas_with_a_fiscal_year_gets_the_month(make_bot):
    bot = make_bot(quota_period="month", quarter_start_month=4)
    bot.command("quota $80,000")

    assert "this month (1 Nov – 30 Nov 2026) is now $80,000" in bot.last_reply()["text"]
    assert quotas.get_quota(bot.db, "T1", "U1", date(2026, 11, 1)) == 80_000


@pytest.mark.parametrize(
    ("typed_amount", "says"), [("0", "more than zero"), ("-5k", "can't be negative"), ("lots", "an amount")]
)
def test_a_bad_quota_is_refused(bot, typed_amount, says):
    assert says in bot.command("quota " + typed_amount).json["text"]
    assert quotas.get_quota(bot.db, "T1", "U1", date(2026, 10, 1)) is None
