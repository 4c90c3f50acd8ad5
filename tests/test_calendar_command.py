"""Time that logs itself, end to end: a rep connects a calendar by its secret address through the real
app, the `calendars` job reads it from a local feed server, and the coach counts those meetings like
hand-logged time, each hour once. The address never appears in a reply or a log (captured at DEBUG)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.jobs import JOBS
from storage import calendars
from tests.calendar_fixtures import ME, NOW, SECRET, acme_meeting, connect, say, words
from tests.calendar_server import calendar, event


def run(bot, job: str, at: datetime | None = None):
    if at is not None:
        bot.clock.set(at)
    return JOBS[job].run(bot.services, bot.clock())


def assert_secret_kept(bot, caplog) -> None:
    everything = words([call.args for call in bot.slack.calls]) + caplog.text
    assert SECRET not in everything


def test_a_rep_connects_their_calendar_and_sees_what_it_found_never_the_address(rep_bot, feeds, caplog):
    say(rep_bot, "new Acme renewal 48k")
    url = feeds.serve(
        f"{SECRET}/basic.ics",
        calendar(
            acme_meeting("m1", NOW - timedelta(days=1)),
            acme_meeting("m2", NOW - timedelta(days=2), title="Catch-up", attendees=(("bo@globex.com", "ACCEPTED"),)),
            event(
                "standup", NOW - timedelta(days=1, hours=2), 15, "Standup", attendees=(("boss@us.example", "ACCEPTED"),)
            ),
        ),
        etag='"v1"',
    )

    connected = say(rep_bot, f"calendar connect {url}")
    status = say(rep_bot, "calendar")

    assert "I found 3 meetings" in words(connected) and "127.0.0.1…" in words(connected)
    assert "1 on a deal" in words(connected) and "1 I'll ask you about" in words(connected)
    assert "127.0.0.1…" in words(status) and "last read today" in words(status)
    assert "3 meetings captured" in words(status) and "1h of them selling time" in words(status)
    stored = calendars.connection_of(rep_bot.db, "T1", "U1")
    assert SECRET not in stored.sealed_address and stored.own_email == ME
    assert_secret_kept(rep_bot, caplog)


def test_without_an_encryption_key_connecting_says_kindly_it_is_not_set_up(make_bot, feeds, caplog):
    caplog.set_level(logging.DEBUG)
    bot = make_bot(calendar_private_addresses=True)
    url = feeds.serve(f"{SECRET}/unused.ics", calendar())

    reply = bot.driver.command("/opportunity", f"calendar connect {url}")

    assert "can't be connected in this workspace yet" in reply.body
    assert "ENCRYPTION_KEY is not set" in caplog.text and feeds.requests(f"{SECRET}/unused.ics") == []
    assert_secret_kept(bot, caplog)


def test_a_bad_or_broken_address_saves_nothing_and_says_what_to_paste(rep_bot, feeds, caplog):
    broken = feeds.serve(f"{SECRET}/gone.ics", "gone", status=404)
    page = feeds.serve(f"{SECRET}/page.ics", "<html>sign in</html>", content_type="text/html")

    assert "starts with https://" in words(say(rep_bot, "calendar connect calendar.example.com/x"))
    assert "answered 404" in words(say(rep_bot, f"calendar connect {broken}"))
    assert "did not return a calendar" in words(say(rep_bot, f"calendar connect {page}"))
    assert calendars.connection_of(rep_bot.db, "T1", "U1") is None
    assert_secret_kept(rep_bot, caplog)


def test_captured_meetings_bring_the_nudge_a_hand_logged_week_would(rep_bot, feeds, caplog):
    say(rep_bot, "new Acme renewal 48k")
    say(rep_bot, "new Beta pilot 12k")
    say(rep_bot, "10 calls 1h", command="/prospect")
    meetings = [acme_meeting(f"a{day}", NOW - timedelta(days=day, hours=1)) for day in range(1, 8)]
    connect(rep_bot, feeds, "nudge.ics", *meetings)

    report = run(rep_bot, "nudges")

    assert report.sent == 1
    [nudge] = [call.args for call in rep_bot.slack.of("chat.postMessage") if call.args.get("channel") == "U1"]
    body = words(nudge["blocks"])
    assert "Acme renewal" in body and "88%" in body
    assert "7h in meetings on Acme renewal this fortnight, from your calendar" in body
    assert "1h logged by hand" in body
    assert_secret_kept(rep_bot, caplog)


def test_moved_cancelled_and_declined_meetings_follow_the_feed(rep_bot, feeds, caplog):
    say(rep_bot, "new Acme renewal 48k")
    daily = ("RRULE:FREQ=DAILY;COUNT=3",)
    first_day = NOW - timedelta(days=5, hours=1)  # Wednesday 18 November, 09:00 in New York
    series = acme_meeting("daily", first_day, extra=daily)
    one_off = acme_meeting("one-off", NOW - timedelta(days=3))
    declined = acme_meeting(
        "declined", NOW - timedelta(days=4), attendees=((ME, "DECLINED"), ("ann@acme.com", "ACCEPTED"))
    )
    connect(rep_bot, feeds, "moves.ics", series, one_off, declined, etag='"v1"')
    assert _minutes_on_deals(rep_bot) == 4 * 60  # three daily meetings and the one-off; not the declined one

    moved = acme_meeting(
        "daily",
        NOW - timedelta(days=6),
        30,
        extra=(f"RECURRENCE-ID:{(first_day + timedelta(days=1)):%Y%m%dT%H%M%SZ}",),
    )
    cancelled = acme_meeting("one-off", NOW - timedelta(days=3), extra=("STATUS:CANCELLED",))
    feeds.serve(f"{SECRET}/moves.ics", calendar(series, moved, cancelled, declined), etag='"v2"')
    assert run(rep_bot, "calendars", NOW + timedelta(hours=1)).outcomes["read"] == 1

    rows = _rows(rep_bot)
    assert _minutes_on_deals(rep_bot) == 60 + 30 + 60  # the moved instance is 30 minutes now, the one-off gone
    assert len(rows) == 3 and sorted(minutes for _, minutes in rows) == [30, 60, 60]
    # Read again, unchanged: one conditional request, nothing rewritten.
    assert run(rep_bot, "calendars", NOW + timedelta(hours=2)).outcomes["unchanged"] == 1
    assert feeds.requests(f"{SECRET}/moves.ics")[-1].status == 304
    assert _rows(rep_bot) == rows
    assert_secret_kept(rep_bot, caplog)


def test_a_hand_log_on_a_day_with_a_captured_meeting_adds_only_the_part_above_it(rep_bot, feeds, caplog):
    say(rep_bot, "new Acme renewal 48k")
    connect(rep_bot, feeds, "double.ics", acme_meeting("today", NOW - timedelta(hours=2)))

    logged = say(rep_bot, "log acme 90m")
    health = say(rep_bot, "health")

    assert "Your 1h of Acme renewal meetings that day already count from your calendar; I added 30m" in words(logged)
    assert "1h 30m in all" in words(health)
    assert "1h captured from your meetings, 30m logged by hand" in words(health)
    assert_secret_kept(rep_bot, caplog)


def test_disconnect_removes_the_address_and_forget_erases_what_was_captured(rep_bot, feeds, caplog):
    say(rep_bot, "new Acme renewal 48k")
    url = connect(rep_bot, feeds, "bye.ics", acme_meeting("m", NOW - timedelta(days=1)))

    kept = say(rep_bot, "calendar disconnect")
    assert "still counts" in words(kept) and calendars.connection_of(rep_bot.db, "T1", "U1") is None
    assert len(_rows(rep_bot)) == 1

    say(rep_bot, f"calendar connect {url}")
    erased = say(rep_bot, "calendar disconnect --forget")
    assert "erased 1 captured meeting" in words(erased) and _rows(rep_bot) == []
    assert "No calendar is connected" in words(say(rep_bot, "calendar"))
    assert_secret_kept(rep_bot, caplog)


def test_a_feed_failing_for_a_day_is_retried_with_backoff_and_its_rep_told_once(rep_bot, feeds, caplog):
    connect(rep_bot, feeds, "flaky.ics", etag='"v1"')
    feeds.serve(f"{SECRET}/flaky.ics", "down", status=503)

    moment, tells = NOW, []
    for _ in range(12):
        moment += timedelta(hours=3)
        run(rep_bot, "calendars", moment)
        tells = [c.args for c in rep_bot.slack.of("chat.postMessage") if "read your calendar" in c.args.get("text", "")]
    reads = feeds.requests(f"{SECRET}/flaky.ics")

    assert len(tells) == 1 and "127.0.0.1…" in tells[0]["text"]
    assert 3 < len(reads) < 13  # backed off: not every tick reads a failing feed
    assert "503" in words(say(rep_bot, "calendar"))
    assert_secret_kept(rep_bot, caplog)


def _rows(bot) -> list[tuple[str, int]]:
    from sqlalchemy import select

    from storage.models import CapturedTime

    with bot.db.transaction() as session:
        return sorted(session.execute(select(CapturedTime.placement, CapturedTime.minutes)).all())


def _minutes_on_deals(bot) -> int:
    return sum(minutes for placement, minutes in _rows(bot) if placement == "deal")


def test_home_says_how_much_was_captured_logged_by_hand_and_still_unplaced(rep_bot, feeds):
    from bot.services import home

    say(rep_bot, "new Acme renewal 48k")
    say(rep_bot, "log acme 30m yesterday")
    meetings = calendar(
        acme_meeting("placed", NOW - timedelta(days=2), 90),
        acme_meeting(
            "unplaced", NOW - timedelta(days=3), 45, title="Intro", attendees=(("cy@initech.com", "ACCEPTED"),)
        ),
    )
    say(rep_bot, f"calendar connect {feeds.serve(f'{SECRET}/home.ics', meetings)}")
    home.wait_for_republishes(timeout=5)

    page = words(rep_bot.slack.of("views.publish")[-1].args["view"])

    assert "2h in all" in page  # the window's selling time: 1h 30m captured and 30m by hand
    assert "1h 30m captured from your meetings, 30m logged by hand; 1 meeting (45m) not placed yet" in page


def test_titles_are_dropped_unless_a_workspace_admin_keeps_them(rep_bot, feeds):
    from sqlalchemy import select

    from storage.models import CapturedTime

    say(rep_bot, "new Acme renewal 48k")
    url = connect(rep_bot, feeds, "titles.ics", acme_meeting("t", NOW - timedelta(days=1)))

    def titles() -> list:
        with rep_bot.db.transaction() as session:
            return list(session.scalars(select(CapturedTime.title)))

    assert titles() == [None]  # matched to Acme renewal by its title, then dropped
    assert "Only a workspace admin" in words(say(rep_bot, "calendar titles on"))
    rep_bot.slack.admins.add("U9")
    rep_bot.slack.always(
        "users.info", lambda args: {"ok": True, "user": {"id": args.get("user"), "is_admin": args.get("user") == "U9"}}
    )
    assert "now kept" in words(say(rep_bot, "calendar titles on", user="U9"))
    say(rep_bot, f"calendar connect {url}")
    assert titles() == ["Acme renewal review"]


def test_the_form_connects_too_and_the_status_button_disconnects_and_forgets(rep_bot, feeds, caplog):
    from tests.driver import typed

    say(rep_bot, "new Acme renewal 48k")
    url = feeds.serve(f"{SECRET}/form.ics", calendar(acme_meeting("m", NOW - timedelta(days=1))))
    assert rep_bot.driver.command("/opportunity", "calendar connect").status == 200
    view = rep_bot.slack.wait_for("views.open")[-1].args["view"]
    assert "Secret address in iCal format" in words(view)

    assert rep_bot.driver.submit(view, {"address": typed("")}).json["response_action"] == "errors"
    assert rep_bot.driver.submit(view, {"address": typed(url)}).status == 200
    told = rep_bot.slack.wait_for("chat.postEphemeral")[-1].args
    assert "I found 1 meeting" in told["text"] and len(_rows(rep_bot)) == 1

    status = say(rep_bot, "calendar")
    forget = next(e for b in status["blocks"] if b["type"] == "actions" for e in b["elements"])
    before = len(rep_bot.slack.of("response_url"))
    rep_bot.driver.click({"action_id": forget["action_id"], "value": forget["value"]})
    erased = rep_bot.slack.wait_for("response_url", before + 1)[before].args
    assert "erased 1 captured meeting" in erased["text"] and _rows(rep_bot) == []
    assert_secret_kept(rep_bot, caplog)


def test_a_slow_feed_times_out_without_holding_up_the_others(make_bot, feeds, caplog):
    from bot.sealed import new_key

    caplog.set_level(logging.DEBUG)
    bot = make_bot(encryption_key=new_key(), calendar_private_addresses=True, calendar_timeout_seconds=0.3)
    fine = feeds.serve(f"{SECRET}/fine.ics", calendar(acme_meeting("m", NOW - timedelta(days=1))))
    slow = feeds.serve(f"{SECRET}/slow.ics", calendar(acme_meeting("m", NOW - timedelta(days=1))))
    for user, url in (("U1", fine), ("U2", slow)):
        assert "I found 1 meeting" in words(say(bot, f"calendar connect {url}", user=user))
    feeds.serve(f"{SECRET}/slow.ics", calendar(), delay=1.0)

    report = run(bot, "calendars", NOW + timedelta(hours=1))

    assert report.outcomes["read"] == 1 and report.outcomes["failed"] == 1
    assert "did not answer in time" in words(say(bot, "calendar", user="U2"))
    assert_secret_kept(bot, caplog)


def test_a_crms_meetings_are_placed_the_same_way_through_its_deal_links(rep_bot):
    from bot.integrations.activities import CapturedMeeting
    from bot.services import calendar as capture_service
    from storage.models import CrmLink, Opportunity

    say(rep_bot, "new Globex pilot 20k")
    with rep_bot.db.transaction() as session:
        deal = session.query(Opportunity).one()
        session.add(CrmLink(team_id="T1", provider="hubspot", crm_id="hs-42", opportunity_id=deal.id, linked_at=NOW))
    hour = timedelta(hours=1)
    start = NOW - timedelta(days=1)
    with_deal = CapturedMeeting(
        "hubspot", "meeting:1", start, start + hour, "Weekly", ("bo@globex.com",), deal_ids=("hs-42",)
    )
    call = CapturedMeeting("hubspot", "call:2", start, start + hour / 2, None, ("cy@initech.com",), has_contacts=True)
    records = [with_deal, call]
    services = rep_bot.services.for_team("T1")

    reconciled, placed = capture_service.capture(services, "T1", "U1", "hubspot", records, NOW - 14 * hour * 24, NOW)
    again, _ = capture_service.capture(services, "T1", "U1", "hubspot", records, NOW - 14 * hour * 24, NOW)

    assert (reconciled.added, placed["deal"], placed["prospecting"]) == (2, 1, 1)
    assert (again.added, again.changed, again.removed) == (0, 0, 0)
    assert "1h 30m captured from your meetings" in words(say(rep_bot, "health"))
