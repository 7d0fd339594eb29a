"""An activity file imported part by part (import_file) ends exactly as one imported whole.

import_file reads and maps a file, then prepares it in parts while the store writes
the parts before. These tests make the parts tiny, so a few thousand rows cross
many part boundaries, and compare every stored row, row issue and batch field with
prepare_file + import_prepared of the whole file into a second store.
"""

from __future__ import annotations

import threading
from pathlib import Path

import polars as pl
import pytest
from commit_helpers import TODAY, batches, counts, issue_rows, write_part
from sqlalchemy import select
from sqlalchemy.engine import Engine

from rehabdash.errors import StoreError
from rehabdash.ingest import (
    ImportCancelled,
    StrictModeError,
    import_file,
    import_prepared,
    prepare_file,
)
from rehabdash.ingest import commit as commit_module
from rehabdash.ingest import pipeline as pipeline_module
from rehabdash.store import open_store
from rehabdash.store.schema import import_batch, referral, row_issue


@pytest.fixture(autouse=True)
def tiny_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline_module, "FIRST_PART_ROWS", 70)
    monkeypatch.setattr(pipeline_module, "PART_ROWS", 400)


@pytest.fixture
def messy_csv(extract_csv: Path, tmp_path: Path) -> Path:
    """The demo extract with faults spread over the file, across part boundaries."""
    frame = pl.read_csv(extract_csv, infer_schema=False)
    ids = frame["Service Request Identifier"].to_list()
    providers = frame["Organisation Code (Provider)"].to_list()
    for copy, original in ((2_900, 5), (1_234, 1_233)):  # first and last part; one part
        ids[copy], providers[copy] = ids[original], providers[original]
    dates = frame["Referral Received Date"].to_list()
    dates[69], dates[70], dates[2_999] = "31/02/2024", None, "not a date"
    ethnic = frame["Ethnic Category"].to_list()
    ethnic[401] = "Martian"
    path = tmp_path / "messy.csv"
    frame.with_columns(
        pl.Series("Service Request Identifier", ids),
        pl.Series("Organisation Code (Provider)", providers),
        pl.Series("Referral Received Date", dates),
        pl.Series("Ethnic Category", ethnic),
    ).write_csv(path)
    return path


def _stored(engine: Engine, batch_id: int) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, object]]:
    with engine.connect() as conn:
        rows = conn.execute(select(referral).where(referral.c.batch_id == batch_id)).all()
        issues = conn.execute(select(row_issue).where(row_issue.c.batch_id == batch_id)).all()
        batch = conn.execute(select(import_batch).where(import_batch.c.id == batch_id)).one()
    ref = pl.DataFrame([tuple(r) for r in rows], schema=list(referral.columns.keys()), orient="row")
    iss = pl.DataFrame(
        [tuple(r) for r in issues], schema=list(row_issue.columns.keys()), orient="row"
    )
    fields = ("rows_read", "rows_accepted", "rows_rejected", "period", "provider_code", "status")
    info: dict[str, object] = {f: getattr(batch, f) for f in fields}
    info["details"] = batch.details
    return (
        ref.drop("id", "batch_id").sort("provider_code", "referral_id"),
        iss.drop("id", "batch_id").sort("source_row", "rule", "column_name"),
        info,
    )


def test_parts_store_exactly_what_the_whole_file_stores(
    engine: Engine, messy_csv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REHABDASH_PSEUDONYM_KEY", "ab" * 32)  # both stores hash alike
    whole_store = open_store(f"sqlite:///{tmp_path / 'whole.db'}")
    streamed = import_file(engine, messy_csv, "activity", today=TODAY)
    prepared = prepare_file(whole_store, messy_csv, "activity", today=TODAY)
    whole = import_prepared(whole_store, prepared)
    assert streamed.rows_read == whole.rows_read == 3_000
    assert (streamed.rows_accepted, streamed.rows_rejected) == (
        whole.rows_accepted,
        whole.rows_rejected,
    )
    assert streamed.rows_rejected >= 7  # 4 duplicates + 3 bad dates at least
    assert streamed.rule_counts.sort("rule").equals(whole.rule_counts.sort("rule"))
    rows_a, issues_a, batch_a = _stored(engine, streamed.batch_id)
    rows_b, issues_b, batch_b = _stored(whole_store, whole.batch_id)
    assert rows_a.equals(rows_b)
    assert issues_a.equals(issues_b)
    assert batch_a == batch_b
    whole_store.dispose()


def test_a_referral_repeated_in_another_part_is_rejected_in_both(
    engine: Engine, messy_csv: Path
) -> None:
    result = import_file(engine, messy_csv, "activity", today=TODAY)
    dup_rows = issue_rows(engine, result.batch_id, "duplicate_referral")
    # file rows are data index + 2 (the header is row 1)
    assert dup_rows == [7, 1_235, 1_236, 2_902]
    invalid = result.rule_counts.filter(pl.col("severity") == "warning")["rule"].to_list()
    assert invalid  # an invalid ethnicity warns, the row is kept


def test_rows_already_held_are_refused_part_by_part(
    engine: Engine, extract_csv: Path, tmp_path: Path
) -> None:
    first = import_file(
        engine, write_part(extract_csv, tmp_path / "a.csv", 0, 1_000), "activity", today=TODAY
    )
    second = import_file(
        engine, write_part(extract_csv, tmp_path / "b.csv", 500, 3_000), "activity", today=TODAY
    )
    assert (second.rows_read, second.rows_accepted, second.rows_rejected) == (2_500, 2_000, 500)
    assert any(f"batch {first.batch_id} (500 rows)" in n for n in second.notes)
    assert counts(engine)["referral"] == 3_000


def test_strict_mode_counts_every_part_and_writes_nothing(engine: Engine, messy_csv: Path) -> None:
    before = counts(engine)
    with pytest.raises(StrictModeError, match=r"strict mode: \d+ of 3,000 rows"):
        import_file(engine, messy_csv, "activity", today=TODAY, strict=True)
    assert counts(engine) == before
    assert [b[2] for b in batches(engine)] == ["rolled back"]


def test_cancel_while_a_later_part_is_prepared_rolls_back(
    engine: Engine, extract_csv: Path
) -> None:
    threads = threading.active_count()
    seen: list[str] = []

    def cancel() -> bool:
        return any(m.startswith("Writing rows 471-") for m in seen)

    with pytest.raises(ImportCancelled, match="nothing was imported"):
        import_file(
            engine,
            extract_csv,
            "activity",
            today=TODAY,
            progress=lambda _f, m: seen.append(m),
            cancel=cancel,
        )
    assert counts(engine)["referral"] == 0
    assert [b[2] for b in batches(engine)] == ["rolled back"]
    assert threading.active_count() == threads


def test_a_failing_part_rolls_back_the_parts_written(
    engine: Engine, extract_csv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads = threading.active_count()
    real = pipeline_module.ActivitySource.prepare

    def prepare(self: pipeline_module.ActivitySource, start: int = 0, *a, **k):  # type: ignore[no-untyped-def]
        if start >= 1_000:
            raise RuntimeError("disk on fire")
        return real(self, start, *a, **k)

    monkeypatch.setattr(pipeline_module.ActivitySource, "prepare", prepare)
    with pytest.raises(RuntimeError, match="disk on fire"):
        import_file(engine, extract_csv, "activity", today=TODAY)
    assert counts(engine)["referral"] == 0
    assert [b[2] for b in batches(engine)] == ["rolled back"]
    assert threading.active_count() == threads


def test_a_driver_error_is_one_clear_store_error(
    engine: Engine, extract_csv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    import psycopg

    def refuse(*_a: object, **_k: object) -> int:
        error = sqlite3.OperationalError if engine.dialect.name == "sqlite" else psycopg.DataError
        raise error("disk I/O error")

    monkeypatch.setattr(commit_module, "bulk_insert", refuse)
    with pytest.raises(StoreError, match=r"the store refused the import \(disk I/O error\)"):
        import_file(engine, extract_csv, "activity", today=TODAY)
    assert counts(engine)["referral"] == 0
    assert [b[2] for b in batches(engine)] == ["rolled back"]
