"""Fixtures for the import (commit) tests: a small seeded demo ICB and its extract files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from commit_helpers import DEMO_ROWS, DEMO_SEED
from sqlalchemy.engine import Engine

from rehabdash.demo import DemoData, generate
from rehabdash.demo.extract import write_extract
from rehabdash.store import open_store


@pytest.fixture(scope="session")
def demo() -> DemoData:
    return generate(rows=DEMO_ROWS, seed=DEMO_SEED)


@pytest.fixture
def extract_csv(demo: DemoData, tmp_path: Path) -> Path:
    path = tmp_path / "referrals_2023_2025.csv"
    write_extract(demo, path)
    return path


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    eng = open_store(store_url)
    yield eng
    eng.dispose()
