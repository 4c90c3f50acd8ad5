"""The engine, transactions and migrations, from one DATABASE_URL."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from psycopg.errors import ConnectionTimeout
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from storage.single_writer import queue_writers
from storage.timeouts import (
    AnswerWindowPassed,
    CheckedOut,
    DatabaseTimeout,
    Timeouts,
    guarded,
    limit_for,
    time_is_up,
)

MIGRATIONS = Path(__file__).with_name("migrations")


# What a database that is down, silent or cut off raises: the work may or may not have been committed.
UNAVAILABLE = (OperationalError, InterfaceError, DisconnectionError, PoolTimeout, DatabaseTimeout)


# Connections kept open by default (SQLAlchemy's), and opened past them while all are in use.
POOL_SIZE, POOL_OVERFLOW = 5, 10
MEMORY_URLS = ("sqlite://", "sqlite:///:memory:")


class DatabaseUnavailable(Exception):
    """The database could not be reached or stopped answering; the unit of work may not have committed.
    `reached` is False when not one statement of it was sent (then nothing of it can have been stored)."""

    def __init__(self, message: str, reached: bool = True) -> None:
        super().__init__(message)
        self.reached = reached


# After the database fails to answer in time, requests fail at once for this long instead of each waiting
# out its own timeout: a silent database must not hold every listener thread, wave after wave.
SILENT_PAUSE = 2.0


def _never_answered(error: Exception, reached: bool, over_network: bool) -> bool:
    """Did the database fail to give this transaction even a connection in time (every pooled one held,
    or, over a network, the connect or its SELECT 1 hanging)? A statement that ran long is not that: it
    may be a slow query. Neither is a request that reached the database too late to be worth the wait,
    nor SQLite's writer queue, where a long write holds up writers but not readers."""
    if isinstance(error, PoolTimeout):
        return True
    ours = isinstance(error, DatabaseTimeout) and not isinstance(error, AnswerWindowPassed)
    drivers = isinstance(getattr(error, "orig", None), ConnectionTimeout)  # DB_CONNECT_TIMEOUT ended it first
    return over_network and (ours or drivers) and not reached


def normalise_url(url: str) -> str:
    """Let people paste the URL their provider gives them; we talk to PostgreSQL through psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


class Database:
    """Owns the engine; everything else asks it for a short transaction."""

    def __init__(
        self, url: str, *, echo: bool = False, timeouts: Timeouts | None = None, connections: int = POOL_SIZE
    ) -> None:
        """`connections`: how many the pool keeps open, one for each thread that may hold one at once (a
        connection past those is opened and closed again around each use, a reconnect per transaction)."""
        self.url = normalise_url(url)
        self.timeouts = timeouts or Timeouts()
        self.engine: Engine = _make_engine(self.url, echo, self.timeouts, connections)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._current: ContextVar[Session | None] = ContextVar(f"transaction_{id(self)}", default=None)
        self._sent: ContextVar[list[int] | None] = ContextVar(f"statements_{id(self)}", default=None)
        self._held = CheckedOut()
        self._silent_until = 0.0  # see SILENT_PAUSE
        event.listen(self.engine, "checkout", self._checked_out)
        event.listen(self.engine, "before_cursor_execute", self._sending)
        event.listen(self.engine, "checkin", lambda dbapi, _record: self._held.remove(dbapi))
        event.listen(self.engine, "invalidate", lambda dbapi, _record, _error: self._held.remove(dbapi))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: committed when the block ends, rolled back whole if it raises.

        Opened inside another transaction (on the same thread), it joins that one: a domain service opens
        the transaction of a user action, and every query function it calls writes inside it.

        Bounded (storage/timeouts.py): by DB_STATEMENT_TIMEOUT, and by Slack's answer window until the rep
        has been answered; past either, the connection is interrupted. A database that is down, silent or
        cut off raises DatabaseUnavailable (the work may or may not have committed: callers check).
        """
        joined = self._current.get()
        if joined is not None:
            yield joined
            return
        if time.monotonic() < self._silent_until:
            raise DatabaseUnavailable("the database did not answer a moment ago; not waiting on it again yet", False)
        token, sent = self._current.set(None), self._sent.set([0])
        try:
            with guarded(self._held, limit_for(self.timeouts.statement)), self._sessions.begin() as session:
                self._current.set(session)
                yield session
        except UNAVAILABLE as error:
            reached = bool(self._sent.get()[0])
            if _never_answered(error, reached, self.dialect == "postgresql"):
                self._fall_silent()  # before this request is answered, so the next one already fails fast
            first_line = (str(error).splitlines() or [""])[0]
            raise DatabaseUnavailable(f"{error.__class__.__name__}: {first_line[:200]}", reached) from error
        finally:
            self._current.reset(token)
            self._sent.reset(sent)

    def after_commit(self, callback) -> None:
        """Call `callback()` once the open transaction has committed (at once outside one), so news of a
        write never reaches another thread before the write itself can be read."""
        session = self._current.get()
        if session is None:
            callback()
            return
        event.listen(session, "after_commit", lambda _session: callback(), once=True)

    def _sending(self, *_args) -> None:
        """Counts the statements the open transaction has handed to the driver (see `reached`)."""
        sent = self._sent.get()
        if sent is not None:
            sent[0] += 1

    def _fall_silent(self) -> None:
        self._silent_until = time.monotonic() + SILENT_PAUSE

    def _checked_out(self, dbapi_connection, _record, _proxy) -> None:
        """Our own pre-ping, done once the watchdog can see the connection (SQLAlchemy's runs before)."""
        if time_is_up():
            raise DatabaseTimeout("the database did not answer in time")
        self._held.add(dbapi_connection)
        if self.dialect != "postgresql":
            return
        try:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
        except Exception as error:
            self._held.remove(dbapi_connection)
            if time_is_up():  # not even SELECT 1 came back: the database (or the network to it) is silent
                self._fall_silent()
                raise DatabaseTimeout("the database did not answer in time") from error
            raise DisconnectionError("stale pooled connection") from error  # the pool opens a fresh one

    def problem(self, timeout: float) -> str | None:
        """Why the database cannot be used right now (None: it answers), found out within `timeout`."""
        try:
            with guarded(self._held, timeout), self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            self._silent_until = 0.0  # it answers again: stop failing fast
            return None
        except SQLAlchemyError as error:
            reason = str(error.orig if getattr(error, "orig", None) is not None else error)
            return f"{error.__class__.__name__}: {reason.strip().splitlines()[0][:200] if reason.strip() else ''}"

    def is_reachable(self) -> bool:
        return self.problem(self.timeouts.statement or 5.0) is None

    def upgrade(self) -> None:
        """Bring the schema to the newest migration (safe to run from several processes at once)."""
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as connection:
            if self.dialect == "postgresql":
                connection.execute(text("SET LOCAL statement_timeout = 0"))  # migrations may take their time
                connection.execute(text("SELECT pg_advisory_xact_lock(7461093)"))
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def dispose(self) -> None:
        self.engine.dispose()


# Dead peers on PostgreSQL are noticed by TCP too, for connections outside a guarded transaction (export).
PG_KEEPALIVES = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5, "keepalives_count": 3}
PG_TCP_USER_TIMEOUT_MS = 10_000


def _make_engine(url: str, echo: bool, timeouts: Timeouts, connections: int) -> Engine:
    if url.startswith("sqlite"):
        busy_ms = int((timeouts.statement or 30) * 1000)
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": busy_ms / 1000},
            pool_timeout=timeouts.pool,
            **({} if url in MEMORY_URLS else {"pool_size": connections, "max_overflow": POOL_OVERFLOW}),
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
            cursor.close()

        if url not in MEMORY_URLS:  # a file: one database that every thread's connection writes to
            queue_writers(engine, busy_ms / 1000)
        return engine
    connect_args: dict = {}
    if url.startswith("postgresql+psycopg"):
        connect_args = {**PG_KEEPALIVES, "tcp_user_timeout": PG_TCP_USER_TIMEOUT_MS}
        if timeouts.connect is not None:
            connect_args["connect_timeout"] = max(2, timeouts.connect)
        if timeouts.statement is not None:
            connect_args["options"] = f"-c statement_timeout={int(timeouts.statement * 1000)}"
    return create_engine(
        url,
        echo=echo,
        pool_size=connections,
        max_overflow=POOL_OVERFLOW,
        pool_timeout=timeouts.pool,
        connect_args=connect_args,
    )
