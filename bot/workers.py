"""The threads that run Slack listeners, and Slack's 3-second window to answer each request.

Bolt runs every listener on one executor (ack first, work after). Ours bounds the listeners not yet
answered (WORKER_THREADS) but not the work after an answer, counts what is in flight so a shutdown can
wait for it, and carries each request's answer budget into the listener's thread, where
storage/timeouts.py reads it: until the rep has been answered, no database wait may outlast Slack's
window, and a listener that starts too late (a queue behind a hung database) does no database work at
all, so nothing is stored after Slack has shown the rep a failure.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager

from slack_bolt import Ack

from bot import metrics
from storage.timeouts import AnswerBudget, current_budget

# Slack waits 3 s for an answer; this much of it is ours, the rest is the network's.
ANSWER_BUDGET_SECONDS = 2.5
# Background work waits at most this long for people's requests to be answered, then goes on anyway.
STEP_ASIDE_SECONDS = 0.5
# A burst is over once nobody has waited for this long: the server reads a burst's requests one by one,
# and work that starts in a gap between two of them delays reading the rest.
BURST_GAP_SECONDS = 0.02
# Work nobody waits on (a Home refresh, the channel's news) waits for this much calm, a few seconds at
# most: under load a burst's reads can leave gaps longer than BURST_GAP_SECONDS, and such work is heavy.
CALM_SECONDS, CALM_MOST_SECONDS = 0.25, 3.0


class PeopleFirst:
    """Counts people's requests still waiting for their answer (HTTP mode: bot/server.py), so that the
    fan-out steps aside before each render and send while any is: the process's threads share one GIL,
    and a busy fan-out thread otherwise delays every acknowledgement of a burst. The wait is bounded, so
    a steady stream of requests slows a slot down but never stops it.

    A request counts from the moment the server has read it: those being answered, and (`count_queued`)
    those read but still queued for a server thread, the last of a burst bigger than the server's threads.
    Stepping aside lasts until nobody has waited for BURST_GAP_SECONDS, the rest of a burst still unread.
    """

    def __init__(self, burst_gap: float = BURST_GAP_SECONDS) -> None:
        self._waiting = 0
        self._queued: Callable[[], int] = lambda: 0
        self._quiet = threading.Condition()
        self._burst_gap = burst_gap
        self._quiet_since = float("-inf")  # when the last person waiting was answered

    @property
    def waiting(self) -> int:
        with self._quiet:
            return self._waiting + self._queued()

    def count_queued(self, queued: Callable[[], int]) -> None:
        """`queued()`: requests read but not yet started (each one starts with `answering`, whose end
        wakes whoever steps aside, so no notification is needed when one leaves the queue)."""
        self._queued = queued

    @contextmanager
    def answering(self) -> Iterator[None]:
        """Around one request, from its arrival until its answer is ready to be written."""
        with self._quiet:
            self._waiting += 1
        try:
            yield
        finally:
            with self._quiet:
                self._waiting -= 1
                if not self._waiting:
                    self._quiet_since = time.monotonic()
                    self._quiet.notify_all()

    def step_aside(self, most: float = STEP_ASIDE_SECONDS, calm_for: float | None = None) -> None:
        """Wait until nobody has waited for an answer for a burst's gap (or `calm_for`, for work nobody
        waits on at all), `most` seconds at most."""
        deadline, gap = time.monotonic() + most, self._burst_gap if calm_for is None else calm_for
        with self._quiet:
            while (left := deadline - time.monotonic()) > 0:
                if self._waiting or self._queued():
                    self._quiet.wait_for(lambda: not self._waiting and not self._queued(), timeout=left)
                    continue
                calm = time.monotonic() - self._quiet_since
                if calm >= gap:
                    return
                self._quiet.wait(min(gap - calm, left))


PEOPLE = PeopleFirst()


def after_answer_threads(workers: int) -> int:
    """Threads for work after the answer (replies, forms, celebrations) beside WORKER_THREADS: half as many
    again, enough for a burst's replies, and each may hold a pooled connection (Settings.db_connections)."""
    return max(1, workers // 2)


AFTER_ANSWER_STEP_ASIDE_SECONDS = 0.25
# Bolt's own limit for a listener's ack (Listener.ack_timeout): a request thread never waits longer.
ACK_WAIT_SECONDS = 3.0
# Set inside a listener holding a place; None on the request's own thread (Bolt acks events there).
_on_answer: contextvars.ContextVar = contextvars.ContextVar("on_answer", default=None)
# The request's ack, on the thread that must write its answer (set by answer_budget).
_awaited_ack: contextvars.ContextVar = contextvars.ContextVar("awaited_ack", default=None)


class ListenerPool(ThreadPoolExecutor):
    """Runs Bolt's listeners, each in its submitter's context, and can be drained.

    The request's thread, having handed its listener over, waits here for the ack itself (or the
    listener's end) instead of in Bolt's loop, which looks every 10 ms: the answer is written the moment
    the listener acks, and a burst's waiting threads do not wake a hundred times a second each.

    At most `workers` listeners run before their request is answered (each may hold a database connection
    while Slack's window runs). A listener that has answered goes on with its reply, form or celebration on
    the same thread but no longer counts, so work after the answer never keeps a new request from being
    answered: up to `after_answer_threads(workers)` more threads serve it."""

    def __init__(self, workers: int) -> None:
        super().__init__(max_workers=workers + after_answer_threads(workers), thread_name_prefix="listener")
        self._answering = threading.BoundedSemaphore(workers)
        self._in_flight = 0
        self._idle = threading.Condition()

    @property
    def in_flight(self) -> int:
        with self._idle:
            return self._in_flight

    def submit(self, fn, /, *args, **kwargs) -> Future:
        context = contextvars.copy_context()

        def run():
            try:
                return context.run(self._until_answered, fn, *args, **kwargs)
            finally:
                with self._idle:
                    self._in_flight -= 1
                    self._idle.notify_all()

        with self._idle:
            self._in_flight += 1
        try:
            future = super().submit(run)
        except BaseException:
            with self._idle:
                self._in_flight -= 1
            raise
        ack = _awaited_ack.get()
        if ack is not None and ack.waiter == threading.get_ident() and ack.response is None:
            future.add_done_callback(lambda _: ack.settled.set())  # ended without an ack: Bolt says so
            ack.settled.wait(max(0.0, ack.since + ACK_WAIT_SECONDS - time.monotonic()))  # an old one: none
        return future

    def _until_answered(self, fn, /, *args, **kwargs):
        """Run `fn` holding one of the `workers` places until its request is answered (or it ends)."""
        budget = current_budget.get()
        if budget is not None and budget.answered:  # acked before it started (an event): after-answer work
            return fn(*args, **kwargs)
        self._answering.acquire()
        held = [True]

        def release() -> None:
            if held[0]:
                held[0] = False
                self._answering.release()

        token = _on_answer.set(release)
        try:
            return fn(*args, **kwargs)
        finally:
            _on_answer.reset(token)
            release()

    def drain(self, timeout: float) -> bool:
        """Wait until nothing is in flight (True) or `timeout` passed (False)."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._in_flight, timeout)


class BudgetedAck(Ack):
    """Bolt's ack, which also tells the request's budget when (and whether in time) the rep was answered."""

    def __init__(self, budget: AnswerBudget) -> None:
        super().__init__()
        self.budget = budget
        self.waiter = threading.get_ident()  # the request's thread, which writes the answer
        self.since = time.monotonic()
        self.settled = threading.Event()  # acked (or its listener ended): the answer can be written

    def __call__(self, *args, **kwargs):
        self.budget.answer()
        metrics.acknowledged(time.monotonic() - self.since, late=self.budget.missed)
        try:
            return super().__call__(*args, **kwargs)
        finally:
            self.settled.set()
            release = _on_answer.get()
            if release is not None:  # a listener's thread, not the request's (which must answer at once)
                release()  # this listener's place goes to the next request waiting for its answer
                PEOPLE.step_aside(AFTER_ANSWER_STEP_ASIDE_SECONDS)  # its reply waits while others await theirs


def answer_budget(context, next) -> None:  # noqa: A002 - Bolt's name for the chain
    """Global middleware: every request gets Slack's window, from the moment it reaches the app."""
    budget = AnswerBudget(ANSWER_BUDGET_SECONDS)
    if "ack" not in context or context["ack"].response is None:
        context["ack"] = ack = BudgetedAck(budget)
        current_budget.set(budget)  # copied into the listener's thread by ListenerPool.submit
        _awaited_ack.set(ack)
    next()
