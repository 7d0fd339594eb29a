"""The ADBC pull runs in a process of its own: in the app's process its copy of SQLite
and the sqlite3 module's do not see each other's locks, and a store with an unmerged
write-ahead log (as the window leaves one) died of SIGBUS when both read it at once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """
import sqlite3, sys, threading
from rehabdash.demo import build_demo
from rehabdash.store import open_store
from rehabdash.queries.referrals import pull_referrals, ReferralSource
url = sys.argv[1]
engine = open_store(url)
build_demo(engine, rows=3_000, seed=4)
held = sqlite3.connect(url[len("sqlite:///"):])  # a reader holding the log open
held.execute("PRAGMA wal_autocheckpoint=0")
held.execute("CREATE TABLE IF NOT EXISTS scratch (x)")
held.execute("INSERT INTO scratch VALUES (1)")
held.commit()  # in the log, not yet in the file
source = ReferralSource(engine)
tables = threading.Thread(target=lambda: [source.tables(f"t{i}") for i in range(20)])
tables.start()
frames = [pull_referrals(engine) for _ in range(5)]
tables.join()
print(frames[-1].height)
"""


def test_the_arrow_pull_and_the_driver_read_one_store_at_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, url],
        capture_output=True,
        text=True,
        timeout=300,
        env={"REHABDASH_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert int(done.stdout.strip()) == 3_000
