"""Time prepare_activity against a bare polars read of the same CSV (DESIGN 11).

Generates a seeded synthetic 1M-row, 30-column extract in a temporary folder,
then reports the median of three runs of (a) ``pl.read_csv`` with every column
as text and (b) the whole ``prepare_activity`` (read, map, normalise, validate,
pseudonymise), and their ratio.

    .venv/bin/python benchmarks/bench_prepare.py [rows]
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

from rehabdash.ingest import prepare_activity

RUNS = 3
TODAY = dt.date(2026, 1, 1)


def _dates(rng: np.random.Generator, n: int, start: dt.date, days: int) -> np.ndarray:
    base = np.datetime64(start.isoformat())
    return base + rng.integers(0, days, n).astype("timedelta64[D]")


def generate(path: Path, n: int, seed: int = 20251123) -> None:
    """A messy-but-valid extract: UK text dates, labels and codes mixed, 30 columns."""
    rng = np.random.default_rng(seed)
    referral = _dates(rng, n, dt.date(2023, 4, 1), 700)
    first = referral + rng.integers(0, 60, n).astype("timedelta64[D]")
    discharge = first + rng.integers(0, 120, n).astype("timedelta64[D]")
    dob = _dates(rng, n, dt.date(1925, 1, 1), 34_000)
    pick = lambda values, size=n: rng.choice(np.array(values, dtype=object), size)  # noqa: E731
    frame = pl.DataFrame(
        {
            "Patient ID": [f"P{v:07d}" for v in rng.integers(0, n * 6 // 10, n)],
            "NHS Number": pick(["9434765919", "943 476 5870", "", "4010232137"]),
            "Referral ID": [f"R{i:08d}" for i in range(n)],
            "Provider": pick(["RY1", "RXX", "R1A"]),
            "Team Type": pick(["26", "Physiotherapy", "MSK", "04", "29"]),
            "Service": pick(["MSK physio", "Falls", "Pulmonary rehab"]),
            "Referral Date": pl.Series(referral).dt.strftime("%d/%m/%Y"),
            "Source of referral": pick(["GP", "Self", "Consultant"]),
            "First Contact Date": pl.Series(first).dt.strftime("%Y-%m-%d"),
            "Discharge Date": pl.Series(discharge).dt.strftime("%d-%b-%y"),
            "Closure reason": pick(["Discharged", "", "Moved"]),
            "Rejection date": pick([""]),
            "Rejection reason": pick([""]),
            "DOB": pl.Series(dob).dt.strftime("%d/%m/%Y"),
            "Sex": pick(["M", "F", "Male", "Female", "1", "2", "X"]),
            "Gender identity": pick(["1", "2", "Z", ""]),
            "Gender same at birth": pick(["Y", "N", "", "Z"]),
            "Ethnicity": pick(["A", "White - British", "WHITE BRITISH", "H", "Z", "99", "N", ""]),
            "GP Practice": pick(["B86001", "B86002", "Y01234"]),
            "LSOA": [f"E0{1000001 + v}" for v in rng.integers(0, 30_000, n)],
            "IMD decile": pick([str(d) for d in range(1, 11)]),
            "Disability": pick(["NN", "05", "01, 05", "ZZ", ""]),
            "Religion": pick(["C", "Christian", "L", "No religion", "G", "M", ""]),
            "Sexual orientation": pick(["1", "Heterosexual", "Z", "9", ""]),
            "Marital status": pick(["S", "M", "Married", "W", ""]),
            "Pregnancy": pick(["N", "", "Y"]),
            "Contacts attended": rng.integers(0, 12, n).astype(str),
            "DNA": rng.integers(0, 3, n).astype(str),
            "Cancelled": rng.integers(0, 3, n).astype(str),
            "Outcome tool": pick(["MSK-HQ", "EQ-5D-5L", ""]),
        }
    )
    frame.write_csv(path)


def _median(fn: object) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "extract.csv"
        generate(path, n)
        size = path.stat().st_size / 1e6
        read = _median(lambda: pl.read_csv(path, infer_schema=False))
        result = prepare_activity(path, key=b"bench-key", today=TODAY)
        prep = _median(lambda: prepare_activity(path, key=b"bench-key", today=TODAY))
    print(f"rows {n:,}; 30 columns; {size:,.0f} MB; median of {RUNS} runs")
    print(f"{'step':<40}{'seconds':>10}{'x read':>10}")
    print(f"{'pl.read_csv, all columns as text':<40}{read:>10.2f}{1.0:>10.2f}")
    print(f"{'prepare_activity (whole pipeline)':<40}{prep:>10.2f}{prep / read:>10.2f}")
    print(
        f"accepted {result.rows_accepted:,}; rejected {result.rows_rejected:,}; "
        f"failures {result.failures.height:,}"
    )


if __name__ == "__main__":
    main()
