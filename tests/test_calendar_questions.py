"""Meetings no rule could place reach their rep as one DM with one-tap answers: at most once a working
day, in working hours; a choice is remembered for the company's later meetings; a rep who leaves the
questions unanswered is not asked again that week."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from bot.jobs import JOBS
from storage.models import CapturedTime
from tests.calendar_fixtures import ME, NOW, SECRET, acme_meeting, say
from tests.calendar_server import calendar, event


def outside(uid: str, start, domain: str, minutes: int = 45) -> str:
    return event(uid, start, minutes, "Intro", attendees=((f"cy@{domain}", "ACCEPTED"), (ME, "ACCEPTED")))


def questions(bot) -> list[dict]:
    return [c.args for c in bot.slack.of("chat.postMessage") if "One tap each" in c.args.get("text", "")]


def run(bot, job: str, at):
    bot.clock.set(at)
    return JOBS[job].run(bot.services, at)


def placements(bot) -> dict[str, tuple[str, str]]:
    with bot.db.transaction() as session:
        rows = session.execute(select(CapturedTime.domains, CapturedTime.placement, CapturedTime.rule))
        return {domains or "": (placement, rule) for domains, placement, rule in rows}


def test_unplaced_meetings_are_asked_once_a_day_and_a_tap_places_the_companys_meetings(rep_bot, feeds):
    say(rep_bot, "new Acme renewal 48k")
    path = f"{SECRET}/questions.ics"
    items = [acme_meeting("placed", NOW - timedelta(days=1)), outside("i1", NOW - timedelta(days=2), "initech.com")]
    items.append(outside("h1", NOW - timedelta(days=3), "hooli.com"))
    say(rep_bot, f"calendar connect {feeds.serve(path, calendar(*items), etag='v1')}")

    assert run(rep_bot, "meeting_questions", NOW - timedelta(hours=2)).sent == 0  # 08:00 in New York
    assert run(rep_bot, "meeting_questions", NOW).sent == 1
    assert run(rep_bot, "meeting_questions", NOW + timedelta(hours=2)).sent == 0
    [dm] = questions(rep_bot)
    body = json.dumps(dm["blocks"])
    assert "initech.com" in body and "hooli.com" in body and "Acme renewal" in body and "Not selling time" in body

    prospecting = next(
        element
        for block in dm["blocks"]
        if block.get("block_id", "").startswith("meeting-")
        for element in block["elements"]
        if element["text"]["text"] == "Prospecting"
    )
    before = len(rep_bot.slack.of("response_url"))
    rep_bot.driver.click(
        {"action_id": prospecting["action_id"], "value": prospecting["value"], "text": prospecting["text"]}
    )
    answer = rep_bot.slack.wait_for("response_url", before + 1)[before].args

    assert "Got it: that meeting counts as prospecting" in answer["text"]
    chosen_domain = "hooli.com" if "hooli.com" in answer["text"] else "initech.com"
    assert placements(rep_bot)[chosen_domain] == ("prospecting", "rep")
    # A later meeting with the same company is placed without asking.
    items.append(outside("later", NOW - timedelta(hours=3), chosen_domain, 30))
    feeds.serve(path, calendar(*items), etag="v2")
    run(rep_bot, "calendars", NOW + timedelta(hours=1))
    with rep_bot.db.transaction() as session:
        rules = sorted(session.scalars(select(CapturedTime.rule).where(CapturedTime.domains == chosen_domain)))
    assert rules == ["remembered", "rep"]


def test_a_rep_who_leaves_the_questions_unanswered_is_not_asked_again_that_week(rep_bot, feeds):
    path = f"{SECRET}/ignored.ics"
    items = [outside("a", NOW - timedelta(days=1), "initech.com")]
    say(rep_bot, f"calendar connect {feeds.serve(path, calendar(*items), etag='v1')}")
    assert run(rep_bot, "meeting_questions", NOW).sent == 1

    tuesday = NOW + timedelta(days=1)
    items.append(outside("b", tuesday - timedelta(hours=2), "hooli.com"))
    feeds.serve(path, calendar(*items), etag="v2")
    run(rep_bot, "calendars", tuesday)
    assert run(rep_bot, "meeting_questions", tuesday).sent == 0

    next_monday = NOW + timedelta(days=7)
    items.append(outside("c", next_monday - timedelta(hours=2), "globex.com"))
    feeds.serve(path, calendar(*items), etag="v3")
    run(rep_bot, "calendars", next_monday)
    assert run(rep_bot, "meeting_questions", next_monday).sent == 1
    assert len(questions(rep_bot)) == 2 and "globex.com" in json.dumps(questions(rep_bot)[-1]["blocks"])


def test_a_stale_or_forged_answer_changes_nothing_and_says_the_question_expired(rep_bot, feeds):
    items = [outside("a", NOW - timedelta(days=1), "initech.com")]
    say(rep_bot, f"calendar connect {feeds.serve(f'{SECRET}/stale.ics', calendar(*items))}")
    before = placements(rep_bot)

    for value in ('{"m": 999999, "p": "prospecting"}', '{"m": 1, "p": "deal", "o": 424242}', "not json"):
        count = len(rep_bot.slack.of("response_url"))
        rep_bot.driver.click(
            {"action_id": "meeting_place:0", "value": value, "text": {"type": "plain_text", "text": "X"}}
        )
        assert "expired" in rep_bot.slack.wait_for("response_url", count + 1)[count].args["text"]
    assert placements(rep_bot) == before
