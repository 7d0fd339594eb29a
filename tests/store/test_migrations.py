"""Alembic migrations build exactly the schema the code declares, on both backends."""

from __future__ import annotations

from datetime import date
from importlib.resources import files

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import insert, inspect, select
from sqlalchemy.engine import Engine

from rehabdash.store import open_store
from rehabdash.store.batches import BatchInfo, record_batch
from rehabdash.store.engine import open_engine
from rehabdash.store.migrate import HEAD_REVISION, current_revision, upgrade
from rehabdash.store.schema import metadata, referral

REFERRAL_FK = "fk_referral_batch_id_import_batch"


def _config(engine: Engine | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(files("rehabdash.store") / "migrations"))
    cfg.attributes["engine"] = engine
    return cfg


def _fk_names(engine: Engine, table: str) -> list[str | None]:
    return [fk["name"] for fk in inspect(engine).get_foreign_keys(table)]


def _index_names(engine: Engine, table: str) -> set[str | None]:
    return {ix["name"] for ix in inspect(engine).get_indexes(table)}


def _insert_referrals(engine: Engine, sha: str, **extra: object) -> int:
    """Three referral rows in a new batch (columns the current metadata has); the batch id."""
    with engine.begin() as conn:
        batch_id = record_batch(conn, BatchInfo("activity", "old.csv", sha * 64))
        conn.execute(
            insert(referral),
            [
                {
                    "batch_id": batch_id,
                    "person_key": f"p{i}",
                    "referral_id": f"R{i}",
                    "provider_code": "RY6",
                    "referral_date": date(2024, 4, 1 + i),
                    **extra,
                }
                for i in range(3)
            ],
        )
    return batch_id


def test_head_revision_constant_matches_the_scripts() -> None:
    assert ScriptDirectory.from_config(_config()).get_current_head() == HEAD_REVISION


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


def test_0002_drops_only_the_referral_batch_fk_and_keeps_the_rows(store_url: str) -> None:
    engine = open_engine(store_url)
    upgrade(engine, "0001_initial")
    assert _fk_names(engine, "referral") == [REFERRAL_FK]
    with engine.begin() as conn:
        batch_id = record_batch(conn, BatchInfo("activity", "old.csv", "0" * 64))
        conn.execute(
            insert(referral),
            [
                {
                    "batch_id": batch_id,
                    "person_key": f"p{i}",
                    "referral_id": f"R{i}",
                    "provider_code": "RY6",
                    "referral_date": date(2024, 4, 1 + i),
                    "service_name": None if i == 1 else f"service {i}",
                    "age": 40 + i,
                    "outcome_start": i / 3,
                }
                for i in range(3)
            ],
        )
    with engine.connect() as conn:
        before = conn.execute(select(referral).order_by(referral.c.id)).all()
    indexes = _index_names(engine, "referral")
    assert indexes == {"ix_referral_provider_code_referral_id", "ix_referral_referral_date"}

    upgrade(engine)

    assert current_revision(engine) == HEAD_REVISION
    assert _fk_names(engine, "referral") == []
    assert _fk_names(engine, "population") == ["fk_population_batch_id_import_batch"]
    assert _index_names(engine, "referral") == indexes
    with engine.begin() as conn:
        assert conn.execute(select(referral).order_by(referral.c.id)).all() == before
        # The primary key still numbers new rows after the old ones.
        new_id = conn.execute(
            insert(referral)
            .values(
                batch_id=batch_id,
                person_key="p9",
                referral_id="R9",
                provider_code="RY6",
                referral_date=date(2024, 5, 1),
            )
            .returning(referral.c.id)
        ).scalar_one()
    assert new_id > max(row.id for row in before)
    engine.dispose()


def test_0002_downgrade_restores_the_fk(store_url: str) -> None:
    engine = open_store(store_url)
    command.downgrade(_config(engine), "0001_initial")
    assert current_revision(engine) == "0001_initial"
    assert _fk_names(engine, "referral") == [REFERRAL_FK]
    assert _index_names(engine, "referral") == {
        "ix_referral_provider_code_referral_id",
        "ix_referral_referral_date",
    }
    engine.dispose()


def test_0003_adds_store_meta_and_keeps_the_rows_both_ways(store_url: str) -> None:
    engine = open_engine(store_url)
    upgrade(engine, "0002_referral_without_batch_fk")
    _insert_referrals(engine, "1")
    with engine.connect() as conn:
        before = conn.execute(select(referral).order_by(referral.c.id)).all()
    assert not inspect(engine).has_table("store_meta")

    upgrade(engine)
    assert current_revision(engine) == HEAD_REVISION
    assert inspect(engine).has_table("store_meta")
    with engine.connect() as conn:
        assert conn.execute(select(referral).order_by(referral.c.id)).all() == before

    command.downgrade(_config(engine), "0002_referral_without_batch_fk")
    assert current_revision(engine) == "0002_referral_without_batch_fk"
    assert not inspect(engine).has_table("store_meta")
    with engine.connect() as conn:
        assert conn.execute(select(referral).order_by(referral.c.id)).all() == before
    engine.dispose()


def test_0004_widens_the_free_text_columns_and_keeps_rows_and_indexes(store_url: str) -> None:
    engine = open_engine(store_url)
    upgrade(engine, "0003_store_meta")
    batch_id = _insert_referrals(engine, "2", source_of_referral="GP referral")
    with engine.connect() as conn:
        before = conn.execute(select(referral).order_by(referral.c.id)).all()
    indexes = sorted(ix["name"] for ix in inspect(engine).get_indexes("referral"))

    upgrade(engine)
    assert current_revision(engine) == HEAD_REVISION
    with engine.connect() as conn:
        assert conn.execute(select(referral).order_by(referral.c.id)).all() == before
    assert sorted(ix["name"] for ix in inspect(engine).get_indexes("referral")) == indexes
    label = "Self-referral by patient or carer (online form)"
    with engine.begin() as conn:  # PostgreSQL refused this before 0004
        conn.execute(
            insert(referral).values(
                batch_id=batch_id,
                person_key="p9",
                referral_id="R9",
                provider_code="RY6",
                referral_date=date(2024, 5, 1),
                source_of_referral=label,
                outcome_tool="Musculoskeletal Health Questionnaire",
            )
        )
        stored = conn.execute(
            select(referral.c.source_of_referral).where(referral.c.referral_id == "R9")
        ).scalar_one()
    assert stored == label
    engine.dispose()


def test_0004_downgrade_cuts_long_labels_to_the_old_width(store_url: str) -> None:
    engine = open_engine(store_url)
    upgrade(engine)
    label = "Self-referral by patient or carer"
    with engine.begin() as conn:
        batch_id = record_batch(conn, BatchInfo("activity", "new.csv", "3" * 64))
        conn.execute(
            insert(referral).values(
                batch_id=batch_id,
                person_key="p1",
                referral_id="R1",
                provider_code="RY6",
                referral_date=date(2024, 5, 1),
                source_of_referral=label,
            )
        )
    command.downgrade(_config(engine), "0003_store_meta")
    assert current_revision(engine) == "0003_store_meta"
    with engine.connect() as conn:
        kept = conn.execute(select(referral.c.source_of_referral)).scalar_one()
    # PostgreSQL enforces the old width; SQLite never did, so it keeps the label.
    assert kept == (label[:16] if engine.dialect.name == "postgresql" else label)
    engine.dispose()
