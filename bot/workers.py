"""The threads that run Slack listeners, and Slack's 3-second window to answer each request.

Bolt runs every listener on one executor (ack first, work after). Ours is bounded (WORKER_THREADS), counts
what is in flight so a shutdown can wait for it, and carries each request's answer budget into the
listener's thread, where storage/timeouts.py reads it: until the rep has been answered, no database wait
may outlast Slack's window, and a listener that starts too late (a queue behind a hung database) does
no database work at all, so nothing is stored after Slack has shown the rep a failure.
"""

from __future__ import annotations

import contextvars
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor

from slack_bolt import Ack

from storage.timeouts import AnswerBudget, current_budget

# Slack waits 3 s for an answer; this much of it is ours, the rest is the network's.
ANSWER_BUDGET_SECONDS = 2.5


class ListenerPool(ThreadPoolExecutor):
    """A bounded pool that runs each task in its submitter's context and can be drained."""

    def __init__(self, workers: int) -> None:
        super().__init__(max_workers=workers, thread_name_prefix="listener")
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
                return context.run(fn, *args, **kwargs)
            finally:
                with self._idle:
                    self._in_flight -= 1
                    self._idle.notify_all()

        with self._idle:
            self._in_flight += 1
        try:
            return super().submit(run)
        except BaseException:
            with self._idle:
                self._in_flight -= 1
            raise

    def drain(self, timeout: float) -> bool:
        """Wait until nothing is in flight (True) or `timeout` passed (False)."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._in_flight:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._idle.wait(remaining)
        return True


class BudgetedAck(Ack):
    """Bolt's ack, which also tells the request's budget when (and whether in time) the rep was answered."""

    def __init__(self, budget: AnswerBudget) -> None:
        super().__init__()
        self.budget = budget

    def __call__(self, *args, **kwargs):
        self.budget.answer()
        return super().__call__(*args, **kwargs)


def answer_budget(context, next) -> None:  # noqa: A002 - Bolt's name for the chain
    """Global middleware: every request gets Slack's window, from the moment it reaches the app."""
    budget = AnswerBudget(ANSWER_BUDGET_SECONDS)
    if "ack" not in context or context["ack"].response is None:
        context["ack"] = BudgetedAck(budget)
        current_budget.set(budget)  # copied into the listener's thread by ListenerPool.submit
    next()
