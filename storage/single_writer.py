"""SQLite's single writer, queued for inside the process instead of inside SQLite.

SQLite lets one connection write at a time. A connection that finds the database locked sleeps in
SQLite's busy handler, in growing steps (1, 2, 5, 10 … 100 ms), and is not woken when the lock is
freed: with twenty reps saving deals at once, and the fan-out claiming its batches, most of them slept
far longer than the writes they waited for. Here a connection about to write first takes the process's
lock for that database file (shared by every engine on it), held until the connection goes back to the
pool (after its COMMIT or ROLLBACK), so writers follow each other at once, in turn. Reads never take
it (WAL lets them run beside a writer).
SQLite's own locking still guards against other processes.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
import time

from sqlalchemy import Engine, event
from sqlalchemy.exc import OperationalError

from storage.timeouts import time_is_up

WRITES = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)
_HOLDS = "holds_the_writer"
_SLICE = 0.05  # seconds between looks at this thread's database deadline while queued


_WRITERS: dict[str, threading.Lock] = {}  # one per database file, shared by every engine on it
_WRITERS_LOCK = threading.Lock()


def _writer_of(engine: Engine) -> threading.Lock:
    path = os.path.realpath(engine.url.database or "")
    with _WRITERS_LOCK:
        return _WRITERS.setdefault(path, threading.Lock())


def queue_writers(engine: Engine, busy_seconds: float) -> None:
    """Make `engine`'s connections take turns to write (SQLite only), with every other engine of this
    process on the same file; waiting longer than `busy_seconds`, or past the transaction's own limit,
    fails as SQLite's "database is locked" would."""
    writer = _writer_of(engine)

    @event.listens_for(engine, "before_cursor_execute")
    def _take_the_writer(connection, _cursor, statement, parameters, _context, _many) -> None:
        info = connection.info
        if info.get(_HOLDS) or not WRITES.match(statement):
            return
        deadline = time.monotonic() + busy_seconds
        while not writer.acquire(timeout=_SLICE):
            if time_is_up() or time.monotonic() > deadline:
                raise OperationalError(statement, parameters, sqlite3.OperationalError("database is locked"))
        info[_HOLDS] = True

    def _give_it_back(record) -> None:
        if record is not None and record.info.pop(_HOLDS, False):
            writer.release()

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection, record) -> None:
        _give_it_back(record)

    @event.listens_for(engine, "invalidate")
    def _invalidated(_dbapi_connection, record, _error) -> None:
        _give_it_back(record)

    @event.listens_for(engine, "close")
    def _closed(_dbapi_connection, record) -> None:
        _give_it_back(record)
