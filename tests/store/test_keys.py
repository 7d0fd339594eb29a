"""The pseudonymisation key: created once, kept apart from the data, stable across opens."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from rehabdash.paths import config_dir
from rehabdash.store import open_store
from rehabdash.store.keys import pseudonym_key


def test_sqlite_key_lives_outside_the_database_with_mode_0600(tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    key = pseudonym_key(open_store(f"sqlite:///{db}"))
    assert len(key) == 32
    files = list((config_dir() / "keys").iterdir())
    assert len(files) == 1
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert key.hex().encode() not in db.read_bytes()
    assert pseudonym_key(open_store(f"sqlite:///{db}")) == key  # stable on reopen


def test_each_store_has_its_own_key(tmp_path: Path) -> None:
    a = pseudonym_key(open_store(f"sqlite:///{tmp_path / 'a.db'}"))
    b = pseudonym_key(open_store(f"sqlite:///{tmp_path / 'b.db'}"))
    assert a != b


def test_postgres_key_is_kept_in_the_store(pg_url: str) -> None:
    engine = open_store(pg_url)
    first = pseudonym_key(engine)
    assert pseudonym_key(engine) == first
    assert not (config_dir() / "keys").exists()
    engine.dispose()


def test_environment_key_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REHABDASH_PSEUDONYM_KEY", "ab" * 32)
    assert pseudonym_key(open_store(f"sqlite:///{tmp_path / 'a.db'}")) == bytes.fromhex("ab" * 32)
