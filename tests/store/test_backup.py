"""Backup, restore and key export/import carry a store together with its key (DESIGN 12)."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest
from key_helpers import PEOPLE, TODAY, pseudonyms, same_people, write_csv

from rehabdash.cli import main
from rehabdash.ingest import import_file
from rehabdash.store import open_store
from rehabdash.store.keys import key_path, keys_dir, pseudonym_key, store_key_id


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_backup_then_restore_on_a_fresh_home_keeps_pseudonyms(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'laptop' / 'store.db'}"
    engine = open_store(url)
    import_file(engine, write_csv(tmp_path / "march.csv", 1, 1), "activity", today=TODAY)
    key_id = store_key_id(engine)
    # The engine stays open: the rows may still be in the -wal file, and the backup
    # must hold them all the same.
    backup = tmp_path / "store-backup.zip"
    assert main(["backup", "--db", url, "--out", str(backup)]) == 0
    said = capsys.readouterr().out
    assert "carries the pseudonymisation key" in said
    assert "as securely as the store" in said
    assert _mode(backup) == 0o600
    assert f"keys/{key_id}.key" in zipfile.ZipFile(backup).namelist()
    engine.dispose()

    monkeypatch.setenv("REHABDASH_HOME", str(tmp_path / "new_machine"))  # no key there
    restored_url = f"sqlite:///{tmp_path / 'new_machine' / 'data' / 'store.db'}"
    assert main(["restore", str(backup), "--db", restored_url]) == 0
    assert key_id is not None
    assert _mode(key_path(key_id)) == 0o600
    assert _mode(tmp_path / "new_machine" / "data" / "store.db") == 0o600

    restored = open_store(restored_url)
    result = import_file(
        restored, write_csv(tmp_path / "april.csv", 11, 20), "activity", today=TODAY
    )
    assert result.rows_accepted == len(PEOPLE)
    assert same_people(pseudonyms(restored), 1, 11) == [True] * len(PEOPLE)
    assert [p.name for p in keys_dir().iterdir()] == [f"{key_id}.key"]
    restored.dispose()


def test_restore_refuses_to_replace_a_store_unless_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = f"sqlite:///{tmp_path / 'a.db'}"
    engine = open_store(source)
    import_file(engine, write_csv(tmp_path / "march.csv", 1, 1), "activity", today=TODAY)
    engine.dispose()
    backup = tmp_path / "a.zip"
    assert main(["backup", "--db", source, "--out", str(backup)]) == 0

    other = tmp_path / "b.db"
    held = open_store(f"sqlite:///{other}")
    pseudonym_key(held)  # a store of its own, with its own key
    held.dispose()  # closed now: its WAL checkpoint cannot change the file later, at GC
    before = other.read_bytes()
    capsys.readouterr()
    assert main(["restore", str(backup), "--db", f"sqlite:///{other}"]) == 2
    err = capsys.readouterr().err
    assert "--force" in err
    assert err.count("\n") == 1
    assert other.read_bytes() == before

    assert main(["restore", str(backup), "--db", f"sqlite:///{other}", "--force"]) == 0
    assert len(pseudonyms(open_store(f"sqlite:///{other}"))) == len(PEOPLE)


def test_backup_refuses_to_overwrite_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "exists.zip"
    out.write_text("keep me")
    assert main(["backup", "--db", f"sqlite:///{tmp_path / 'a.db'}", "--out", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert out.read_text() == "keep me"


def test_backup_of_postgres_says_to_use_pg_dump(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "pg.zip"
    assert main(["backup", "--db", pg_url, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "pg_dump" in err
    assert "store_secret" in err
    assert err.count("\n") == 1
    assert not out.exists()


def test_key_export_and_import_move_just_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = open_store(url)
    key = pseudonym_key(engine)
    key_id = store_key_id(engine)
    assert key_id is not None
    exported = tmp_path / "store.key"
    assert main(["--db", url, "key", "export", "--out", str(exported)]) == 0  # --db first too
    assert "as securely as the store" in capsys.readouterr().out
    assert _mode(exported) == 0o600
    assert exported.read_text() == key.hex()

    key_path(key_id).unlink()  # lost with an old laptop
    assert main(["key", "import", str(exported), "--db", url]) == 0
    assert pseudonym_key(engine) == key
    assert _mode(key_path(key_id)) == 0o600

    wrong = tmp_path / "wrong.key"
    wrong.write_text("ef" * 32)
    capsys.readouterr()
    assert main(["key", "import", str(wrong), "--db", url]) == 2
    assert "not this store's pseudonymisation key" in capsys.readouterr().err
    assert key_path(key_id).read_text() == key.hex()
    engine.dispose()


def test_key_import_takes_the_key_from_a_backup(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = open_store(url)
    key = pseudonym_key(engine)
    backup = tmp_path / "b.zip"
    assert main(["backup", "--db", url, "--out", str(backup)]) == 0
    key_id = store_key_id(engine)
    assert key_id is not None
    key_path(key_id).unlink()
    assert main(["key", "import", str(backup), "--db", url]) == 0
    assert pseudonym_key(engine) == key
    engine.dispose()
