"""Alembic migrations build exactly the schema the code declares, on both backends."""

from __future__ import annotations

from importlib.resources import files

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from rehabdash.store import open_store
from rehabdash.store.migrate import HEAD_REVISION, current_revision, upgrade
from rehabdash.store.schema import metadata


def test_head_revision_constant_matches_the_scripts() -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(files("rehabdash.store") / "migrations"))
    assert ScriptDirectory.from_config(cfg).get_current_head() == HEAD_REVISION


def test_migrated_schema_matches_metadata(store_url: str) -> None:
    engine = open_store(store_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []
    assert current_revision(engine) == HEAD_REVISION
    engine.dispose()


def test_upgrade_twice_is_harmless(store_url: str) -> None:
    engine = open_store(store_url)
    upgrade(engine)
    upgrade(engine, "head")
    assert current_revision(engine) == HEAD_REVISION
    engine.dispose()
