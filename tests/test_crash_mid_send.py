"""A bot process killed (SIGKILL) in the middle of a send, with a real process: whether Slack had already
answered or not, the rep gets the message exactly once. Every DM carries its claim id in Slack's message
metadata; the instance that resumes the abandoned claim looks for it in the DM before sending again."""

from __future__ import annotations

import signal
import subprocess
from datetime import timedelta

import pytest

from bot.app import create_services
from bot.delivery import CLAIM_EVENT
from bot.jobs import JOBS
from storage import claims, outbox
from tests.bot_process import run_once
from tests.conftest import settings_for
from tests.test_claims import NOW, seed_concentrated

# The process dies at the chosen point: after Slack accepted the DM but before "sent" was recorded, or
# while the DM was on its way (Slack never saw it).
KILLERS = {
    "after Slack answered": "from storage import claim_marks; claim_marks.mark_sent = die",
    "before Slack answered": "from slack_sdk import WebClient; WebClient.chat_postMessage = die",
}
SCRIPT = """
import os, signal, sys
def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)
{killer}
from bot.__main__ import main
sys.exit(main(["jobs", "run", "{job}", "--now", "{now}"]))
"""


def run_until_killed(slack, db, killer: str, job: str = "nudges", now=NOW) -> subprocess.CompletedProcess:
    """A real `python -m bot jobs run` of `job` at `now`, killed by `killer` (one of KILLERS)."""
    return run_once(slack, db.url, "-c", SCRIPT.format(killer=killer, job=job, now=now.isoformat()))


@pytest.mark.parametrize("moment", sorted(KILLERS))
def test_a_sender_killed_mid_send_delivers_exactly_once_after_the_lease(slack, db, moment):
    seed_concentrated(db)
    killed = run_until_killed(slack, db, KILLERS[moment])
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    [abandoned] = outbox.messages_for(db, "T1")
    assert abandoned.status == "claimed"
    reached_slack = moment == "after Slack answered"
    assert len(slack.of("chat.postMessage")) == (1 if reached_slack else 0)
    if reached_slack:
        [posted] = slack.of("chat.postMessage")
        assert posted.args["metadata"] == {"event_type": CLAIM_EVENT, "event_payload": {"claim_id": str(abandoned.id)}}

    later = NOW + claims.LEASE + timedelta(minutes=5)
    restarted = create_services(settings_for(slack, db), db=db, clock=lambda: later)
    report = JOBS["nudges"].run(restarted, later)
    JOBS["nudges"].run(restarted, later + timedelta(minutes=15))

    dms = [call for call in slack.of("chat.postMessage") if call.args["channel"] == "U1"]
    assert len(dms) == 1, "zero duplicates, zero lost"
    assert report.outcomes["already delivered" if reached_slack else "sent"] == 1
    [history] = slack.of("conversations.history")
    assert history.args["include_all_metadata"] in (True, "true", "1", 1)
    [record] = outbox.messages_for(db, "T1")
    assert record.status == "sent"
