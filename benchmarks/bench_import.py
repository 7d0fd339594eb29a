"""Time a full import (rehabdash.ingest.import_file) against two baselines, same run (DESIGN 11).

For each file (the demo generator's 1M-row CSV and 200k-row XLSX) and each store
(SQLite file; PostgreSQL: $REHABDASH_BENCH_PG_URL or a throwaway cluster):

* floor: polars reads the file with a schema (every column text) and the store's
  bulk path (rehabdash.store.bulk.bulk_insert) writes those rows to a scratch table
  of text columns, in one transaction;
* pandas: what an analyst would otherwise write: pandas read_csv / read_excel with
  every column as text, then DataFrame.to_sql through a SQLAlchemy engine;
* import: rehabdash.ingest.import_file into an empty store (read, map, normalise,
  validate, pseudonymise, commit with row issues).

Each is run in a fresh child process; the table reports medians and the import's
peak RSS (each child reports its own peak, VmHWM from /proc/self/status; the import
child does only the import). Targets (issue 9): import <= 2x the shaped floor on every
file and store, peak <= 1.5 GB at 1M rows; the bare floor and pandas are for information.

    .venv/bin/python benchmarks/bench_import.py [--runs 3] [--rows 1000000]
        [--xlsx-rows 200000] [--pandas-runs 1] [--no-pg] [--no-xlsx]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

# ---------------------------------------------------------------- child process side


def _child_floor(url: str, path: str, shaped: bool = False) -> float:
    """polars read (all text) + bulk_insert into a scratch table of text columns.

    ``shaped``: the scratch table also has what the referral table has that costs on
    every row: a generated primary key, a batch_id and the two indexes (provider +
    referral id, referral date).
    """
    import polars as pl
    from sqlalchemy import BigInteger, Column, Index, Integer, MetaData, Table, Text

    from rehabdash.store import open_store
    from rehabdash.store.batches import BatchInfo, record_batch
    from rehabdash.store.bulk import bulk_insert
    from rehabdash.store.schema import metadata

    engine = open_store(url)
    started = time.perf_counter()
    if path.endswith(".csv"):
        frame = pl.read_csv(path, infer_schema=False)
    else:
        frame = pl.read_excel(path, read_options={"header_row": 2, "dtypes": "string"})
    meta = MetaData() if not shaped else metadata
    columns = [Column(c, Text) for c in frame.columns]
    extra: list[object] = []
    if shaped:
        key = BigInteger().with_variant(Integer, "sqlite")
        columns.insert(0, Column("id", key, primary_key=True, autoincrement=True))
        columns.append(Column("batch_id", Integer, nullable=False))
        extra = [
            Index("ix_bench_key", "Organisation Code (Provider)", "Service Request Identifier"),
            Index("ix_bench_date", "Referral Received Date"),
        ]
    scratch = Table("bench_scratch", meta, *columns, *extra)  # type: ignore[arg-type]
    with engine.begin() as conn:
        scratch.drop(conn, checkfirst=True)
        scratch.create(conn)
        if shaped:
            bid = record_batch(conn, BatchInfo("activity", "bench", "0" * 64))
            frame = frame.with_columns(pl.lit(bid, pl.Int32).alias("batch_id"))
        bulk_insert(conn, scratch, frame)
    elapsed = time.perf_counter() - started
    with engine.begin() as conn:
        scratch.drop(conn)
    if shaped:
        metadata.remove(scratch)
    return elapsed


def _child_pandas(url: str, path: str) -> float:
    import pandas as pd
    from sqlalchemy import create_engine

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    started = time.perf_counter()
    if path.endswith(".csv"):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    else:
        frame = pd.read_excel(path, header=2, dtype=str)
    frame.to_sql("bench_pandas", engine, if_exists="replace", index=False, chunksize=10_000)
    elapsed = time.perf_counter() - started
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE bench_pandas")
    return elapsed


def _child_import(url: str, path: str) -> float:
    import datetime as dt

    from rehabdash.ingest import import_file
    from rehabdash.store import open_store

    engine = open_store(url)
    started = time.perf_counter()
    result = import_file(engine, path, "activity", today=dt.date(2025, 6, 30))
    elapsed = time.perf_counter() - started
    assert result.rows_accepted > 0.99 * result.rows_read, result
    return elapsed


def _child(argv: list[str]) -> None:
    what, url, path = argv
    runs = {
        "floor": _child_floor,
        "shaped": lambda u, p: _child_floor(u, p, shaped=True),
        "pandas": _child_pandas,
        "import": _child_import,
    }
    seconds = runs[what](url, path)
    sys.stdout.write(json.dumps({"seconds": seconds, "peak_mb": _peak_mb()}) + "\n")


def _peak_mb() -> float:
    """This process's peak RSS. VmHWM belongs to this address space alone; ru_maxrss
    would also count the parent's RSS at fork time (Linux carries it over exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# ---------------------------------------------------------------- parent side


def _run_child(what: str, url: str, path: Path, env: dict[str, str]) -> tuple[float, float]:
    """(seconds, peak RSS in MB of that child: its own getrusage(RUSAGE_SELF).ru_maxrss)."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", what, url, str(path)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"{what} on {url} failed:\n{out.stderr[-3000:]}")
    report = json.loads(out.stdout.strip().splitlines()[-1])
    return float(report["seconds"]), float(report["peak_mb"])


def _fresh_sqlite(folder: Path, tag: str) -> str:
    path = folder / f"{tag}-{time.monotonic_ns()}.db"
    return f"sqlite:///{path}"


def _fresh_pg(server: str, tag: str) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"bench_{tag}_{time.monotonic_ns() % 10**9}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def _make_files(folder: Path, rows: int, xlsx_rows: int, with_xlsx: bool) -> dict[str, Path]:
    from rehabdash.demo import generate
    from rehabdash.demo.extract import write_extract

    files = {}
    csv = folder / f"extract_{rows}.csv"
    write_extract(generate(rows=rows, seed=2025), csv)
    files[f"CSV {rows:,} rows"] = csv
    if with_xlsx:
        xlsx = folder / f"extract_{xlsx_rows}.xlsx"
        write_extract(generate(rows=xlsx_rows, seed=2025), xlsx)
        files[f"XLSX {xlsx_rows:,} rows"] = xlsx
    return files


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pandas-runs", type=int, default=1)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=200_000)
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--no-xlsx", action="store_true")
    args = parser.parse_args()

    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-import-")))
        env = {**os.environ, "REHABDASH_HOME": str(folder / "home")}
        stores: dict[str, object] = {"SQLite": lambda tag: _fresh_sqlite(folder, tag)}
        if not args.no_pg:
            server = os.environ.get("REHABDASH_BENCH_PG_URL")
            if not server:
                sys.path.insert(0, str(ROOT / "tests"))
                from pg_cluster import throwaway_cluster

                server = stack.enter_context(throwaway_cluster())
            stores["PostgreSQL"] = lambda tag, s=server: _fresh_pg(s, tag)
        sys.stderr.write("generating the demo extracts...\n")
        files = _make_files(folder, args.rows, args.xlsx_rows, not args.no_xlsx)
        table = []
        for label, path in files.items():
            for store, fresh in stores.items():
                times: dict[str, list[float]] = {k: [] for k in ("import", "floor", "shaped")}
                times["pandas"] = []
                peaks: dict[str, list[float]] = {k: [] for k in times}
                for _run in range(args.runs):
                    for what in ("import", "floor", "shaped"):
                        seconds, peak = _run_child(what, fresh(what), path, env)  # type: ignore[operator]
                        times[what].append(seconds)
                        peaks[what].append(peak)
                        sys.stderr.write(f"{label} {store} {what}: {seconds:.2f} s\n")
                for _ in range(args.pandas_runs):
                    seconds, _peak = _run_child("pandas", fresh("pandas"), path, env)  # type: ignore[operator]
                    times["pandas"].append(seconds)
                    sys.stderr.write(f"{label} {store} pandas: {seconds:.2f} s\n")
                med = {k: statistics.median(v) if v else float("nan") for k, v in times.items()}
                table.append((label, store, med, {k: max(v) for k, v in peaks.items() if v}))
    sys.stdout.write(
        f"\nImport benchmark: medians of {args.runs} runs (pandas: {args.pandas_runs}), "
        f"{os.cpu_count()} cores. floor = polars read (all text) + bulk_insert into a bare "
        "scratch table; shaped floor = the same into a scratch table with the referral "
        "table's per-row costs (generated key, batch_id, two indexes).\n\n"
        "| file | store | floor s | shaped floor s | pandas + to_sql s | import s "
        "| import / shaped floor (target ≤ 2) | import / floor | pandas / import "
        "| peak RSS MB: import (floor) |\n"
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n"
    )
    for label, store, med, peak in table:
        shaped = med["import"] / med["shaped"]
        sys.stdout.write(
            f"| {label} | {store} | {med['floor']:.2f} | {med['shaped']:.2f} "
            f"| {med['pandas']:.2f} | {med['import']:.2f} "
            f"| {shaped:.2f} {'met' if shaped <= 2 else 'missed'} "
            f"| {med['import'] / med['floor']:.2f} "
            f"| {med['pandas'] / med['import']:.1f} "
            f"| {peak['import']:,.0f} ({peak['floor']:,.0f}) |\n"
        )


if __name__ == "__main__":
    main()
