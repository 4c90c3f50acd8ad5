"""The engine, transactions and migrations, from one DATABASE_URL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).with_name("migrations")


# What a database that is down, silent or cut off raises: the work may or may not have been committed.
UNAVAILABLE = (OperationalError, InterfaceError, DisconnectionError, PoolTimeout)


class DatabaseUnavailable(Exception):
    """The database could not be reached or stopped answering; the unit of work may not have committed."""


def normalise_url(url: str) -> str:
    """Let people paste the URL their provider gives them; we talk to PostgreSQL through psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


class Database:
    """Owns the engine; everything else asks it for a short transaction."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = normalise_url(url)
        self.engine: Engine = _make_engine(self.url, echo)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._current: ContextVar[Session | None] = ContextVar(f"transaction_{id(self)}", default=None)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: committed when the block ends, rolled back whole if it raises.

        Opened inside another transaction (on the same thread), it joins that one: a domain service opens
        the transaction of a user action, and every query function it calls writes inside it.
        """
        joined = self._current.get()
        if joined is not None:
            yield joined
            return
        token = self._current.set(None)
        try:
            with self._sessions.begin() as session:
                self._current.set(session)
                yield session
        except UNAVAILABLE as error:
            first_line = (str(error).splitlines() or [""])[0]
            raise DatabaseUnavailable(f"{error.__class__.__name__}: {first_line[:200]}") from error
        finally:
            self._current.reset(token)

    def is_reachable(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except SQLAlchemyError:
            return False

    def upgrade(self) -> None:
        """Bring the schema to the newest migration (safe to run from several processes at once)."""
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as connection:
            if self.dialect == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(7461093)"))
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def dispose(self) -> None:
        self.engine.dispose()


def _make_engine(url: str, echo: bool) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=5, max_overflow=10)
