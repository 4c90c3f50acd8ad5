"""Running until told to stop, then stopping gracefully: SIGTERM (every deploy, `docker stop`,
Kubernetes) and SIGINT (Ctrl-C) both stop taking new requests, let what is in flight finish within
SHUTDOWN_GRACE_SECONDS, stop the scheduler, and exit 0 (1 if the grace ran out with work unfinished).
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
import time

from waitress import wasyncore

log = logging.getLogger("pipeline_coach")
LOOP_TICK = 0.2  # seconds between checks for a stop request in the HTTP server's loop
CELEBRATIONS_WAIT_SECONDS = 2.0  # news for a slow channel waits in the outbox rather than hold up a deploy
# How long a thread that wants the interpreter waits before the one running must hand it over (CPython's
# default is 5 ms), by database. A server's threads mostly wait on sockets and the database; each comes
# back wanting the interpreter, and in a burst on SQLite the one holding the single writer waits for it
# after every statement while others parse requests, stretching every write queued behind it. In a
# burst of twenty quick entries on a quiet machine (docs/contributors/benchmarks.md), SQLite's p95 was
# 2.4-2.6x the floor's at 1 ms, 1.7x at 0.2 ms and 1.6x at 0.1 and 0.05 ms; PostgreSQL, with no single
# writer, 1.5x at 1 ms and 1.6x at 0.1 ms.
SWITCH_INTERVAL_SECONDS = {"sqlite": 0.0001, "postgresql": 0.001}


def stop_requested() -> threading.Event:
    """An event set by SIGTERM or SIGINT (handlers run on the main thread, so call this from it)."""
    stop = threading.Event()

    def on_signal(number, _frame) -> None:
        if not stop.is_set():
            log.info("%s received: finishing what is in flight, then stopping", signal.Signals(number).name)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    return stop


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds

    def left(self) -> float:
        return max(0.0, self.at - time.monotonic())


def hand_over_often(dialect: str) -> None:
    """Set the serving process's switch interval for its database (SWITCH_INTERVAL_SECONDS)."""
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS.get(dialect, SWITCH_INTERVAL_SECONDS["postgresql"]))


def serve_http(server, listeners, scheduler, grace: float, stop: threading.Event, dialect: str) -> int:
    """waitress's loop, run a tick at a time so a stop request is noticed; then a graceful stop."""
    hand_over_often(dialect)
    loop_map = server._map  # waitress's own socket map (its run() would not return on a signal)
    while not stop.is_set():
        wasyncore.loop(timeout=LOOP_TICK, map=loop_map, use_poll=True, count=1)
    deadline = Deadline(grace)
    wasyncore.dispatcher.close(server)  # the listening socket: no new connections from here on
    finished = True
    while _http_busy(server, listeners):
        if not deadline.left():
            finished = False
            break
        wasyncore.loop(timeout=0.05, map=loop_map, use_poll=True, count=1)  # still writing replies
    finished = listeners.drain(deadline.left()) and finished
    post_celebrations(min(deadline.left(), CELEBRATIONS_WAIT_SECONDS))
    finished = stop_scheduler(scheduler, deadline.left()) and finished
    server.task_dispatcher.shutdown(cancel_pending=False, timeout=1)
    wasyncore.close_all(loop_map)
    return _report(finished, listeners)


def _http_busy(server, listeners) -> bool:
    tasks = server.task_dispatcher
    if tasks.active_count or tasks.queue or listeners.in_flight:
        return True
    channels = [channel for channel in server._map.values() if hasattr(channel, "total_outbufs_len")]
    return any(channel.requests or channel.total_outbufs_len for channel in channels)


def serve_socket_mode(handler, listeners, scheduler, grace: float, stop: threading.Event, dialect: str) -> int:
    """Connected until told to stop; then: no new envelopes, acks for those in flight, close, drain."""
    hand_over_often(dialect)
    while not stop.wait(LOOP_TICK):
        pass
    deadline = Deadline(grace)
    finished = handler.stop_taking_new(deadline.left())
    handler.close()
    finished = listeners.drain(deadline.left()) and finished
    post_celebrations(min(deadline.left(), CELEBRATIONS_WAIT_SECONDS))
    finished = stop_scheduler(scheduler, deadline.left()) and finished
    return _report(finished, listeners)


def post_celebrations(timeout: float) -> None:
    """News the requests just answered planned goes out now, if the channel lets it within the grace; what
    is left stays in the outbox and goes out after the next start (bot/jobs/celebrations.py)."""
    from bot.jobs.celebrations import POSTER

    if not POSTER.wait_until_idle(timeout):
        log.info("some celebrations are still waiting for their channel; they go out after the next start")


def stop_scheduler(scheduler, timeout: float) -> bool:
    """Let a running job finish (it is bounded by the database and Slack timeouts), within `timeout`."""
    if scheduler is None or not scheduler.running:
        return True
    stopper = threading.Thread(target=scheduler.shutdown, kwargs={"wait": True}, name="scheduler-stop", daemon=True)
    stopper.start()
    stopper.join(timeout)
    if stopper.is_alive():
        log.warning("a scheduled job is still running after the grace period; leaving it (its claim is retried)")
        return False
    return True


def _report(finished: bool, listeners) -> int:
    if finished:
        log.info("Pipeline Coach stopped cleanly")
        return 0
    log.warning("stopped with %s request(s) unfinished after SHUTDOWN_GRACE_SECONDS", listeners.in_flight)
    return 1
