"""Bulk loading of polars frames into the store through each driver's fast path.

SQLAlchemy's executemany costs 25-60 s per million rows; this goes straight to the
driver inside the caller's transaction: sqlite3 ``executemany`` on the same connection
(one transaction), and one PostgreSQL ``COPY ... FROM STDIN`` through psycopg, with the
next chunk formatted as CSV in a worker thread while the current one is sent. The caller
owns the transaction, so a failure or a cancel rolls back every chunk.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import polars as pl
from sqlalchemy import Table
from sqlalchemy.engine import Connection

__all__ = ["Cancelled", "Progress", "bulk_insert", "driver_errors"]

Progress = Callable[[float, str], None]
CHUNK_ROWS = 100_000

# Called with a chunk's index once that chunk is written.
_Wrote = Callable[[int], None]


class Cancelled(Exception):
    """Raised when the user cancels a long write; the caller rolls back."""


def driver_errors() -> tuple[type[Exception], ...]:
    """The drivers' own error classes: bulk_insert raises them unwrapped by SQLAlchemy."""
    import sqlite3

    import psycopg

    return (sqlite3.Error, psycopg.Error)


def _sqlite_ready(df: pl.DataFrame) -> pl.DataFrame:
    # SQLAlchemy stores SQLite dates as ISO text; write them the same way.
    return df.with_columns(
        pl.col(name).dt.strftime("%Y-%m-%d")
        for name, dtype in df.schema.items()
        if dtype == pl.Date
    )


def _insert_sqlite(
    conn: Connection, table: Table, chunks: Sequence[pl.DataFrame], wrote: _Wrote
) -> None:
    cols = ", ".join(f'"{c}"' for c in chunks[0].columns)
    marks = ", ".join("?" for _ in chunks[0].columns)
    raw = conn.connection.driver_connection
    assert raw is not None
    for index, chunk in enumerate(chunks):
        raw.executemany(
            f'INSERT INTO "{table.name}" ({cols}) VALUES ({marks})',
            _sqlite_ready(chunk).iter_rows(),
        )
        wrote(index)


def _csv(chunk: pl.DataFrame) -> bytes:
    # Every text value quoted, so a literal "\N" in the data stays text and only the
    # unquoted marker is NULL. polars formats without holding the GIL.
    buf = io.BytesIO()
    chunk.write_csv(
        buf,
        include_header=False,
        null_value="\\N",
        date_format="%Y-%m-%d",
        quote_style="non_numeric",
    )
    return buf.getvalue()


def _copy_postgres(
    conn: Connection, table: Table, chunks: Sequence[pl.DataFrame], wrote: _Wrote
) -> None:
    from psycopg import sql

    raw = conn.connection.driver_connection
    assert raw is not None
    statement = sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT csv, NULL '\\N')").format(
        sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, chunks[0].columns))
    )
    # One worker formats chunk i+1 while chunk i is sent. On an error or a cancel the
    # COPY is aborted first, then leaving the pool waits for the worker, so no thread
    # outlives the call.
    with (
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="bulk-csv") as pool,
        raw.cursor() as cur,
        cur.copy(statement) as copy,
    ):
        ahead = pool.submit(_csv, chunks[0])
        for index in range(len(chunks)):
            payload = ahead.result()
            if index + 1 < len(chunks):
                ahead = pool.submit(_csv, chunks[index + 1])
            copy.write(payload)
            wrote(index)


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
    total = df.height
    chunks = [df.slice(start, CHUNK_ROWS) for start in range(0, total, CHUNK_ROWS)]

    def check_cancel() -> None:
        if cancel is not None and cancel():
            raise Cancelled(f"cancelled while writing {table.name}")

    def wrote(index: int) -> None:
        # Report the chunk, then honour a cancel before the next one is written.
        done = min((index + 1) * CHUNK_ROWS, total)
        if progress is not None:
            progress(
                done / total if total else 1.0, f"wrote {done:,} of {total:,} rows to {table.name}"
            )
        if done < total:
            check_cancel()

    check_cancel()
    if not chunks:
        wrote(0)
    elif conn.dialect.name == "postgresql":
        _copy_postgres(conn, table, chunks, wrote)
    else:
        _insert_sqlite(conn, table, chunks, wrote)
    return total
