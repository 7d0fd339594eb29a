"""One engine factory for both kinds of store: a SQLite file (one user) or PostgreSQL (a team).

SQLite runs in WAL mode with foreign keys on, so a killed import leaves the file as it
was and readers are not blocked by a writer. Problems a user can fix (a malformed URL,
an unreachable server, a folder that cannot be written) become one-line StoreErrors.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from rehabdash.errors import StoreError
from rehabdash.paths import check_url, hide_password

__all__ = ["describe_url", "open_engine", "sqlite_path"]


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


def _parse(url: str) -> URL:
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
        folder.mkdir(parents=True, exist_ok=True)
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


def _on_sqlite_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")  # safe with WAL: a crash loses no committed data
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def open_engine(url: str) -> Engine:
    """An Engine for the store at ``url``, checked by connecting once."""
    parsed = _parse(url)
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
