"""The bulk path writes every value faithfully and rolls back whole on cancel."""

from __future__ import annotations

import threading
from datetime import date

import polars as pl
import pytest
from sqlalchemy import func, select

from rehabdash.store import bulk as bulk_module
from rehabdash.store import open_store
from rehabdash.store.batches import BatchInfo, record_batch
from rehabdash.store.bulk import Cancelled, bulk_insert
from rehabdash.store.schema import population, referral

AWKWARD = ["plain", "comma, inside", 'quote " inside', "new\nline", "", "tab\tand £ é ✓", "\\N"]


def _referrals(n: int, batch_id: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "batch_id": [batch_id] * n,
            "person_key": [f"{i:064x}" for i in range(n)],
            "referral_id": [f"R{i}" for i in range(n)],
            "provider_code": ["RY6"] * n,
            "referral_date": [date(2024, 4, 1 + i % 28) for i in range(n)],
            "first_contact_date": [None if i % 3 else date(2024, 6, 1) for i in range(n)],
            "service_name": [AWKWARD[i % len(AWKWARD)] for i in range(n)],
            "age": pl.Series([i % 121 for i in range(n)], dtype=pl.Int16),
            "outcome_start": [None if i % 2 else i / 7 for i in range(n)],
        }
    )


def _batch(engine: object) -> int:
    with engine.begin() as conn:  # type: ignore[attr-defined]
        return record_batch(conn, BatchInfo("activity", "test.csv", "0" * 64))


def test_round_trip_preserves_values(store_url: str) -> None:
    engine = open_store(store_url)
    frame = _referrals(500, _batch(engine))
    with engine.begin() as conn:
        assert bulk_insert(conn, referral, frame) == 500
    cols = [referral.c[c] for c in frame.columns]
    with engine.connect() as conn:
        rows = conn.execute(select(*cols).order_by(referral.c.id)).all()
    back = pl.DataFrame([tuple(r) for r in rows], schema=frame.schema, orient="row")
    assert back.equals(frame)
    engine.dispose()


def test_cancel_rolls_back_every_chunk(store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk_module, "CHUNK_ROWS", 100)
    engine = open_store(store_url)
    frame = _referrals(450, _batch(engine))
    calls: list[float] = []

    def cancel() -> bool:
        return len(calls) >= 2  # after two chunks are written

    threads = threading.active_count()
    with pytest.raises(Cancelled), engine.begin() as conn:
        bulk_insert(conn, referral, frame, progress=lambda f, _m: calls.append(f), cancel=cancel)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(referral)).scalar() == 0
    assert calls == [100 / 450, 200 / 450]
    assert threading.active_count() == threads
    engine.dispose()


def test_unknown_column_is_refused(store_url: str) -> None:
    engine = open_store(store_url)
    with pytest.raises(ValueError, match="not in table population"), engine.begin() as conn:
        bulk_insert(
            conn, population, pl.DataFrame({"area_code": ["E01000001"], "nhs_number": ["x"]})
        )
    engine.dispose()


def _count(engine: object, table: object) -> int:
    with engine.connect() as conn:  # type: ignore[attr-defined]
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_error_in_a_later_chunk_rolls_back_and_stops_the_worker(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk_module, "CHUNK_ROWS", 1_000)
    engine = open_store(store_url)
    n = 3_000
    workers: set[str] = set()

    def progress(_fraction: float, _message: str) -> None:
        workers.update(t.name for t in threading.enumerate() if t.name.startswith("bulk-csv"))

    batch_id = _batch(engine)
    frame = pl.DataFrame(
        {
            "batch_id": pl.Series([batch_id] * n, dtype=pl.Int32),
            # NOT NULL violated in the third chunk only
            "area_code": [None if i == 2_500 else f"E0100{i:04d}" for i in range(n)],
            "sex": ["F"] * n,
            "age_band": ["40-44"] * n,
            "count": [float(i) for i in range(n)],
            "year": pl.Series([2023] * n, dtype=pl.Int16),
        }
    )
    threads = threading.active_count()
    with pytest.raises(Exception, match=r"(?i)not.null"), engine.begin() as conn:
        bulk_insert(conn, population, frame, progress=progress)
    assert _count(engine, population) == 0
    assert threading.active_count() == threads
    if engine.dialect.name == "postgresql":
        assert workers  # the next chunk was being formatted while one was sent
    engine.dispose()
