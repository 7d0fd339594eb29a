"""A process killed (SIGKILL) in the middle of writing an import leaves the store as it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from commit_helpers import batches, counts
from sqlalchemy import text

from rehabdash.demo import generate
from rehabdash.demo.extract import write_extract
from rehabdash.ingest import import_file
from rehabdash.store import open_store

CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from rehabdash.store import bulk, open_store
    from rehabdash.ingest import import_file

    bulk.CHUNK_ROWS = 2_000
    url, path, marker = sys.argv[1], sys.argv[2], Path(sys.argv[3])

    def progress(fraction, message):
        if message.startswith("wrote 4,000"):  # two chunks are in the open transaction
            marker.write_text("writing")
            time.sleep(120)  # the parent kills us here

    import_file(open_store(url), path, "activity", progress=progress)
    """
)


@pytest.fixture(scope="module")
def large_extract(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("large") / "large.csv"
    write_extract(generate(rows=30_000, seed=11), path)
    return path


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_killed_import_leaves_store_unchanged(
    store_url: str, large_extract: Path, tmp_path: Path
) -> None:
    engine = open_store(store_url)
    small = tmp_path / "earlier.csv"
    small.write_text(
        "Patient ID,Referral ID,Provider,Referral Date\n"
        "P1,X1,RY1,01/02/2024\nP2,X2,RY1,02/02/2024\n"
    )
    import_file(engine, small, "activity")
    before, before_batches = counts(engine), batches(engine)
    marker = tmp_path / "marker"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, store_url, str(large_extract), str(marker)],
        env={**os.environ},
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 180
        while not marker.exists():
            assert child.poll() is None, child.stderr.read() if child.stderr else ""
            assert time.monotonic() < deadline, "the child never reached the write"
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    engine.dispose()
    engine = open_store(store_url)
    assert counts(engine) == before
    assert batches(engine) == before_batches
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    # and the same file imports cleanly afterwards (no leftover lock or half batch)
    result = import_file(engine, large_extract, "activity")
    assert result.rows_accepted == 30_000
    engine.dispose()
