"""Demo generator speed: 1M referrals generated, and generated + stored (target under 30 s).

Run: .venv/bin/python benchmarks/bench_demo.py [--rows N] [--runs N] [--pg URL]
SQLite always; PostgreSQL when --pg or REHABDASH_BENCH_PG_URL gives an empty database.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from rehabdash.demo import generate, store_demo
from rehabdash.store import open_store


def _timed_store(url: str, rows: int) -> tuple[float, float]:
    start = time.perf_counter()
    data = generate(rows=rows)
    generated = time.perf_counter() - start
    store_demo(open_store(url), data)
    return generated, time.perf_counter() - start


def _reset_pg(url: str) -> None:
    from sqlalchemy import text

    engine = open_store(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


def run(rows: int = 1_000_000, runs: int = 3, pg_url: str | None = None) -> list[dict[str, object]]:
    results = []
    gen, total = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["REHABDASH_HOME"] = tmp
            g, t = _timed_store(f"sqlite:///{Path(tmp) / 'demo.db'}", rows)
        gen.append(g)
        total.append(t)
    results.append({"measure": f"generate {rows:,} referrals", "seconds": statistics.median(gen)})
    results.append(
        {"measure": f"generate + store {rows:,} (SQLite)", "seconds": statistics.median(total)}
    )
    if pg_url:
        pg = []
        for _ in range(runs):
            _reset_pg(pg_url)
            pg.append(_timed_store(pg_url, rows)[1])
        results.append(
            {"measure": f"generate + store {rows:,} (PostgreSQL)", "seconds": statistics.median(pg)}
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pg", default=os.environ.get("REHABDASH_BENCH_PG_URL"))
    args = parser.parse_args()
    print("| demo generator | seconds (median) | target |")
    print("|---|---:|---|")
    for row in run(args.rows, args.runs, args.pg):
        print(f"| {row['measure']} | {row['seconds']:.1f} | < 30 |")


if __name__ == "__main__":
    main()
