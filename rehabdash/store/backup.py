"""Back up, restore and move a store together with its pseudonymisation key.

A SQLite store is useless for further imports without its key (a new key would count
returning people twice; DESIGN 12), and the key is kept outside the file, so a backup
is one zip holding both: a consistent copy of the database made with sqlite3's backup
API while the store may be in use, the key file, and a small manifest. The zip is
written 0600: it carries the key, so it must be kept as securely as the store.

A PostgreSQL store keeps its key in store_secret, so pg_dump already carries it; these
functions say so rather than copy a server's database.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sqlite3
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from sqlalchemy.engine import Engine

from rehabdash.errors import StoreError
from rehabdash.paths import make_private_dir, restrict_to_user
from rehabdash.store.engine import parse_url, sqlite_path
from rehabdash.store.keys import (
    ENV_VAR,
    install_key,
    key_check,
    key_path,
    parse_key,
    pseudonym_key,
    store_key_id,
)

__all__ = [
    "BackupResult",
    "RestoreResult",
    "backup_store",
    "export_key",
    "import_key",
    "restore_store",
]

_FORMAT = 1
_MANIFEST = "rehabdash-backup.json"
_DB_MEMBER = "store.db"
_KEY_FOLDER = "keys/"
_PG_BACKUP = (
    "a PostgreSQL store is backed up with pg_dump (and restored with pg_restore): its "
    "pseudonymisation key is in the store_secret table and travels with the dump, so "
    "keep the dump as securely as the database"
)


@dataclass(frozen=True)
class BackupResult:
    path: Path
    key_id: str
    key_included: bool  # False when the key comes only from $REHABDASH_PSEUDONYM_KEY
    size_bytes: int


@dataclass(frozen=True)
class RestoreResult:
    store: Path
    key_id: str | None
    key_installed: Path | None


def _sqlite_file(engine: Engine) -> Path:
    db_file = sqlite_path(engine.url)
    if engine.dialect.name == "postgresql":
        raise StoreError(_PG_BACKUP)
    if db_file is None:
        raise StoreError("an in-memory store cannot be backed up")
    return db_file


def _private_file(path: Path) -> IO[bytes]:
    """A new file readable by the user only, refusing to overwrite one."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise StoreError(f"{path} already exists: choose a new name") from None
    except OSError as exc:
        raise StoreError(f"cannot write {path}: {exc.strerror}") from None
    restrict_to_user(path)
    return os.fdopen(fd, "wb")


def _check_folder(path: Path) -> None:
    if not path.parent.is_dir():
        raise StoreError(f"cannot write {path}: folder {path.parent} does not exist")
    if path.exists():
        raise StoreError(f"{path} already exists: choose a new name")


def _copy_database(engine: Engine, target: Path) -> None:
    """A consistent copy of a live store (sqlite3's online backup, WAL contents included)."""
    raw = engine.raw_connection()
    try:
        source = raw.driver_connection
        assert isinstance(source, sqlite3.Connection)
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        raw.close()


def backup_store(engine: Engine, out: Path) -> BackupResult:
    """Write the SQLite store and its key file to the zip ``out`` (mode 0600)."""
    _sqlite_file(engine)
    _check_folder(out)
    key = pseudonym_key(engine)  # refuses a store whose key is lost; adopts an old one
    key_id = store_key_id(engine)
    assert key_id is not None  # pseudonym_key records one
    file = key_path(key_id)
    included = file.exists() and file.read_text().strip() == key.hex()
    manifest = {
        "format": _FORMAT,
        "made_by": "rehabdash",
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "key_id": key_id,
        "key_check": key_check(key),
        "key_included": included,
    }
    work = Path(tempfile.mkdtemp(prefix=".rehabdash-backup-", dir=out.parent))  # 0700
    try:
        copy = work / _DB_MEMBER
        _copy_database(engine, copy)
        partial = work / "backup.zip"
        with _private_file(partial) as fh, zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(_MANIFEST, json.dumps(manifest, indent=2))
            zf.write(copy, _DB_MEMBER)
            if included:
                zf.writestr(f"{_KEY_FOLDER}{key_id}.key", key.hex())
        os.replace(partial, out)  # whole or not at all
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return BackupResult(out, key_id, included, out.stat().st_size)


def _open_backup(source: Path) -> tuple[zipfile.ZipFile, dict[str, object]]:
    try:
        zf = zipfile.ZipFile(source)
    except FileNotFoundError:
        raise StoreError(f"there is no file {source}") from None
    except (zipfile.BadZipFile, OSError):
        raise StoreError(f"{source} is not a rehabdash backup") from None
    try:
        manifest = json.loads(zf.read(_MANIFEST))
    except (KeyError, ValueError):
        zf.close()
        raise StoreError(f"{source} is not a rehabdash backup (it has no manifest)") from None
    if manifest.get("format") != _FORMAT:
        zf.close()
        raise StoreError(f"{source} was made by a newer rehabdash: upgrade to restore it")
    return zf, manifest


def _backup_key(zf: zipfile.ZipFile, manifest: dict[str, object], source: Path) -> bytes | None:
    if not manifest.get("key_included"):
        return None
    member = f"{_KEY_FOLDER}{manifest['key_id']}.key"
    key = parse_key(zf.read(member).decode("ascii"), f"{source}:{member}")
    if key_check(key) != manifest.get("key_check"):
        raise StoreError(f"the key in {source} fails its check: the backup is damaged")
    return key


def _target(url: str) -> Path:
    parsed = parse_url(url)
    if parsed.get_backend_name() == "postgresql":
        raise StoreError(_PG_BACKUP)
    path = sqlite_path(parsed)
    if path is None:
        raise StoreError("restore needs a SQLite file: --db sqlite:///path/to/store.db")
    return path


def restore_store(source: Path, url: str, *, force: bool = False) -> RestoreResult:
    """Put the backup ``source`` at the SQLite ``url`` and install its key file."""
    from rehabdash.store import open_store

    target = _target(url)
    if target.exists() and target.stat().st_size > 0 and not force:
        raise StoreError(
            f"{target} already holds a store: restore to a new path, or add --force to replace it"
        )
    zf, manifest = _open_backup(source)
    with zf:
        key = _backup_key(zf, manifest, source)
        make_private_dir(target.parent)
        partial = target.with_name(f".{target.name}.restoring-{secrets.token_hex(4)}")
        try:
            with _private_file(partial) as fh, zf.open(_DB_MEMBER) as member:
                shutil.copyfileobj(member, fh)
            with partial.open("rb") as fh:
                if fh.read(16) != b"SQLite format 3\x00":
                    raise StoreError(f"{source} holds no SQLite store: the backup is damaged")
            # A stale -wal beside the new file would be replayed into it.
            for suffix in ("-wal", "-shm"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
            os.replace(partial, target)
        except KeyError:
            raise StoreError(f"{source} holds no store: the backup is damaged") from None
        finally:
            partial.unlink(missing_ok=True)
    engine = open_store(url)
    try:
        installed = None
        if key is not None:
            installed = key_path(install_key(engine, key))
        return RestoreResult(target, store_key_id(engine), installed)
    finally:
        engine.dispose()


def export_key(engine: Engine, out: Path) -> str:
    """Write the store's key (hex, as in its key file) to ``out`` with mode 0600."""
    _check_folder(out)
    key = pseudonym_key(engine)
    key_id = store_key_id(engine)
    assert key_id is not None
    with _private_file(out) as fh:
        fh.write(key.hex().encode("ascii"))
    return key_id


def import_key(engine: Engine, source: Path) -> str:
    """Install the key in ``source`` (a key file or a backup zip) for this store."""
    if zipfile.is_zipfile(source):
        zf, manifest = _open_backup(source)
        with zf:
            key = _backup_key(zf, manifest, source)
        if key is None:
            raise StoreError(f"{source} carries no key (it was made with {ENV_VAR} set)")
    else:
        try:
            text = source.read_text(encoding="ascii")
        except FileNotFoundError:
            raise StoreError(f"there is no file {source}") from None
        except (OSError, UnicodeDecodeError):
            raise StoreError(f"{source} is not a key file") from None
        key = parse_key(text, str(source))
    return install_key(engine, key)
