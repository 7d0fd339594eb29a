"""The per-store secret key for pseudonymising person identifiers (HMAC-SHA256).

The key must follow the store (DESIGN 12): a copied or moved store has to link the same
people to the same pseudonyms, or returning people are counted twice. So the store
itself records which key it uses: ``store_meta`` holds a random ``key_id`` and a
``key_check`` (a short HMAC of a fixed text under the key), never the key.

* SQLite: the key lives outside the database file, in <config>/keys/<key_id>.key (mode
  0600), found by the id the file carries wherever it is copied.
* PostgreSQL: in the store_secret table (not granted to the reader role), so it travels
  with pg_dump.
* REHABDASH_PSEUDONYM_KEY (hex) overrides both, for teams that keep the key in a vault;
  it is refused unless it passes the store's key_check.

A key is made only for a store that has never had one (no key_id and no pseudonymised
rows). A store whose key cannot be found refuses to import rather than make a new key.
Stores made before key ids adopt their old key file (named from the store file's path)
on first use.
First use is serialised by the store's write lock, so processes racing on a new store
end with one key.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from sqlalchemy import exists, insert, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from rehabdash.errors import StoreError
from rehabdash.paths import config_dir, make_private_dir, restrict_to_user
from rehabdash.store.engine import sqlite_path, write_lock
from rehabdash.store.schema import referral, store_meta, store_secret

__all__ = [
    "ENV_VAR",
    "install_key",
    "key_check",
    "key_path",
    "keys_dir",
    "legacy_key_path",
    "parse_key",
    "pseudonym_key",
    "store_key_id",
]

ENV_VAR = "REHABDASH_PSEUDONYM_KEY"
_KEY_NAME = "pseudonym_hmac"
_CHECK_TEXT = b"rehabdash pseudonym key check"
_TWICE = "another key would give returning people new pseudonyms and count them twice"
_NO_NEW = f"rehabdash will not make a new key, since {_TWICE}"


def key_check(key: bytes) -> str:
    """A short HMAC of a fixed text under ``key``: proves a key is the store's, reveals nothing."""
    return hmac.new(key, _CHECK_TEXT, hashlib.sha256).hexdigest()[:16]


def keys_dir() -> Path:
    return config_dir() / "keys"


def key_path(key_id: str) -> Path:
    """Where a SQLite store's key file lives, found by the id the store records."""
    return keys_dir() / f"{key_id}.key"


def legacy_key_path(db_file: Path) -> Path:
    """Where rehabdash before key ids kept a SQLite store's key (named from its path)."""
    tag = hashlib.sha256(str(db_file.resolve()).encode()).hexdigest()[:16]
    return keys_dir() / f"{db_file.stem}-{tag}.key"


def parse_key(text: str, source: str) -> bytes:
    """A key written as hex (a key file or the environment variable)."""
    try:
        key = bytes.fromhex(text.strip())
    except ValueError:
        raise StoreError(f"{source} must hold the key as hex") from None
    if not key:
        raise StoreError(f"{source} is empty")
    return key


def _environment_key() -> bytes | None:
    text = os.environ.get(ENV_VAR)
    return parse_key(text, ENV_VAR) if text else None


def _read_meta(conn: Connection) -> dict[str, str]:
    rows = conn.execute(select(store_meta.c.name, store_meta.c.value))
    return {name: value for name, value in rows}


def _has_pseudonyms(conn: Connection) -> bool:
    # Only referral rows carry pseudonyms: population or IMD tables loaded before the
    # first activity file never needed a key, so they do not mean one was lost.
    return conn.execute(select(exists(select(referral.c.id)))).scalar() is True


def _table_key(conn: Connection) -> bytes | None:
    found = conn.execute(
        select(store_secret.c.value).where(store_secret.c.name == _KEY_NAME)
    ).scalar()
    return None if found is None else bytes(found)


def _write_key_file(path: Path, key: bytes) -> Path:
    make_private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key.hex())
    restrict_to_user(path)
    return path


def _missing(engine: Engine, key_id: str) -> StoreError:
    if sqlite_path(engine.url) is not None:
        where = f"was not found in {keys_dir()}: restore the file {key_id}.key there from a backup"
    else:
        where = "is not in the store's store_secret table: restore it"
    return StoreError(
        f"this store's pseudonymisation key {key_id} {where}, run 'rehabdash key import "
        f"FILE', or set {ENV_VAR}; {_NO_NEW}"
    )


def _known_key(engine: Engine, meta: dict[str, str], env: bytes | None) -> bytes:
    key_id, check = meta["key_id"], meta.get("key_check")
    if env is not None:
        if key_check(env) != check:
            raise StoreError(
                f"{ENV_VAR} is not this store's pseudonymisation key {key_id} (its check does "
                f"not match): set the key this store was made with, or unset it; {_TWICE}"
            )
        return env
    db_file = sqlite_path(engine.url)
    if db_file is not None:
        path = key_path(key_id)
        key = parse_key(path.read_text(), str(path)) if path.exists() else None
        source = f"the key file {path}"
    else:
        with engine.connect() as conn:
            key = _table_key(conn)
        source = "the key in store_secret"
    if key is None:
        raise _missing(engine, key_id)
    if key_check(key) != check:
        raise StoreError(
            f"{source} does not match this store's pseudonymisation key {key_id}: restore "
            f"the right key ('rehabdash key import FILE') or set {ENV_VAR}; {_TWICE}"
        )
    return key


def _record(conn: Connection, key_id: str, key: bytes) -> None:
    conn.execute(
        insert(store_meta),
        [{"name": "key_id", "value": key_id}, {"name": "key_check", "value": key_check(key)}],
    )


def _first_key(engine: Engine, conn: Connection, env: bytes | None, made: list[Path]) -> bytes:
    """Under the write lock, for a store with no key_id: adopt its old key or make one."""
    db_file = sqlite_path(engine.url)
    legacy = legacy_key_path(db_file) if db_file is not None else None
    in_table = _table_key(conn) if db_file is None else None
    key_id = secrets.token_hex(8)
    if env is not None:
        key = env  # the vault keeps it: no copy on disk
    elif legacy is not None and legacy.exists():
        key = parse_key(legacy.read_text(), str(legacy))
        made.append(_write_key_file(key_path(key_id), key))  # the old file stays, unused
    elif in_table is not None:
        key = in_table
    elif _has_pseudonyms(conn):
        where = f" (an earlier rehabdash kept it in {legacy})" if legacy is not None else ""
        raise StoreError(
            f"this store holds referrals but its pseudonymisation key was not found{where}: "
            f"restore the key file, run 'rehabdash key import FILE', or set {ENV_VAR}; "
            f"{_NO_NEW}"
        )
    else:
        key = secrets.token_bytes(32)
        if db_file is not None:
            made.append(_write_key_file(key_path(key_id), key))
        else:
            conn.execute(insert(store_secret).values(name=_KEY_NAME, value=key))
    _record(conn, key_id, key)
    return key


def _resolve(engine: Engine, env: bytes | None) -> bytes:
    with engine.connect() as conn:
        meta = _read_meta(conn)
    if "key_id" in meta:
        return _known_key(engine, meta, env)
    made: list[Path] = []
    try:
        with write_lock(engine) as conn:
            meta = _read_meta(conn)  # another process may have made it while we waited
            if "key_id" not in meta:
                return _first_key(engine, conn, env, made)
    except BaseException:
        for path in made:  # the store does not name it: it would never be found
            path.unlink(missing_ok=True)
        raise
    return _known_key(engine, meta, env)


def _db_error(engine: Engine, exc: DBAPIError) -> StoreError:
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
    if engine.dialect.name == "postgresql":
        return StoreError(
            f"cannot use the store's pseudonymisation key ({reason}); importing into a shared "
            "store needs the rehabdash_importer role"
        )
    return StoreError(f"cannot use the store's pseudonymisation key: {reason}")


def pseudonym_key(engine: Engine) -> bytes:
    """The store's HMAC key: found by the store's key_id, created only for a new store."""
    env = _environment_key()
    try:
        return _resolve(engine, env)
    except DBAPIError as exc:
        raise _db_error(engine, exc) from None


def store_key_id(engine: Engine) -> str | None:
    """The id of the key this store uses, or None for a store that has none yet."""
    with engine.connect() as conn:
        return _read_meta(conn).get("key_id")


def install_key(engine: Engine, key: bytes) -> str:
    """Make ``key`` this store's key where it is looked for; returns the key id.

    A store that already names a key accepts only that key (checked by key_check); a
    store with none adopts it. SQLite: writes <config>/keys/<key_id>.key; PostgreSQL:
    store_secret (run as the owner).
    """
    db_file = sqlite_path(engine.url)
    made: list[Path] = []
    try:
        with write_lock(engine) as conn:
            meta = _read_meta(conn)
            key_id = meta.get("key_id")
            if key_id is not None and key_check(key) != meta.get("key_check"):
                raise StoreError(
                    f"that key is not this store's pseudonymisation key {key_id} (its check "
                    f"does not match); {_TWICE}"
                )
            if key_id is None:
                key_id = secrets.token_hex(8)
                _record(conn, key_id, key)
            if db_file is None:
                if _table_key(conn) is None:
                    conn.execute(insert(store_secret).values(name=_KEY_NAME, value=key))
                return key_id
            path = key_path(key_id)
            if path.exists():
                if path.read_text().strip() == key.hex():
                    return key_id
                path.unlink()  # not this key, so it could never pass the store's check
            made.append(_write_key_file(path, key))
            return key_id
    except BaseException as exc:
        for path in made:
            path.unlink(missing_ok=True)
        if isinstance(exc, DBAPIError):
            raise _db_error(engine, exc) from None
        raise
