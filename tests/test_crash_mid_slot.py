"""A bot process killed (SIGKILL) in the middle of a reflection slot, with Slack allowing conversations.history
one call a minute and 15 messages a call (commercially distributed apps outside the Marketplace): the
claims whose DMs may have reached Slack wait until their DM has been read, one a minute, and every rep
gets the reflection exactly once. Nobody is sent twice because a history could not be read."""

from __future__ import annotations

import logging
import signal
import subprocess
from datetime import timedelta

from bot.app import create_services
from bot.delivery import WAITING
from bot.jobs import JOBS
from storage import claims, outbox, reps
from tests.bot_process import run_once
from tests.conftest import settings_for
from tests.test_fanout import FRIDAY_3PM_NEW_YORK as SLOT
from tests.test_time_zones_bulk import directory

REPS = [f"U{n:03}" for n in range(40)]
KILLED_AT_MARK = 12  # Slack has answered a dozen DMs; the process dies recording the twelfth

SCRIPT = """
import os, signal, sys
from storage import claim_marks
marked = claim_marks.mark_sent
count = [0]
def mark_or_die(*args, **kwargs):
    count[0] += 1
    if count[0] >= {at}:
        os.kill(os.getpid(), signal.SIGKILL)
    return marked(*args, **kwargs)
claim_marks.mark_sent = mark_or_die
from bot.__main__ import main
sys.exit(main(["jobs", "run", "reflections", "--now", "{now}"]))
"""


def run_until_killed(slack, db) -> subprocess.CompletedProcess:
    script = SCRIPT.format(at=KILLED_AT_MARK, now=SLOT.isoformat())
    return run_once(slack, db.url, "-c", script, timeout=90, FANOUT_WORKERS="4")


def test_a_slot_killed_mid_send_under_the_strict_history_limit_sends_each_rep_one_dm(slack, db, caplog):
    reps.ensure_reps(db, "T1", REPS, SLOT)
    slack.always("users.list", directory({user: {"tz": "America/New_York"} for user in REPS}))
    slack.history.clock = SLOT.timestamp  # Slack's clock is the slot's: its messages are stamped so
    killed = run_until_killed(slack, db)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    reached = {call.args["channel"] for call in slack.of("chat.postMessage")}
    assert len(reached) >= KILLED_AT_MARK
    assert len(reached) < len(REPS), "the process died mid-slot"

    tick = SLOT + claims.LEASE + timedelta(minutes=1)
    restarted = create_services(settings_for(slack, db), db=db, clock=lambda: tick)
    waited = 0
    caplog.set_level(logging.WARNING, logger="pipeline_coach.fanout")
    for _ in range(12):  # a tick a minute: one history read a minute, as Slack allows
        slack.history.clock = tick.timestamp
        report = JOBS["reflections"].run(restarted, tick)
        waited += report.outcomes.get(WAITING, 0)
        tick += timedelta(minutes=1)

    dms: dict[str, int] = {}
    for call in slack.of("chat.postMessage"):
        dms[call.args["channel"]] = dms.get(call.args["channel"], 0) + 1
    assert dms == {user: 1 for user in REPS}, "a rep got two DMs, or none"
    assert {record.status for record in outbox.messages_for(db, "T1")} == {"sent"}
    histories = slack.of("conversations.history")
    assert 0 < len(histories) <= 12, "at most one history read a minute, and only for DMs that may be there"
    assert waited > 0 or len(histories) == 1, "more than one DM to look for means some waited their turn"
    assert slack.history.limited == 0 and slack.history.overreach == [], "the bot kept to Slack's history limit"
    assert outbox.waiting_for_history(db, "T1") == 0
    if waited:
        assert "wait until their DM's history can be read (SLACK_HISTORY_LIMIT=strict)" in caplog.text
