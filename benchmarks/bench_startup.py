"""Start-up: process start to the main window shown with data, against a minimal window.

Both run as fresh processes in the same session, alternating, on the same Qt platform
(offscreen unless QT_QPA_PLATFORM says otherwise). rehabdash opens a 200,000-referral
demo store (built once beforehand) and counts as ready when the Overview has drawn its
figures; the baseline is benchmarks/minimal_window.py. Target: ratio at most 1.5.

Two rehabdash cases: the usual one, where the store is unchanged since the app last ran
and the window paints the verified snapshot (rehabdash.snapshot) while the full load runs
behind it; and the first run after a change, where polars, SQLAlchemy and the query all
come before the first paint.

Run: .venv/bin/python benchmarks/bench_startup.py [--runs N] [--db URL]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _time_to_ready(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    elapsed = time.perf_counter() - start
    proc.wait(timeout=60)
    if line.strip() != "ready":
        raise RuntimeError(
            f"{cmd} did not become ready: {proc.stderr.read() if proc.stderr else ''}"
        )
    return elapsed


def run(runs: int = 7, rows: int = 200_000, db: str | None = None) -> list[dict[str, object]]:
    """``db``: an existing demo store to open (default: a fresh one of ``rows``)."""
    with tempfile.TemporaryDirectory() as tmp:
        url = db or f"sqlite:///{Path(tmp) / 'demo.db'}"
        env = {**os.environ, "REHABDASH_HOME": tmp, "REHABDASH_EXIT_WHEN_READY": "1"}
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        if db is None:
            subprocess.run(
                [sys.executable, "-m", "rehabdash", "demo", "--db", url, "--rows", str(rows)],
                check=True,
                capture_output=True,
                env=env,
            )
        else:
            from rehabdash.store import open_store

            rows = int(
                open_store(db)
                .connect()
                .exec_driver_sql("SELECT count(*) FROM referral")
                .scalar_one()
            )
        app_cmd = [sys.executable, "-m", "rehabdash", "--db", url]
        base_cmd = [sys.executable, str(HERE / "minimal_window.py")]
        snapshots = Path(tmp) / "data" / "snapshots"
        _time_to_ready(app_cmd, env)  # warm the OS file cache for both
        _time_to_ready(base_cmd, env)
        warm, cold, base = [], [], []
        for _ in range(runs):
            base.append(_time_to_ready(base_cmd, env))
            warm.append(_time_to_ready(app_cmd, env))  # snapshot of an unchanged store
            shutil.rmtree(snapshots, ignore_errors=True)
            cold.append(_time_to_ready(app_cmd, env))  # full load: polars, SQLAlchemy, query
    b = statistics.median(base)
    where = f"{rows:,} referrals, {env['QT_QPA_PLATFORM']}"
    return [
        {
            "measure": f"start-up to window with data, store unchanged since last run ({where})",
            "rehabdash_s": round(statistics.median(warm), 3),
            "minimal_window_s": round(b, 3),
            "ratio": round(statistics.median(warm) / b, 2),
            "target": "≤ 1.5",
        },
        {
            "measure": f"start-up to window with data, first run after a change ({where})",
            "rehabdash_s": round(statistics.median(cold), 3),
            "minimal_window_s": round(b, 3),
            "ratio": round(statistics.median(cold) / b, 2),
            "target": "(no target)",
        },
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--db", help="an existing demo store (default: a fresh 200k one)")
    args = parser.parse_args()
    print("| measure | rehabdash (s) | minimal PySide6 + pyqtgraph window (s) | ratio | target |")
    print("|---|---:|---:|---:|---|")
    for row in run(args.runs, db=args.db):
        print(
            f"| {row['measure']} | {row['rehabdash_s']} | {row['minimal_window_s']} | "
            f"{row['ratio']} | {row['target']} |"
        )


if __name__ == "__main__":
    main()
