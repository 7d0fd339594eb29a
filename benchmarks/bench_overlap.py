"""Time the "already imported" check against a store holding a provider's history.

Imports the demo generator's extract of ``--rows`` referrals into a fresh store,
then imports a ``--repeat``-row slice of the same file (every row already held) two
ways, each in a fresh child process: loading the held keys into memory
(``LOAD_LIMIT`` above the held count) and letting the database join the file's keys
from a temporary table (``LOAD_LIMIT`` 0). Reports seconds and peak RSS.

    .venv/bin/python benchmarks/bench_overlap.py [--rows 1000000] [--repeat 200000]
        [--pg URL]   (default: SQLite file)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TODAY = dt.date(2025, 6, 30)


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _child(url: str, path: str, limit: int) -> None:
    from rehabdash.errors import StoreError
    from rehabdash.ingest import import_file, overlaps
    from rehabdash.store import open_store

    overlaps.LOAD_LIMIT = limit
    engine = open_store(url)
    started = time.perf_counter()
    try:
        import_file(engine, path, "activity", today=TODAY)
        outcome = "imported"
    except StoreError as exc:  # every row already held: nothing to import
        outcome = str(exc).split(": ", 1)[-1][:80]
    seconds = time.perf_counter() - started
    sys.stdout.write(json.dumps({"seconds": seconds, "peak": _peak_mb(), "outcome": outcome}))


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        _child(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=200_000)
    parser.add_argument("--pg", metavar="URL", help="an empty PostgreSQL database")
    args = parser.parse_args()

    import polars as pl

    from rehabdash.demo import generate
    from rehabdash.demo.extract import write_extract
    from rehabdash.ingest import import_file
    from rehabdash.store import open_store

    with tempfile.TemporaryDirectory(prefix="bench-overlap-") as tmp:
        folder = Path(tmp)
        env = {**os.environ, "REHABDASH_HOME": str(folder / "home")}
        os.environ["REHABDASH_HOME"] = env["REHABDASH_HOME"]
        url = args.pg or f"sqlite:///{folder / 'store.db'}"
        full, part = folder / "full.csv", folder / "repeat.csv"
        write_extract(generate(rows=args.rows, seed=2025), full)
        frame = pl.read_csv(full, infer_schema=False)
        frame.slice(args.rows // 3, args.repeat).write_csv(part)
        import_file(open_store(url), full, "activity", today=TODAY)
        sys.stdout.write(
            f"Checking {args.repeat:,} repeated referrals against {args.rows:,} held "
            f"({'PostgreSQL' if args.pg else 'SQLite'}):\n\n"
            "| how | seconds | peak RSS MB | outcome |\n|---|---:|---:|---|\n"
        )
        for label, limit in (("load held keys", args.rows * 10), ("join in the database", 0)):
            out = subprocess.run(
                [sys.executable, __file__, "--child", url, str(part), str(limit)],
                capture_output=True,
                text=True,
                env=env,
                check=True,
            )
            report = json.loads(out.stdout)
            sys.stdout.write(
                f"| {label} | {report['seconds']:.2f} | {report['peak']:,.0f} "
                f"| {report['outcome']} |\n"
            )


if __name__ == "__main__":
    main()
