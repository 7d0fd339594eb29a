"""The per-store secret key for pseudonymising person identifiers (HMAC-SHA256).

The key never sits beside the data it protects in the same file: for SQLite it lives
in the user's config folder (file mode 0600), one per database file; for PostgreSQL in
the store_secret table, which the reader role is not granted. REHABDASH_PSEUDONYM_KEY
(hex) overrides both, for BI teams that keep the key in a vault.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from rehabdash.errors import StoreError
from rehabdash.paths import config_dir
from rehabdash.store.engine import sqlite_path
from rehabdash.store.schema import store_secret

__all__ = ["pseudonym_key"]

_KEY_NAME = "pseudonym_hmac"


def _key_file(db_file: Path) -> Path:
    tag = hashlib.sha256(str(db_file.resolve()).encode()).hexdigest()[:16]
    return config_dir() / "keys" / f"{db_file.stem}-{tag}.key"


def _file_key(path: Path) -> bytes:
    if path.exists():
        return bytes.fromhex(path.read_text().strip())
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key.hex())
    return key


def _table_key(engine: Engine) -> bytes:
    try:
        return _read_or_create_key(engine)
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise StoreError(
            f"cannot use the store's pseudonymisation key ({reason}); importing into a shared "
            "store needs the rehabdash_importer role"
        ) from None


def _read_or_create_key(engine: Engine) -> bytes:
    with engine.begin() as conn:
        found = conn.execute(
            select(store_secret.c.value).where(store_secret.c.name == _KEY_NAME)
        ).scalar()
        if found is not None:
            return bytes(found)
        key = secrets.token_bytes(32)
        conn.execute(insert(store_secret).values(name=_KEY_NAME, value=key))
        return key


def pseudonym_key(engine: Engine) -> bytes:
    """The store's HMAC key, created on first use."""
    override = os.environ.get("REHABDASH_PSEUDONYM_KEY")
    if override:
        try:
            return bytes.fromhex(override)
        except ValueError:
            raise StoreError("REHABDASH_PSEUDONYM_KEY must be hex") from None
    db_file = sqlite_path(engine.url)
    if db_file is not None:
        return _file_key(_key_file(db_file))
    return _table_key(engine)
