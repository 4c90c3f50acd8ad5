"""A deploy sends SIGTERM: the bot stops taking requests, finishes the ones in flight, stops its scheduler and
exits 0, in HTTP and in Socket Mode, through the real `python -m bot`."""

from __future__ import annotations

import socket
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from storage import opportunities as store
from storage import outbox
from storage.db import Database
from tests.bot_process import BotProcess
from tests.socket_driver import SocketDriver

BURST = 5


def slow_celebrations(slack, seconds: int = 2) -> None:
    """The channel makes every celebration post wait out a rate limit: news still waiting at the signal."""
    for _ in range(BURST):
        slack.queue("chat.postMessage", {"ok": False, "error": "ratelimited"}, 429, {"Retry-After": str(seconds)})


def stored_names(url: str) -> set[str]:
    db = Database(url)
    try:
        return {opp.name for opp in store.open_opportunities(db, "T1", "U1", 50)[0]}
    finally:
        db.dispose()


def celebrations_kept(url: str) -> int:
    """Celebrations in the outbox, posted or still to post: none is lost to a stop."""
    db = Database(url)
    try:
        return len([m for m in outbox.messages_for(db, "T1") if m.kind == "celebration"])
    finally:
        db.dispose()


def test_sigterm_in_http_mode_finishes_the_work_in_flight_and_exits_0(slack, tmp_path):
    url = f"sqlite:///{tmp_path}/http.db"
    bot = BotProcess(slack, url, SCHEDULER_ENABLED="true").start()
    bot.wait_listening()
    slow_celebrations(slack)
    with ThreadPoolExecutor(BURST) as pool:
        replies = list(pool.map(lambda n: bot.driver.command("/opportunity", f"new Deal {chr(65 + n)}"), range(BURST)))
    assert [reply.status for reply in replies] == [200] * BURST

    bot.signal()
    time.sleep(0.6)  # noticed within a tick; the posts are still waiting out their rate limit
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", bot.port), timeout=1):
        pass  # no new requests are taken
    output = bot.finish()

    assert bot.returncode == 0, output
    assert "Pipeline Coach stopped cleanly" in output and "Traceback" not in output
    assert len(slack.of("response_url")) == BURST  # every rep heard back
    assert stored_names(url) == {f"Deal {chr(65 + n)}" for n in range(BURST)}
    assert celebrations_kept(url) == BURST


def test_sigterm_in_socket_mode_finishes_the_work_in_flight_and_exits_0(slack, socket_server, tmp_path):
    url = f"sqlite:///{tmp_path}/socket.db"
    bot = BotProcess(slack, url, SLACK_APP_TOKEN="xapp-1-test", SLACK_SIGNING_SECRET="", SCHEDULER_ENABLED="true")
    bot.start()
    socket_server.wait_connected(1, timeout=30)
    rep = SocketDriver(socket_server, slack.response_url)
    slow_celebrations(slack)
    with ThreadPoolExecutor(BURST) as pool:
        replies = list(pool.map(lambda n: rep.command("/opportunity", f"new Deal {chr(65 + n)}"), range(BURST)))
    assert [reply.status for reply in replies] == [200] * BURST

    bot.signal()
    output = bot.finish()

    assert bot.returncode == 0, output
    assert "Pipeline Coach stopped cleanly" in output and "Traceback" not in output
    assert len(slack.of("response_url")) == BURST
    assert stored_names(url) == {f"Deal {chr(65 + n)}" for n in range(BURST)}
    assert celebrations_kept(url) == BURST
    assert socket_server.opened == 1  # it closed its connection and did not reconnect


def test_a_grace_period_that_runs_out_is_said_plainly(slack, tmp_path):
    """SHUTDOWN_GRACE_SECONDS bounds the wait: work still running then is left, with a warning and exit 1."""
    bot = BotProcess(slack, f"sqlite:///{tmp_path}/grace.db", SHUTDOWN_GRACE_SECONDS="0.5").start()
    bot.wait_listening()
    assert bot.driver.command("/opportunity", "new Slow deal").status == 200
    slack.wait_for("response_url")
    # The export's upload waits out a rate limit after its ack: work in flight when the signal comes.
    slack.queue("files.getUploadURLExternal", {"ok": False, "error": "ratelimited"}, 429, {"Retry-After": "5"})
    assert bot.driver.command("/opportunity", "export").status == 200
    slack.wait_for("files.getUploadURLExternal")

    started = time.monotonic()
    bot.signal()
    output = bot.finish()

    assert time.monotonic() - started < 4
    assert bot.returncode == 1
    assert "stopped with 1 request(s) unfinished after SHUTDOWN_GRACE_SECONDS" in output
