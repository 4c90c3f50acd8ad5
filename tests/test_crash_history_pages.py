"""A rep's reflection whose sender was killed (SIGKILL) mid-send, in a DM that has since received more
messages than one conversations.history call may read under Slack's strict limit (1 call a minute, 15
messages a call): the instance that resumes the claim reads the DM a page a minute with Slack's cursor,
back to the send, and the rep gets the reflection exactly once, whether Slack had taken it or not."""

from __future__ import annotations

import signal
from collections import Counter
from datetime import timedelta

import pytest
from slack_sdk import WebClient

from bot.app import create_services
from bot.delivery import ALREADY_THERE, CLAIM_EVENT, WAITING
from bot.jobs import JOBS
from storage import claims, outbox, reps
from tests.conftest import settings_for
from tests.test_crash_mid_send import KILLERS, run_until_killed
from tests.test_fanout import FRIDAY_3PM_NEW_YORK as SLOT
from tests.test_time_zones_bulk import directory

LATER_MESSAGES = 20  # posted to the DM after the killed send: more than one history page of 15


def reflections_in_dm(slack) -> list:
    """The DMs that carry a claim (the reflection), not the DM's other messages."""
    posts = slack.of("chat.postMessage")
    return [call for call in posts if (call.args.get("metadata") or {}).get("event_type") == CLAIM_EVENT]


@pytest.mark.parametrize("moment", sorted(KILLERS))
def test_a_resumed_reflection_in_a_busy_dm_is_found_or_sent_once_reading_a_page_a_minute(slack, db, moment):
    reps.ensure_reps(db, "T1", ["U1"], SLOT)
    slack.always("users.list", directory({"U1": {"tz": "America/New_York"}}))
    slack.history.clock = SLOT.timestamp  # Slack's clock is the slot's, as is the killed tick's
    killed = run_until_killed(slack, db, KILLERS[moment], job="reflections", now=SLOT)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    reached_slack = moment == "after Slack answered"
    assert len(reflections_in_dm(slack)) == (1 if reached_slack else 0)

    tick = SLOT + claims.LEASE + timedelta(minutes=1)
    slack.history.clock = lambda: (SLOT + timedelta(minutes=1)).timestamp()
    chat = WebClient(token="xoxb-test", base_url=slack.base_url)
    for n in range(LATER_MESSAGES):  # the DM goes on: more than a page of messages since the send
        chat.chat_postMessage(channel="U1", text=f"later message {n}")

    restarted = create_services(settings_for(slack, db), db=db, clock=lambda: tick)
    outcomes = Counter()
    for _ in range(6):  # a tick a minute, on the bot's clock and Slack's; a page when a history turn is free
        slack.history.clock = tick.timestamp
        outcomes += JOBS["reflections"].run(restarted, tick).outcomes
        tick += timedelta(minutes=1)

    assert len(reflections_in_dm(slack)) == 1, "zero duplicates, zero lost"
    assert outcomes[ALREADY_THERE if reached_slack else "sent"] == 1
    assert outcomes[WAITING] >= 1, "the first page held only later messages: not known yet"
    first, second = slack.of("conversations.history")
    assert "cursor" not in first.args and second.args["cursor"], "the second page read on from the first"
    assert int(first.args["limit"]) == int(second.args["limit"]) == 15
    assert slack.history.limited == 0 and slack.history.overreach == [], "the bot kept to Slack's history limit"
    [record] = outbox.messages_for(db, "T1")
    assert record.status == "sent"
    assert outbox.waiting_for_history(db, "T1") == 0
