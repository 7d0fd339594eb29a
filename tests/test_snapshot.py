"""Start-up snapshots are shown only while the store is exactly as when they were taken."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import update

from rehabdash import snapshot
from rehabdash.demo import build_demo
from rehabdash.queries.overview import overview
from rehabdash.queries.summaries import Overview
from rehabdash.store import open_store
from rehabdash.store.schema import import_batch


def test_round_trip_while_unchanged(store_url: str) -> None:
    engine = open_store(store_url)
    build_demo(engine, rows=2_000, seed=2)
    taken = snapshot.fingerprint(store_url)
    assert taken is not None
    result = overview(engine)
    assert result is not None
    snapshot.save(store_url, "overview", result.to_json(), taken)
    loaded = snapshot.load(store_url, "overview")
    assert loaded is not None
    assert Overview.from_json(loaded) == result
    engine.dispose()


def test_a_changed_store_invalidates_the_snapshot(store_url: str) -> None:
    engine = open_store(store_url)
    build_demo(engine, rows=2_000, seed=2)
    result = overview(engine)
    assert result is not None
    snapshot.save(store_url, "overview", result.to_json(), snapshot.fingerprint(store_url))
    with engine.begin() as conn:
        conn.execute(
            update(import_batch)
            .where(import_batch.c.kind == "activity")
            .values(status="superseded")
        )
    assert snapshot.load(store_url, "overview") is None
    engine.dispose()


def test_not_saved_if_the_store_moved_while_computing(store_url: str) -> None:
    engine = open_store(store_url)
    build_demo(engine, rows=1_000, seed=2)
    before = snapshot.fingerprint(store_url)
    with engine.begin() as conn:
        conn.execute(
            update(import_batch).where(import_batch.c.kind == "lookup").values(status="superseded")
        )
    snapshot.save(store_url, "overview", {"anything": 1}, before)
    assert snapshot.load(store_url, "overview") is None
    engine.dispose()


def test_no_store_no_fingerprint(tmp_path: Path) -> None:
    assert snapshot.fingerprint(f"sqlite:///{tmp_path / 'missing.db'}") is None
    assert snapshot.fingerprint("postgresql+psycopg://nobody@127.0.0.1:1/x") is None
    assert snapshot.load(f"sqlite:///{tmp_path / 'missing.db'}", "overview") is None
