"""Rows already held, found by the store when a provider's history is too big to load.

With LOAD_LIMIT at 0 every activity import takes the temporary-table join; the
outcome must be the same as loading the keys: repeats refused as already_imported
with their source rows, a replaced batch's rows accepted.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from commit_helpers import TODAY, batches, counts, issue_rows, write_part
from sqlalchemy.engine import Engine

from rehabdash.ingest import import_file
from rehabdash.ingest import overlaps as overlaps_module
from rehabdash.ingest import pipeline as pipeline_module


@pytest.fixture
def joins(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Force the join and count how many parts used it."""
    monkeypatch.setattr(overlaps_module, "LOAD_LIMIT", 0)
    monkeypatch.setattr(pipeline_module, "FIRST_PART_ROWS", 300)
    monkeypatch.setattr(pipeline_module, "PART_ROWS", 900)
    calls: list[int] = []
    real = overlaps_module.HeldKeys._joined

    def spy(self: overlaps_module.HeldKeys, conn, file_keys):  # type: ignore[no-untyped-def]
        calls.append(file_keys.height)
        return real(self, conn, file_keys)

    monkeypatch.setattr(overlaps_module.HeldKeys, "_joined", spy)
    return calls


def test_repeats_are_found_by_the_join(
    engine: Engine, extract_csv: Path, tmp_path: Path, joins: list[int]
) -> None:
    first = import_file(
        engine, write_part(extract_csv, tmp_path / "a.csv", 0, 1_000), "activity", today=TODAY
    )
    assert joins == []  # an empty store has nothing to join against
    second = import_file(
        engine, write_part(extract_csv, tmp_path / "b.csv", 500, 3_000), "activity", today=TODAY
    )
    assert joins == [300, 900, 900, 400]  # every part of b, from the first on
    assert (second.rows_read, second.rows_accepted, second.rows_rejected) == (2_500, 2_000, 500)
    assert any(f"batch {first.batch_id} (500 rows)" in n for n in second.notes)
    repeated = issue_rows(engine, second.batch_id, "already_imported")
    assert repeated == list(range(2, 502))  # b's first 500 data rows (file rows 2-501)
    assert counts(engine)["referral"] == 3_000


def test_replace_with_the_join(
    engine: Engine, extract_csv: Path, tmp_path: Path, joins: list[int]
) -> None:
    first = import_file(
        engine, write_part(extract_csv, tmp_path / "a.csv", 0, 1_000), "activity", today=TODAY
    )
    second = import_file(
        engine,
        write_part(extract_csv, tmp_path / "b.csv", 500, 3_000),
        "activity",
        today=TODAY,
        replace=[first.batch_id],
        allow_loss=True,
    )
    assert joins == []  # the only live batch is the one replaced: nothing to join
    assert (second.rows_accepted, second.rows_rejected) == (2_500, 0)
    assert second.left_out == {first.batch_id: 500}  # rows 0-499 are not in b.csv
    assert [b[2] for b in batches(engine)] == ["superseded", "committed"]
