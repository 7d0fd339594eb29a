"""Opening stores: both backends work; every bad URL or place gives one plain StoreError."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import insert, text
from sqlalchemy.exc import IntegrityError

from rehabdash.store import StoreError, open_store
from rehabdash.store.engine import describe_url
from rehabdash.store.schema import population


def test_open_store_creates_schema_on_each_backend(store_url: str) -> None:
    engine = open_store(store_url)
    with engine.connect() as conn:
        tables = set(conn.dialect.get_table_names(conn))
    assert {
        "import_batch",
        "referral",
        "population",
        "area_lookup",
        "need_weight",
        "column_mapping",
        "row_issue",
        "store_secret",
        "alembic_version",
    } <= tables
    engine.dispose()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 'a.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_foreign_keys_are_enforced(store_url: str) -> None:
    # referral has no batch foreign key (bulk-load speed; see store/schema.py); the
    # small tables keep theirs.
    engine = open_store(store_url)
    row = {"batch_id": 999, "area_code": "E01000001", "sex": "1", "age_band": "0-4"}
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert(population).values(**row, count=1.0, year=2024))
    engine.dispose()


def test_sqlite_store_folder_is_created(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "er" / "store.db"
    open_store(f"sqlite:///{target}")
    assert target.exists()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("not a url", "is not a database URL"),
        ("mysql://u@localhost/db", "unsupported database 'mysql'"),
        ("postgresql+asyncpg://u@localhost/db", "unsupported database"),
    ],
)
def test_malformed_urls_are_one_line_errors(url: str, expected: str) -> None:
    with pytest.raises(StoreError, match=expected) as info:
        open_store(url)
    assert "\n" not in str(info.value)


def test_unwritable_folder(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):  # root ignores permissions: use a path under a file
            target = tmp_path / "afile"
            target.write_text("x")
            url = f"sqlite:///{target / 'store.db'}"
        else:
            url = f"sqlite:///{locked / 'store.db'}"
        with pytest.raises(StoreError, match="cannot") as info:
            open_store(url)
        assert "\n" not in str(info.value)
    finally:
        locked.chmod(0o700)


def test_file_that_is_not_sqlite(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.db"
    bogus.write_text("these are my notes, not a database")
    with pytest.raises(StoreError, match="not a SQLite database"):
        open_store(f"sqlite:///{bogus}")
    assert bogus.read_text() == "these are my notes, not a database"


def test_unreachable_server_is_one_line() -> None:
    with pytest.raises(StoreError, match="cannot open the store") as info:
        open_store("postgresql+psycopg://nobody:secret@127.0.0.1:1/rehab")
    message = str(info.value)
    assert "\n" not in message
    assert "secret" not in message  # passwords never shown


def test_describe_url_hides_password() -> None:
    assert "hunter2" not in describe_url("postgresql+psycopg://me:hunter2@db.example/rehab")
