"""One engine factory for both kinds of store: a SQLite file (one user) or PostgreSQL (a team).

SQLite runs in WAL mode with foreign keys on, so a killed import leaves the file as it
was and readers are not blocked by a writer. A new SQLite file is created 0600 before
sqlite3 opens it, so its -wal and -shm files (which SQLite gives the main file's mode)
are the user's only too. Problems a user can fix (a malformed URL, an unreachable
server, a folder that cannot be written) become one-line StoreErrors.

``write_lock`` is the one way to serialise first-use work (creating the schema, making
the key) between processes that open the same store at once.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from rehabdash.errors import StoreError
from rehabdash.paths import check_url, hide_password, make_private_dir

__all__ = ["describe_url", "open_engine", "parse_url", "sqlite_path", "write_lock"]

# One advisory lock id for "first-use work on this store" (advisory locks are per
# database, so stores on one server do not wait for each other).
_PG_LOCK_ID = 0x72656861_62646173  # "rehabdas"
_BUSY_MS = 10_000
# Waiting for another process's schema upgrade may take longer than a normal write.
_LOCK_WAIT_MS = 120_000


def describe_url(url: str | URL) -> str:
    """The URL as safe to show: any password hidden."""
    if isinstance(url, URL):
        return url.render_as_string(hide_password=True)
    return hide_password(url)


def sqlite_path(url: URL) -> Path | None:
    """The database file of a SQLite URL, or None for PostgreSQL and in-memory stores."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database or "")


def parse_url(url: str) -> URL:
    """``url`` as SQLAlchemy reads it (PostgreSQL through psycopg); StoreError if malformed."""
    check_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(f"'{url}' is not a valid database URL") from None
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _prepare_sqlite_file(path: Path) -> None:
    folder = path.parent if str(path.parent) else Path(".")
    try:
        make_private_dir(folder)
    except OSError as exc:
        raise StoreError(
            f"cannot create the folder {folder} for the store: {exc.strerror}"
        ) from None
    target = path if path.exists() else folder
    if not os.access(target, os.W_OK):
        raise StoreError(f"cannot write to {target}: permission denied")
    if path.exists() and path.stat().st_size > 0:
        with path.open("rb") as fh:
            if fh.read(16) != b"SQLite format 3\x00":
                raise StoreError(f"{path} exists but is not a SQLite database")
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:  # an existing store (or another process made it just now)
        pass
    except OSError as exc:
        raise StoreError(f"cannot create the store {path}: {exc.strerror}") from None


def _to_wal(cur: sqlite3.Cursor) -> None:
    """Switch to WAL. On a brand-new file opened by several processes at once, SQLite can
    refuse the switch as "database is locked" at once, without waiting the busy timeout
    (it needs the file to itself for a moment), so the switch is tried again meanwhile."""
    deadline = time.monotonic() + _BUSY_MS / 1000
    while True:
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _on_sqlite_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout={_BUSY_MS}")  # first: switching to WAL may wait too
    _to_wal(cur)
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")  # safe with WAL: a crash loses no committed data
    cur.close()


def open_engine(url: str) -> Engine:
    """An Engine for the store at ``url``, checked by connecting once."""
    parsed = parse_url(url)
    path = sqlite_path(parsed)
    if path is not None:
        _prepare_sqlite_file(path)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed)
        event.listen(engine, "connect", _on_sqlite_connect)
    else:
        engine = create_engine(parsed, pool_pre_ping=True, connect_args={"connect_timeout": 10})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except NoSuchModuleError as exc:  # pragma: no cover - driver missing from the install
        raise StoreError(
            f"the database driver for {describe_url(parsed)} is not installed: {exc}"
        ) from None
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise StoreError(f"cannot open the store {describe_url(parsed)}: {reason}") from None
    return engine


@contextmanager
def write_lock(engine: Engine) -> Iterator[Connection]:
    """A transaction that holds the store's first-use lock from its first statement.

    SQLite: BEGIN IMMEDIATE takes the write lock at once (DDL is transactional in
    SQLite, so a schema built inside commits whole). PostgreSQL: a transaction-scoped
    advisory lock, released by the commit or rollback. Work done inside must re-check
    what it found before the lock: another process may have done it meanwhile.
    """
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        try:
            if sqlite:
                # pysqlite would only BEGIN before DML; issuing it ourselves makes the
                # whole block, DDL included, one transaction holding the write lock.
                conn.exec_driver_sql(f"PRAGMA busy_timeout={_LOCK_WAIT_MS}")
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _PG_LOCK_ID})
            yield conn
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            if sqlite:  # the connection goes back to the pool with the usual timeout
                conn.exec_driver_sql(f"PRAGMA busy_timeout={_BUSY_MS}")
                conn.rollback()
