"""The pseudonymisation key: kept apart from the data, and following the store (DESIGN 12).

A copied store must keep linking returning people to the same pseudonyms; a store whose
key is lost must refuse to import rather than quietly make a new one.
"""

from __future__ import annotations

import datetime as dt
import shutil
import stat
from pathlib import Path

import pytest
from key_helpers import PEOPLE, TODAY, pseudonyms, same_people, write_csv
from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from rehabdash.cli import main
from rehabdash.errors import StoreError
from rehabdash.ingest import import_file
from rehabdash.paths import config_dir
from rehabdash.store import open_store
from rehabdash.store.batches import BatchInfo, record_batch
from rehabdash.store.engine import open_engine
from rehabdash.store.keys import (
    ENV_VAR,
    key_check,
    key_path,
    keys_dir,
    legacy_key_path,
    pseudonym_key,
    store_key_id,
)
from rehabdash.store.migrate import upgrade
from rehabdash.store.schema import referral, store_meta, store_secret


def meta(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        rows = conn.execute(select(store_meta.c.name, store_meta.c.value))
        return {row[0]: row[1] for row in rows}


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
    monkeypatch.setenv(ENV_VAR, "ab" * 32)
    assert pseudonym_key(open_store(f"sqlite:///{tmp_path / 'a.db'}")) == bytes.fromhex("ab" * 32)


def test_store_names_its_key_and_can_check_it_on_each_backend(store_url: str) -> None:
    engine = open_store(store_url)
    key = pseudonym_key(engine)
    recorded = meta(engine)
    assert set(recorded) == {"key_id", "key_check"}
    assert recorded["key_check"] == key_check(key)
    assert key.hex() not in recorded.values()
    if engine.dialect.name == "sqlite":
        assert key_path(recorded["key_id"]).read_text() == key.hex()
    engine.dispose()


def test_copied_sqlite_store_keeps_every_returning_persons_pseudonym(tmp_path: Path) -> None:
    original = tmp_path / "here" / "store.db"
    engine = open_store(f"sqlite:///{original}")
    import_file(engine, write_csv(tmp_path / "march.csv", 1, 1), "activity", today=TODAY)
    engine.dispose()
    copy = tmp_path / "elsewhere" / "moved.db"
    copy.parent.mkdir()
    shutil.copy2(original, copy)

    moved = open_store(f"sqlite:///{copy}")
    result = import_file(moved, write_csv(tmp_path / "april.csv", 11, 20), "activity", today=TODAY)

    assert result.rows_accepted == len(PEOPLE)
    assert same_people(pseudonyms(moved), 1, 11) == [True] * len(PEOPLE)
    assert len(list(keys_dir().iterdir())) == 1  # no second key was made for the copy
    moved.dispose()


def test_store_whose_key_file_was_deleted_refuses_to_import_and_makes_no_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = open_store(url)
    import_file(engine, write_csv(tmp_path / "march.csv", 1, 1), "activity", today=TODAY)
    key_id = store_key_id(engine)
    assert key_id is not None
    key_path(key_id).unlink()

    with pytest.raises(StoreError) as refused:
        import_file(engine, write_csv(tmp_path / "april.csv", 11, 20), "activity", today=TODAY)
    message = str(refused.value)
    assert "\n" not in message
    for part in (key_id, str(keys_dir()), "rehabdash key import", ENV_VAR, "twice"):
        assert part in message
    assert list(keys_dir().iterdir()) == []
    assert len(pseudonyms(engine)) == len(PEOPLE)  # nothing more was imported
    engine.dispose()

    code = main(["import", "activity", str(tmp_path / "april.csv"), "--db", url])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert key_id in err
    assert list(keys_dir().iterdir()) == []


def test_wrong_environment_key_is_refused_on_each_backend(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = open_store(store_url)
    key = pseudonym_key(engine)
    monkeypatch.setenv(ENV_VAR, "cd" * 32)
    with pytest.raises(StoreError, match=f"{ENV_VAR} is not this store's pseudonymisation key"):
        pseudonym_key(engine)
    monkeypatch.setenv(ENV_VAR, key.hex())  # the right key, given from a vault, is accepted
    assert pseudonym_key(engine) == key
    engine.dispose()


def test_store_made_with_an_environment_key_keeps_no_copy_and_checks_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 'vault.db'}")
    monkeypatch.setenv(ENV_VAR, "ab" * 32)
    pseudonym_key(engine)
    assert meta(engine)["key_check"] == key_check(bytes.fromhex("ab" * 32))
    assert not keys_dir().exists()
    monkeypatch.delenv(ENV_VAR)
    with pytest.raises(StoreError, match="was not found"):
        pseudonym_key(engine)
    assert not keys_dir().exists()  # still no new key
    engine.dispose()


def _legacy_store(db: Path, with_data: bool) -> None:
    """A store as rehabdash made it before key ids (revision 0002, no store_meta)."""
    engine = open_engine(f"sqlite:///{db}")
    upgrade(engine, "0002_referral_without_batch_fk")
    if with_data:
        with engine.begin() as conn:
            batch_id = record_batch(conn, BatchInfo("activity", "old.csv", "0" * 64))
            conn.execute(
                insert(referral).values(
                    batch_id=batch_id,
                    person_key="f" * 64,
                    referral_id="R1",
                    provider_code="RY1",
                    referral_date=dt.date(2024, 3, 1),
                )
            )
    engine.dispose()


def test_legacy_store_adopts_its_path_named_key_file(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    _legacy_store(db, with_data=True)
    legacy = legacy_key_path(db)
    legacy.parent.mkdir(parents=True)
    old_key = bytes(range(32))
    legacy.write_text(old_key.hex())

    engine = open_store(f"sqlite:///{db}")
    assert pseudonym_key(engine) == old_key
    key_id = store_key_id(engine)
    assert key_id is not None
    adopted = key_path(key_id)
    assert adopted.read_text() == old_key.hex()
    assert stat.S_IMODE(adopted.stat().st_mode) == 0o600
    assert legacy.exists()  # kept, in case an older rehabdash opens the store
    engine.dispose()

    # From now on the store finds its key by id, even once moved.
    moved = tmp_path / "moved" / "old.db"
    moved.parent.mkdir()
    shutil.copy2(db, moved)
    assert pseudonym_key(open_store(f"sqlite:///{moved}")) == old_key


def test_legacy_store_with_data_and_no_key_file_refuses(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    _legacy_store(db, with_data=True)
    engine = open_store(f"sqlite:///{db}")
    with pytest.raises(StoreError, match="holds referrals but its pseudonymisation key was not"):
        pseudonym_key(engine)
    assert store_key_id(engine) is None
    assert not keys_dir().exists() or list(keys_dir().iterdir()) == []
    engine.dispose()


def test_store_with_only_reference_tables_gets_its_first_key(store_url: str) -> None:
    # Population or IMD tables need no key, so loading them first does not mean one was lost.
    engine = open_store(store_url)
    with engine.begin() as conn:
        record_batch(conn, BatchInfo("imd", "imd.csv", "2" * 64))
    key = pseudonym_key(engine)
    assert meta(engine)["key_check"] == key_check(key)
    engine.dispose()


def test_postgres_store_without_its_key_refuses(pg_url: str) -> None:
    engine = open_store(pg_url)
    pseudonym_key(engine)
    with engine.begin() as conn:
        conn.execute(store_secret.delete())
    with pytest.raises(StoreError, match="is not in the store's store_secret table"):
        pseudonym_key(engine)
    with engine.connect() as conn:
        assert conn.execute(select(store_secret)).all() == []
    engine.dispose()


def test_postgres_store_from_before_key_ids_keeps_its_key(pg_url: str) -> None:
    engine = open_engine(pg_url)
    upgrade(engine, "0002_referral_without_batch_fk")
    old_key = bytes(range(32))
    with engine.begin() as conn:
        conn.execute(insert(store_secret).values(name="pseudonym_hmac", value=old_key))
    upgrade(engine)
    assert meta(engine)["key_check"] == key_check(old_key)
    assert pseudonym_key(engine) == old_key
    engine.dispose()
