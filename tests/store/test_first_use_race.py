"""Two first imports into a brand-new store at once: one schema, one key, no errors.

Real processes, released together: each opens the store (creating its schema) and asks
for the pseudonymisation key (creating it), as an import does first.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select, text

from rehabdash.store.engine import open_engine
from rehabdash.store.keys import keys_dir
from rehabdash.store.migrate import HEAD_REVISION
from rehabdash.store.schema import store_meta, store_secret

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = 4

# Each child imports everything first, says it is ready, then waits for the word go,
# so the slow part (imports) is out of the way when they race.
CHILD = """
import sys, time
from pathlib import Path
import alembic.command, alembic.config  # loaded before the start, to race closely
from rehabdash.store import open_store
from rehabdash.store.keys import pseudonym_key
url, ready, go = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
ready.touch()
while not go.exists():
    time.sleep(0.002)
engine = open_store(url)
sys.stdout.write(pseudonym_key(engine).hex())
engine.dispose()
"""


def _race(url: str, folder: Path) -> list[subprocess.CompletedProcess[str]]:
    go = folder / "go"
    ready = [folder / f"ready{i}" for i in range(PROCESSES)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, url, str(flag), str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for flag in ready
    ]
    deadline = time.monotonic() + 120
    while not all(flag.exists() for flag in ready) and time.monotonic() < deadline:
        if any(child.poll() is not None for child in children):
            break  # one failed before the start: report it below
        time.sleep(0.01)
    go.touch()
    done = []
    for child in children:
        out, err = child.communicate(timeout=120)
        done.append(subprocess.CompletedProcess(child.args, child.returncode, out, err))
    return done


def _check_one_schema_one_key(url: str, results: list[subprocess.CompletedProcess[str]]) -> int:
    assert [r.returncode for r in results] == [0] * PROCESSES, [r.stderr for r in results]
    keys = {r.stdout for r in results}
    assert len(keys) == 1
    engine = open_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).all() == [
            (HEAD_REVISION,)
        ]
        names = conn.execute(select(store_meta.c.name).order_by(store_meta.c.name))
        assert names.scalars().all() == ["key_check", "key_id"]
        secrets_held = conn.execute(select(func.count()).select_from(store_secret)).scalar_one()
    engine.dispose()
    return secrets_held


def test_sqlite_first_use_in_four_processes_at_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    results = _race(url, tmp_path)
    assert _check_one_schema_one_key(url, results) == 0
    held = list(keys_dir().iterdir())
    assert len(held) == 1
    assert held[0].read_text() == results[0].stdout


def test_postgres_first_use_in_four_processes_at_once(pg_url: str, tmp_path: Path) -> None:
    results = _race(pg_url, tmp_path)
    assert _check_one_schema_one_key(pg_url, results) == 1
    assert not keys_dir().exists()
