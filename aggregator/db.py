"""Engines and sessions for the shared database (SQLite or PostgreSQL)."""

from __future__ import annotations

import json
import logging
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from aggregator.config import get_settings

IN_LIST_SIZE = 500  # ids or keys per IN (...) list, well under every database's parameter limit
ROWS_PER_STATEMENT = 2000  # rows per executemany of a bulk write

T = TypeVar("T")
logger = logging.getLogger(__name__)

# What SQLite and PostgreSQL say when the database can be read but not written.
CANNOT_WRITE = (
    "readonly database",
    "read-only",
    "disk is full",
    "disk i/o error",
    "no space left on device",
    "could not extend file",
)


def cannot_write(exc: BaseException) -> bool:
    """Whether ``exc`` says the database cannot be written (as opposed to any other failure)."""
    if not isinstance(exc, OperationalError | sqlite3.OperationalError):
        return False
    message = str(getattr(exc, "orig", None) or exc).lower()
    return any(words in message for words in CANNOT_WRITE)


def chunks(values: Sequence[T], size: int = IN_LIST_SIZE) -> Iterator[Sequence[T]]:
    """``values`` a slice of ``size`` at a time: for IN lists and bulk writes of any length."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


# A writer that meets another's lock waits and tries again rather than lose what it writes.
BUSY_RETRIES = 8
BUSY_FIRST_WAIT = 0.2  # seconds, doubled at each retry
# PostgreSQL's serialization failure, deadlock and lock timeout: the transaction may simply be retried.
_RETRYABLE_SQLSTATES = {"40001", "40P01", "55P03"}


def is_busy(exc: BaseException) -> bool:
    """Whether ``exc`` says another writer held the database: SQLite's "database is locked" (also
    raised at once, without waiting, to a transaction whose snapshot another writer made stale)."""
    if not isinstance(exc, OperationalError | DBAPIError):
        return False
    orig = getattr(exc, "orig", None)
    if getattr(orig, "sqlstate", None) in _RETRYABLE_SQLSTATES:
        return True
    return "database is locked" in str(orig) or "database table is locked" in str(orig)


def retrying(session: Session, write: Callable[[], T]) -> T:
    """Run ``write`` (which commits); when the database is busy, roll back, wait and run it again.

    :raise SQLAlchemyError: what ``write`` raised, when it is not a busy database or the database
        stayed busy through every retry (after a rollback).
    """
    wait = BUSY_FIRST_WAIT
    for attempt in range(BUSY_RETRIES + 1):
        try:
            return write()
        except SQLAlchemyError as exc:
            session.rollback()
            if attempt == BUSY_RETRIES or not is_busy(exc):
                raise
            logger.info("database busy (%s), retrying in %.1f s", getattr(exc, "orig", exc), wait)
            time.sleep(wait)
            wait *= 2
    raise AssertionError("unreachable")


def _unicode_lower(text: str | None) -> str | None:
    return text.lower() if text is not None else None


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the web read while a crawl writes; the timeout waits out short write locks.
    cursor = dbapi_connection.cursor()
    try:
        (mode,) = cursor.execute("PRAGMA journal_mode=WAL").fetchone()
    except sqlite3.OperationalError as exc:
        # A read-only file is still read, in the journal mode it has.
        if not cannot_write(exc):
            raise
        logger.debug("SQLite database kept in its journal mode: %s", exc)
        mode = None
    if mode == "wal":
        # A commit waits for the log's write, not for the disk: nothing is lost when the process
        # dies, only a power cut can take back the last commits (SQLite's advice for WAL).
        cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
    # lower() as PostgreSQL's: every letter, not only ASCII ones.
    dbapi_connection.create_function("unicode_lower", 1, _unicode_lower, deterministic=True)


def sqlite_path(database: str | None) -> Path | None:
    """The file of a SQLite URL's database (``/a/b.sqlite3`` or ``file:/a/b.sqlite3?mode=ro``), or None
    for an in-memory one."""
    if not database or database == ":memory:":
        return None
    return Path(database.removeprefix("file:"))


def json_text(value: Any) -> str:
    """JSON as the database keeps it: a value JSON has no type for (a date in a page's payload) as
    its text, and the halves of split emoji, which JSON can carry but no database stores, replaced."""
    text = json.dumps(value, default=str, ensure_ascii=False)
    return text.encode("utf-8", "replace").decode("utf-8")


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_path(parsed.database)
        if path is not None and not parsed.query.get("mode"):  # "ro": a folder is not needed
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, json_serializer=json_text)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, json_serializer=json_text)


_engines: dict[str, Engine] = {}


def get_engine(url: str | None = None) -> Engine:
    """The process's engine for ``url`` (default: the configured database), created once."""
    key = url or get_settings().database_url
    if key not in _engines:
        _engines[key] = make_engine(key)
    return _engines[key]


def dispose_engine(url: str) -> None:
    """Close the pooled connections of ``url``'s engine and forget it."""
    engine = _engines.pop(url, None)
    if engine is not None:
        engine.dispose()


def get_sessionmaker(url: str | None = None) -> sessionmaker[Session]:
    return sessionmaker(get_engine(url), expire_on_commit=False)


def is_postgresql(engine_or_session: Engine | Session) -> bool:
    bind = engine_or_session.get_bind() if isinstance(engine_or_session, Session) else engine_or_session
    return bind.dialect.name == "postgresql"


def connection_problem(url: str) -> str | None:
    """Why no connection to ``url`` can be made (the error's class name), or None when one can."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            connection.execute(text("select 1"))
    except Exception as exc:  # whatever stops a connection, there is no usable server
        return exc.__class__.__name__
    finally:
        engine.dispose()
    return None


@contextmanager
def scratch_schema(base_url: str, prefix: str) -> Iterator[str]:
    """``base_url`` with its search path on a new PostgreSQL schema, dropped afterwards: isolated
    databases on one server, for tests and benchmarks."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{base_url}?options={quote(f'-csearch_path={schema}')}"
        try:
            yield url
        finally:
            dispose_engine(url)
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()
