"""Bulk loading of polars frames into the store through each driver's fast path.

SQLAlchemy's executemany costs 25-60 s per million rows; this goes straight to the
driver inside the caller's transaction: sqlite3 ``executemany`` on the same connection
(one transaction), and PostgreSQL ``COPY ... FROM STDIN`` through psycopg. The caller
owns the transaction, so a failure or a cancel rolls back every chunk.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
from sqlalchemy import Table
from sqlalchemy.engine import Connection

__all__ = ["Cancelled", "Progress", "bulk_insert"]

Progress = Callable[[float, str], None]
CHUNK_ROWS = 100_000


class Cancelled(Exception):
    """Raised when the user cancels a long write; the caller rolls back."""


def _sqlite_ready(df: pl.DataFrame) -> pl.DataFrame:
    # SQLAlchemy stores SQLite dates as ISO text; write them the same way.
    return df.with_columns(
        pl.col(name).dt.strftime("%Y-%m-%d")
        for name, dtype in df.schema.items()
        if dtype == pl.Date
    )


def _insert_sqlite(conn: Connection, table: Table, chunk: pl.DataFrame) -> None:
    cols = ", ".join(f'"{c}"' for c in chunk.columns)
    marks = ", ".join("?" for _ in chunk.columns)
    raw = conn.connection.driver_connection
    assert raw is not None
    raw.executemany(
        f'INSERT INTO "{table.name}" ({cols}) VALUES ({marks})', _sqlite_ready(chunk).iter_rows()
    )


def _copy_postgres(conn: Connection, table: Table, chunk: pl.DataFrame) -> None:
    from psycopg import sql

    raw = conn.connection.driver_connection
    assert raw is not None
    statement = sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT csv, NULL '\\N')").format(
        sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, chunk.columns))
    )
    # Every text value quoted, so a literal "\N" in the data stays text and only the
    # unquoted marker is NULL.
    payload = chunk.write_csv(
        include_header=False, null_value="\\N", date_format="%Y-%m-%d", quote_style="non_numeric"
    )
    with raw.cursor() as cur, cur.copy(statement) as copy:
        copy.write(payload.encode("utf-8"))


def bulk_insert(
    conn: Connection,
    table: Table,
    df: pl.DataFrame,
    *,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
) -> int:
    """Insert every row of ``df`` (columns named as the table's) inside ``conn``'s transaction."""
    unknown = set(df.columns) - set(table.columns.keys())
    if unknown:
        raise ValueError(f"columns not in table {table.name}: {sorted(unknown)}")
    insert = _copy_postgres if conn.dialect.name == "postgresql" else _insert_sqlite
    total = df.height
    for start in range(0, max(total, 1), CHUNK_ROWS):
        if cancel is not None and cancel():
            raise Cancelled(f"cancelled while writing {table.name}")
        chunk = df.slice(start, CHUNK_ROWS)
        if chunk.height:
            insert(conn, table, chunk)
        if progress is not None:
            done = min(start + CHUNK_ROWS, total)
            progress(
                done / total if total else 1.0, f"wrote {done:,} of {total:,} rows to {table.name}"
            )
    return total
