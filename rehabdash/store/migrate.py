"""Bring a store's schema to the current version with Alembic.

Alembic is imported only when a store actually needs upgrading: a store already at
HEAD_REVISION is recognised with one SELECT, which keeps the app's start-up fast.

Two processes may open a brand-new store at once (two first imports), so the upgrade
runs under the store's write lock (``engine.write_lock``: BEGIN IMMEDIATE on SQLite,
an advisory lock on PostgreSQL) on the very connection Alembic uses, and the revision
is read again once the lock is held: the process that waited finds the work done.
"""

from __future__ import annotations

from importlib.resources import files

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from rehabdash.errors import StoreError
from rehabdash.store.engine import write_lock

__all__ = ["HEAD_REVISION", "current_revision", "upgrade"]

# The newest revision in migrations/versions; tests/store check it matches Alembic's head.
HEAD_REVISION = "0006_areas_sites"


def _revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return _revision(conn)


def _alembic_config(conn: Connection) -> object:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(files("rehabdash.store") / "migrations"))
    cfg.attributes["connection"] = conn  # env.py runs on it, inside our locked transaction
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply every migration up to ``revision`` (a no-op when already there)."""
    if revision == "head" and current_revision(engine) == HEAD_REVISION:
        return
    from alembic import command

    try:
        with write_lock(engine) as conn:
            if revision == "head" and _revision(conn) == HEAD_REVISION:
                return  # another process upgraded it while we waited for the lock
            command.upgrade(_alembic_config(conn), revision)  # type: ignore[arg-type]
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise StoreError(f"cannot create or upgrade the store's tables: {reason}") from None
