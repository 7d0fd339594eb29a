"""Bring a store's schema to the current version with Alembic.

Alembic is imported only when a store actually needs upgrading: a store already at
HEAD_REVISION is recognised with one SELECT, which keeps the app's start-up fast.
"""

from __future__ import annotations

from importlib.resources import files

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from rehabdash.errors import StoreError

__all__ = ["HEAD_REVISION", "current_revision", "upgrade"]

# The newest revision in migrations/versions; tests/store check it matches Alembic's head.
HEAD_REVISION = "0002_referral_without_batch_fk"


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _alembic_config(engine: Engine) -> object:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(files("rehabdash.store") / "migrations"))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply every migration up to ``revision`` (a no-op when already there)."""
    if revision == "head" and current_revision(engine) == HEAD_REVISION:
        return
    from alembic import command

    try:
        command.upgrade(_alembic_config(engine), revision)  # type: ignore[arg-type]
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise StoreError(f"cannot create or upgrade the store's tables: {reason}") from None
