"""Database roles for a shared PostgreSQL store: who may read, who may import (DESIGN 12).

Two group roles, granted to the team's own login roles by the database owner:

* ``rehabdash_reader`` (leads, analysts): reads every table except ``store_secret``,
  so a reader never sees the pseudonymisation key (``store_meta``, which only names the
  key and holds a check of it, is readable by both roles);
* ``rehabdash_importer`` (data officers): reads everything including the key, adds
  rows (imports, row issues, mapping templates) and updates batch rows (supersede,
  complete). Neither role may delete, change data rows or alter the schema, so no
  import can lose what is stored; migrations stay with the owner.

A SQLite store is one person's file: the operating system's file permissions are its
roles. Identifiers are quoted by psycopg's ``sql.Identifier``, never concatenated.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.engine import Connection, Engine

from rehabdash.errors import StoreError
from rehabdash.store.keys import pseudonym_key
from rehabdash.store.schema import metadata

__all__ = ["IMPORTER", "READER", "setup_roles"]

READER = "rehabdash_reader"
IMPORTER = "rehabdash_importer"
_SECRET = "store_secret"
_INSERTED = (
    "import_batch",
    "referral",
    "population",
    "area_lookup",
    "need_weight",
    "postcode_lsoa",
    "neighbourhood",
    "service_site",
    "row_issue",
    "column_mapping",
)
_UPDATED = ("import_batch",)


def _run(conn: Connection, template: str, *names: str) -> None:
    """Execute ``template`` with each ``{}`` filled by a quoted identifier."""
    from psycopg import sql

    raw = conn.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cur:
        cur.execute(sql.SQL(template).format(*map(sql.Identifier, names)))


def _role_exists(conn: Connection, name: str) -> bool:
    raw = conn.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,))
        return cur.fetchone() is not None


def setup_roles(engine: Engine, readers: Sequence[str] = (), importers: Sequence[str] = ()) -> None:
    """Create (or refresh) the two group roles' rights on this store, and grant them
    to the given login roles. Run as the store's owner, after ``open_store``."""
    if engine.dialect.name != "postgresql":
        raise StoreError(
            "roles apply to a PostgreSQL store; a SQLite file is protected by its file permissions"
        )
    pseudonym_key(engine)  # the key exists before importers, who may only read it
    tables = [t.name for t in metadata.sorted_tables] + ["alembic_version"]
    with engine.begin() as conn:
        for member in (*readers, *importers):
            if not _role_exists(conn, member):
                raise StoreError(f"there is no database role {member!r}: create its login first")
        database = conn.exec_driver_sql("SELECT current_database()").scalar_one()
        for role in (READER, IMPORTER):
            if not _role_exists(conn, role):
                _run(conn, "CREATE ROLE {} NOLOGIN", role)
            _run(conn, "GRANT CONNECT ON DATABASE {} TO {}", database, role)
            _run(conn, "GRANT USAGE ON SCHEMA public TO {}", role)
            _run(conn, "REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {}", role)
            readable = tables if role == IMPORTER else [t for t in tables if t != _SECRET]
            _grant(conn, "SELECT", readable, role)
        _grant(conn, "INSERT", _INSERTED, IMPORTER)
        _grant(conn, "UPDATE", _UPDATED, IMPORTER)
        _run(conn, "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}", IMPORTER)
        _run(conn, "REVOKE ALL ON {} FROM PUBLIC", _SECRET)
        for group, members in ((READER, readers), (IMPORTER, importers)):
            for member in members:
                _run(conn, "GRANT {} TO {}", group, member)


def _grant(conn: Connection, privilege: str, tables: Sequence[str], role: str) -> None:
    """GRANT ``privilege`` (a fixed keyword from this module) on ``tables`` to ``role``."""
    marks = ", ".join("{}" for _ in tables)
    _run(conn, f"GRANT {privilege} ON {marks} TO {{}}", *tables, role)
