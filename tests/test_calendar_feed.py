"""Reading a calendar feed: only real, accepted, busy meetings come out, each under a key that survives a
move; addresses are checked; reads are conditional, bounded in time and size, and fail in plain words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.integrations import calendar_feed as reader
from bot.integrations import calendar_ics as ics
from tests.calendar_server import NEW_YORK, calendar, event

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # Monday 10:00 in New York
SINCE, UNTIL = ics.window(NOW, 14)
ME = "rep@us.example"


def parse(text: str, own=frozenset({ME}), zone="America/New_York"):
    return ics.parse(text.encode(), feed="f1", since=SINCE, until=UNTIL, zone=zone, own_emails=own)


def test_a_weekly_series_with_a_moved_instance_counts_each_meeting_once_at_its_real_time():
    series = event(
        "weekly", "TZID=America/New_York:20261109T100000", 60, "Acme weekly",
        attendees=(("bob@acme.com", "ACCEPTED"),), extra=("RRULE:FREQ=WEEKLY;COUNT=4",),
    )  # fmt: skip
    moved = event(
        "weekly", "TZID=America/New_York:20261117T140000", 60, "Acme weekly (moved)",
        attendees=(("bob@acme.com", "ACCEPTED"),), extra=("RECURRENCE-ID;TZID=America/New_York:20261116T100000",),
    )  # fmt: skip
    found = parse(calendar(series, moved, zones=(NEW_YORK,))).meetings

    starts = sorted(meeting.starts_at for meeting in found)
    assert starts == [
        datetime(2026, 11, 9, 15, 0, tzinfo=UTC),
        datetime(2026, 11, 17, 19, 0, tzinfo=UTC),  # Tuesday 14:00 in New York, not Monday 10:00
    ]  # 23 November's starts now and 30 November's is ahead: time not yet spent
    assert len({meeting.key for meeting in found}) == 2
    assert all(meeting.attendee_emails == ("bob@acme.com",) for meeting in found)

    # The same instance moved again keeps its key: it replaces, never adds.
    moved_again = moved.replace("20261117T140000", "20261118T090000")
    again = parse(calendar(series, moved_again, zones=(NEW_YORK,))).meetings
    assert {m.key for m in again} == {m.key for m in found}


def test_cancelled_free_all_day_and_declined_events_are_left_out_and_floating_times_are_the_reps():
    text = calendar(
        event("cancelled", NOW - timedelta(days=1), extra=("STATUS:CANCELLED",)),
        event("free", NOW - timedelta(days=2), extra=("TRANSP:TRANSPARENT",)),
        "BEGIN:VEVENT\r\nUID:holiday\r\nDTSTART;VALUE=DATE:20261120\r\nSUMMARY:Day off\r\nEND:VEVENT",
        event("declined", NOW - timedelta(days=3), attendees=((ME, "DECLINED"), ("x@globex.com", "ACCEPTED"))),
        event("unanswered", NOW - timedelta(days=3), attendees=((ME, "NEEDS-ACTION"),)),
        event("accepted", NOW - timedelta(days=4), attendees=((ME, "ACCEPTED"), ("x@globex.com", "ACCEPTED"))),
        event("floating", "20261120T090000", 30, "Floating"),
    )
    found = {meeting.title: meeting for meeting in parse(text).meetings}

    assert set(found) == {"Meeting", "Floating"}
    assert found["Meeting"].attendee_emails == ("x@globex.com",)  # the rep's own address is left out
    assert found["Floating"].starts_at == datetime(2026, 11, 20, 14, 0, tzinfo=UTC)  # 09:00 in New York
    assert found["Floating"].ends_at - found["Floating"].starts_at == timedelta(minutes=30)


def test_the_calendar_name_tells_the_reps_own_address_when_slack_did_not():
    text = calendar(event("declined", NOW - timedelta(days=1), attendees=((ME, "DECLINED"),)), name=ME)
    parsed = parse(text, own=frozenset())
    assert parsed.meetings == [] and ics.own_addresses(parsed) == {ME}


def test_addresses_are_checked_and_shown_only_as_their_host():
    assert reader.normalise_address("webcal://calendar.example.com/ical/secret123/basic.ics", True) == (
        "https://calendar.example.com/ical/secret123/basic.ics"
    )
    assert reader.normalise_address("<https://calendar.example.com/x.ics|https://calendar.example.com/x.ics>", True)
    not_feeds = ("calendar.example.com/x.ics", "ftp://calendar.example.com/x.ics", "https://", "mailto:a@b.c")
    for wrong in (*not_feeds, "https://[abc/x.ics", "https://calendar.example.com:99999/x.ics"):
        with pytest.raises(reader.BadAddress):
            reader.normalise_address(wrong, True)
    for private in ("http://127.0.0.1:8000/x.ics", "https://localhost/x.ics", "https://10.1.2.3/x.ics"):
        with pytest.raises(reader.BadAddress):
            reader.normalise_address(private)
    with pytest.raises(reader.BadAddress):
        reader.normalise_address("https://user:pw@calendar.example.com/x.ics", True)
    assert reader.mask("https://calendar.example.com/ical/secret123/basic.ics") == "calendar.example.com…"


def test_an_unchanged_feed_costs_one_conditional_request(feeds):
    url = feeds.serve("etag.ics", calendar(event("a", NOW)), etag='"v1"', last_modified="Mon, 23 Nov 2026 10:00:00 GMT")
    first = reader.fetch(url, allow_private=True)
    assert first.body and first.etag == '"v1"'

    again = reader.fetch(url, etag=first.etag, last_modified=first.last_modified, allow_private=True)

    assert again.status == 304 and again.body is None and again.etag == '"v1"'
    assert [hit.conditional for hit in feeds.requests("etag.ics")] == [False, True]


def test_slow_failing_oversized_and_not_calendar_answers_fail_in_plain_words(feeds):
    slow = feeds.serve("slow.ics", calendar(), delay=1.0)
    broken = feeds.serve("broken.ics", "oops", status=500)
    large = feeds.serve("large.ics", calendar(*(event(f"e{n}", NOW) for n in range(200))))
    html = feeds.serve("page.html", "<html><body>Sign in</body></html>", content_type="text/html")

    failures = []
    for url, options, words in (
        (slow, {"timeout": 0.2}, "in time"),
        (broken, {}, "answered 500"),
        (large, {"max_bytes": 10_000}, "larger"),
    ):
        with pytest.raises(reader.FeedError, match=words) as failure:
            reader.fetch(url, allow_private=True, **options)
        failures.append(str(failure.value))
    with pytest.raises(reader.FeedError, match="not return a calendar"):
        parse(reader.fetch(html, allow_private=True).body.decode())
    with pytest.raises(reader.FeedError, match="not public"):
        reader.fetch(broken)  # a private address is refused at read time too
    assert not any("127.0.0.1" in text or ".ics" in text for text in failures)


def test_a_real_20_megabyte_feed_is_refused_at_the_default_limit_without_reading_it_whole(feeds):
    url = feeds.serve("huge.ics", b"BEGIN:VCALENDAR\r\n" + b"X" * 20_000_001)
    with pytest.raises(reader.FeedError, match="larger"):
        reader.fetch(url, allow_private=True)


def test_years_of_history_are_skipped_before_parsing_without_losing_a_meeting_in_the_window():
    import icalendar
    import recurring_ical_events

    from tests.bench_scripts import load

    body = load("calendar_benchmark").feed_body(3, 1500)
    moved_out = event("series", NOW - timedelta(days=40), extra=("RRULE:FREQ=WEEKLY;COUNT=10",))
    moved_away = event(
        "series", NOW + timedelta(days=30), extra=(f"RECURRENCE-ID:{(NOW - timedelta(days=5)):%Y%m%dT%H%M%SZ}",)
    )
    body = body.replace(b"END:VCALENDAR", (moved_out + "\r\n" + moved_away + "\r\nEND:VCALENDAR").encode())

    kept = ics.in_window(body, SINCE, UNTIL)
    everything = recurring_ical_events.of(icalendar.Calendar.from_ical(body)).between(SINCE, UNTIL)
    filtered = recurring_ical_events.of(icalendar.Calendar.from_ical(kept)).between(SINCE, UNTIL)

    def instances(found) -> set:
        return {(str(item["UID"]), item.decoded("DTSTART")) for item in found}

    assert instances(filtered) == instances(everything) and len(instances(everything)) > 20
    assert len(kept) < len(body) / 3
    assert ("series", NOW - timedelta(days=5)) not in instances(filtered)  # moved a month ahead


def test_secrets_are_sealed_with_the_one_key_and_a_bad_key_is_one_line():
    from bot.sealed import SecretBox, SecretUnreadable, new_key
    from bot.settings import SettingsError, load_settings

    box = SecretBox(new_key())
    sealed = box.seal("https://calendar.example.com/ical/secret123/basic.ics")
    assert "secret123" not in sealed and box.open(sealed).endswith("secret123/basic.ics")
    with pytest.raises(SecretUnreadable):
        SecretBox(new_key()).open(sealed)  # the key was changed: the address cannot be read back
    with pytest.raises(SettingsError) as problem:
        load_settings(slack_bot_token="xoxb-1", slack_signing_secret="s", encryption_key="not-a-key", _env_file=None)
    assert str(problem.value).count("\n") == 0 and "ENCRYPTION_KEY" in str(problem.value)


def test_any_log_record_carrying_a_calendar_address_is_masked_as_it_is_made(caplog):
    import logging

    from bot import redaction

    redaction.install()
    caplog.set_level(logging.DEBUG)
    secret = "https://calendar.example.com/ical/secret123/basic.ics"
    log = logging.getLogger("slack_sdk.socket_mode.test")
    log.debug("received: %s", {"command": "/opportunity", "text": f"calendar connect {secret}"})
    log.debug('{"state": {"values": {"address": {"value": {"type": "plain_text_input", "value": "%s"}}}}}', secret)
    log.debug("webcal://calendar.example.com/ical/secret123/basic.ics and calendar connect <%s>", secret)

    assert "secret123" not in caplog.text and caplog.text.count(redaction.MASK) >= 4
