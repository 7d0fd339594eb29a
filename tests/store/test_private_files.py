"""Files and folders the app creates are readable by the user only (DESIGN 12)."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from rehabdash.logfile import install_file_logging
from rehabdash.paths import config_dir, data_dir, restrict_to_user
from rehabdash.store import open_store
from rehabdash.store.keys import keys_dir, pseudonym_key


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture(autouse=True)
def _usual_umask() -> Iterator[None]:
    """The common default: without care, files come out 0644 and folders 0755."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_default_sqlite_store_its_wal_and_folder_are_private() -> None:
    db = data_dir() / "rehabdash.db"
    engine = open_store(f"sqlite:///{db}")
    with engine.connect() as conn:  # held open, so the -wal and -shm files exist
        conn.execute(text("CREATE TABLE scratch (x)"))
        conn.execute(text("INSERT INTO scratch VALUES (1)"))
        conn.commit()
        assert _mode(db) == 0o600
        assert _mode(Path(f"{db}-wal")) == 0o600
        assert _mode(Path(f"{db}-shm")) == 0o600
    assert _mode(data_dir()) == 0o700
    engine.dispose()


def test_key_file_and_config_folders_are_private(tmp_path: Path) -> None:
    pseudonym_key(open_store(f"sqlite:///{tmp_path / 'a.db'}"))
    assert _mode(config_dir()) == 0o700
    assert _mode(keys_dir()) == 0o700
    (key,) = keys_dir().iterdir()
    assert _mode(key) == 0o600


def test_log_file_and_its_folder_are_private() -> None:
    path = install_file_logging()
    assert path is not None
    root = logging.getLogger()
    try:
        logging.getLogger("rehabdash.test").info("written")
        assert _mode(path) == 0o600
        assert _mode(path.parent) == 0o700
    finally:
        for handler in [h for h in root.handlers if isinstance(h, logging.FileHandler)]:
            if Path(handler.baseFilename) == path:
                root.removeHandler(handler)
                handler.close()


def test_log_file_left_readable_by_an_older_version_is_tightened() -> None:
    folder = data_dir() / "logs"
    folder.mkdir(parents=True)
    old = folder / "rehabdash.log"
    old.write_text("old lines\n")
    old.chmod(0o644)
    path = install_file_logging()
    root = logging.getLogger()
    try:
        assert path == old
        assert _mode(old) == 0o600
        assert old.read_text() == "old lines\n"  # appended to, never truncated
    finally:
        for handler in [h for h in root.handlers if isinstance(h, logging.FileHandler)]:
            if Path(handler.baseFilename) == old:
                root.removeHandler(handler)
                handler.close()


def test_restrict_to_user(tmp_path: Path) -> None:
    file = tmp_path / "rejects.csv"
    file.write_text("x")
    file.chmod(0o664)
    folder = tmp_path / "exports"
    folder.mkdir(mode=0o775)
    restrict_to_user(file)
    restrict_to_user(folder)
    assert _mode(file) == 0o600
    assert _mode(folder) == 0o700
    restrict_to_user(tmp_path / "missing")  # nothing there: quietly nothing to do
