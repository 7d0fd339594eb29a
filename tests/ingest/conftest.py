"""Fixtures for the ingest tests: messy files are written inside each test's tmp_path."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from ingest_helpers import CsvMaker, write_csv


@pytest.fixture
def make_csv(tmp_path: Path) -> CsvMaker:
    def _make(rows: Sequence[Sequence[str]], name: str = "extract.csv", **kwargs: object) -> Path:
        return write_csv(tmp_path / name, rows, **kwargs)  # type: ignore[arg-type]

    return _make
