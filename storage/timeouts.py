"""Bounded waits on the database: no request, job or health check may wait on it forever.

Three limits stack up. The driver's own (PostgreSQL `connect_timeout` and `statement_timeout`, SQLite's
busy timeout) end waits the database itself knows about. A watchdog ends the rest: when a transaction
outlives its limit it cuts the connection's socket (PostgreSQL) or interrupts the statement (SQLite), so
a hung host or a silent network cannot hold a thread. And until the rep has been answered, a
request's transactions also end with Slack's answer window (`AnswerBudget`), so a late answer never
carries out work Slack has already shown the rep as failed.
"""

from __future__ import annotations

import itertools
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger("pipeline_coach.db")


@dataclass(frozen=True)
class Timeouts:
    """None means no limit (library use, migrations, the benchmark); `python -m bot` sets all three."""

    connect: int | None = None  # seconds; libpq's minimum is 2
    statement: float | None = None  # seconds one transaction may wait on the database
    pool: float = 30.0  # seconds to wait for a pooled connection (SQLAlchemy's default)


class DatabaseTimeout(SQLAlchemyError):
    """The database did not answer in time; the transaction was rolled back (nothing was stored)."""


class AnswerWindowPassed(DatabaseTimeout):
    """Slack's window to answer this request has passed: the work is not carried out."""


class AnswerBudget:
    """Slack's time to answer one request, measured from its arrival. Answered in time: the budget no
    longer limits what follows. Answered late (or not yet, past the end): database work is refused."""

    def __init__(self, seconds: float) -> None:
        self.ends_at = time.monotonic() + seconds
        self.answered = False
        self.missed = False

    def answer(self) -> None:
        if time.monotonic() > self.ends_at:
            self.missed = True
        else:
            self.answered = True

    def remaining(self) -> float | None:
        """Seconds left, or None once the rep was answered in time."""
        if self.answered and not self.missed:
            return None
        return 0.0 if self.missed else self.ends_at - time.monotonic()


current_budget: ContextVar[AnswerBudget | None] = ContextVar("answer_budget", default=None)


def limit_for(statement: float | None) -> float | None:
    """How long the next transaction may take: its own limit, cut to what is left of Slack's window."""
    budget = current_budget.get()
    left = budget.remaining() if budget is not None else None
    if left is not None and left <= 0:
        raise AnswerWindowPassed("Slack's answer window passed before the database was reached")
    if left is None:
        return statement
    return left if statement is None else min(left, statement)


class Watchdog:
    """One thread that fires callbacks at deadlines, for every transaction in the process.

    Cheap on the path of every transaction: `watch` and `cancel` only touch a dict under a lock, and the
    thread is woken only when a new deadline comes before the one it already sleeps towards (rarely: every
    transaction's limit is about as long). It sleeps until the earliest deadline still watched, looks then
    at every watch at once, and never more often than every LOOK_SECONDS, so a burst of transactions costs
    it a wake-up or two instead of one each; a limit is enforced at most that late."""

    LOOK_SECONDS = 0.05

    def __init__(self) -> None:
        self._watched: dict[int, tuple[float, Callable[[], None]]] = {}
        self._ids = itertools.count()
        self._wake = threading.Condition()
        self._next_look = float("inf")  # when the thread looks next (inf: nothing watched, it sleeps)
        self._thread: threading.Thread | None = None

    def watch(self, seconds: float, fire: Callable[[], None]) -> int:
        deadline = time.monotonic() + seconds
        with self._wake:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="db-watchdog", daemon=True)
                self._thread.start()
            ticket = next(self._ids)
            self._watched[ticket] = (deadline, fire)
            if deadline < self._next_look:
                self._next_look = deadline
                self._wake.notify()
            return ticket

    def cancel(self, ticket: int) -> None:
        with self._wake:
            self._watched.pop(ticket, None)

    def _run(self) -> None:
        while True:
            with self._wake:
                while (left := self._next_look - time.monotonic()) > 0:
                    self._wake.wait(None if left == float("inf") else left)
                now = time.monotonic()
                due = [ticket for ticket, (deadline, _) in self._watched.items() if deadline <= now]
                fired = [self._watched.pop(ticket)[1] for ticket in due]
                earliest = min((deadline for deadline, _ in self._watched.values()), default=float("inf"))
                self._next_look = max(earliest, now + self.LOOK_SECONDS)
            for fire in fired:
                try:
                    fire()
                except Exception:
                    log.exception("could not interrupt a database connection")


WATCHDOG = Watchdog()


class CheckedOut:
    """Which raw connections each thread holds right now (kept by pool checkout/checkin events)."""

    def __init__(self) -> None:
        self._by_thread: dict[int, list] = {}
        self._lock = threading.Lock()

    def add(self, connection) -> None:
        with self._lock:
            self._by_thread.setdefault(threading.get_ident(), []).append(connection)

    def remove(self, connection) -> None:
        """Checked in, invalidated or closed: forget it, whichever thread held it."""
        if connection is None:
            return
        with self._lock:
            for thread_id, held in list(self._by_thread.items()):
                if connection in held:
                    held.remove(connection)
                if not held:
                    del self._by_thread[thread_id]

    def of(self, thread_id: int) -> list:
        with self._lock:
            return list(self._by_thread.get(thread_id, []))


_guards = threading.local()


def time_is_up() -> bool:
    """Has the innermost guarded block on this thread outlived its limit (checked before each checkout)?"""
    fired = getattr(_guards, "fired", None)
    return fired is not None and fired.is_set()


@contextmanager
def guarded(held: CheckedOut, seconds: float | None) -> Iterator[None]:
    """Run the block; if it outlives `seconds`, interrupt this thread's connections and raise DatabaseTimeout."""
    if seconds is None:
        yield
        return
    thread_id = threading.get_ident()
    fired = threading.Event()
    outer, _guards.fired = getattr(_guards, "fired", None), fired

    def interrupt() -> None:
        fired.set()
        for connection in held.of(thread_id):
            interrupt_connection(connection)

    ticket = WATCHDOG.watch(seconds, interrupt)
    try:
        yield
    except Exception as error:
        if fired.is_set():
            raise DatabaseTimeout(f"the database did not answer within {seconds:.1f} s") from error
        raise
    finally:
        WATCHDOG.cancel(ticket)
        _guards.fired = outer


def interrupt_connection(connection) -> None:
    """Make a blocked call on this DBAPI connection return at once, with an error."""
    interrupt = getattr(connection, "interrupt", None)  # sqlite3: aborts the running statement
    if callable(interrupt):
        interrupt()
        return
    try:
        fd = connection.pgconn.socket  # psycopg 3: cut the socket under the blocked read
    except Exception:  # already closed, or not a psycopg connection
        return
    duplicate = socket.socket(fileno=os.dup(fd))
    try:
        duplicate.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    finally:
        duplicate.close()
