"""Referrals read from SQLite through the ADBC driver's Arrow path, in a child process.

The ADBC driver carries its own copy of SQLite. Two SQLite libraries in one process do
not see each other's file locks (POSIX locks are per process), so when either opens the
store while the other has it open in WAL mode, it believes it is alone and truncates the
shared-memory index under the other's mapping: the process dies of SIGBUS (found by
trying the plan on a store the window had just used). In a process of its own the driver
locks like any other reader, and the rows come back as one Arrow IPC file, read at once.
That costs about 0.8 s a million referrals (the file written and read, a Python started)
beside the driver's 1.8 s: the price of a pull that cannot kill the window.

Run as ``python -m rehabdash.queries.arrow_pull DB OUT`` with the SQL on standard input.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import polars as pl

__all__ = ["read_sqlite_arrow"]


def read_sqlite_arrow(path: str, sql: str) -> pl.DataFrame | None:
    """The rows of ``sql`` on the SQLite file ``path`` (None when the driver is missing)."""
    try:
        import adbc_driver_sqlite  # noqa: F401 - only whether it is installed
    except ImportError:
        return None
    handle, name = tempfile.mkstemp(prefix="rehabdash-pull-", suffix=".arrow")  # mode 0600
    os.close(handle)
    out = Path(name)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "rehabdash.queries.arrow_pull", path, str(out)],
            input=sql,
            text=True,
            capture_output=True,
            check=False,
        )
        if done.returncode != 0:
            tail = (done.stderr.strip().splitlines() or ["no message"])[-1]
            raise RuntimeError(f"reading the referrals failed: {tail}")
        return pl.read_ipc(out)  # a mapping outlives the unlinked file (POSIX)
    finally:
        out.unlink(missing_ok=True)


def _child(path: str, out: str) -> None:
    import adbc_driver_sqlite.dbapi as adbc

    sql = sys.stdin.read()
    conn = adbc.connect(f"file:{path}?mode=ro")
    try:
        cur = conn.cursor()
        # One batch: the driver infers each column's type from its first batch, so a
        # column null for the first rows would otherwise be typed wrongly.
        cur.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(2**30)})
        cur.execute(sql)
        # lz4: a quarter of the bytes on disk (a million referrals: 136 MB, not 508 MB),
        # in about the same time.
        pl.DataFrame(cur.fetch_arrow()).write_ipc(out, compression="lz4")
        cur.close()
    finally:
        conn.close()


if __name__ == "__main__":
    _child(sys.argv[1], sys.argv[2])
