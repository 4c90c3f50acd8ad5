"""The engine, transactions and migrations, from one DATABASE_URL."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from storage.timeouts import (
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


class DatabaseUnavailable(Exception):
    """The database could not be reached or stopped answering; the unit of work may not have committed."""


# After the database fails to answer in time, requests fail at once for this long instead of each waiting
# out its own timeout: a silent database must not hold every listener thread, wave after wave.
SILENT_PAUSE = 2.0


def normalise_url(url: str) -> str:
    """Let people paste the URL their provider gives them; we talk to PostgreSQL through psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


class Database:
    """Owns the engine; everything else asks it for a short transaction."""

    def __init__(self, url: str, *, echo: bool = False, timeouts: Timeouts | None = None) -> None:
        self.url = normalise_url(url)
        self.timeouts = timeouts or Timeouts()
        self.engine: Engine = _make_engine(self.url, echo, self.timeouts)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._current: ContextVar[Session | None] = ContextVar(f"transaction_{id(self)}", default=None)
        self._held = CheckedOut()
        self._silent_until = 0.0  # see SILENT_PAUSE
        event.listen(self.engine, "checkout", self._checked_out)
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
            raise DatabaseUnavailable("the database did not answer a moment ago; not waiting on it again yet")
        token = self._current.set(None)
        try:
            with guarded(self._held, limit_for(self.timeouts.statement)), self._sessions.begin() as session:
                self._current.set(session)
                yield session
        except UNAVAILABLE as error:
            if isinstance(error, PoolTimeout):  # every connection is held by a database that does not answer
                self._fall_silent()
            first_line = (str(error).splitlines() or [""])[0]
            raise DatabaseUnavailable(f"{error.__class__.__name__}: {first_line[:200]}") from error
        finally:
            self._current.reset(token)

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


def _make_engine(url: str, echo: bool, timeouts: Timeouts) -> Engine:
    if url.startswith("sqlite"):
        busy_ms = int((timeouts.statement or 30) * 1000)
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": busy_ms / 1000},
            pool_timeout=timeouts.pool,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
            cursor.close()

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
        pool_size=5,
        max_overflow=10,
        pool_timeout=timeouts.pool,
        connect_args=connect_args,
    )
