"""Statistics benchmark: rehabdash.stats against PHStatsMethods 0.1.16 (DHSC).

Runs ``rate`` and ``proportion`` over 10,000 groups (two rows each, summed per
group) and ``isr_ratio`` over 1,000 areas × 19 age bands, each against the
pandas-based PHStatsMethods on the same input in the same run, and compares
the numbers. PHStatsMethods raises on a zero count (Byar's upper limit), so
groups whose total count is 0 are left out of its side only. Reports medians
of several runs (the machines are noisy), the speed ratio and the largest
relative difference between the two sets of results.

Usage: ``.venv/bin/python benchmarks/bench_stats.py [repeats]``
"""

from __future__ import annotations

import statistics
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import polars as pl

from rehabdash.stats import isr_ratio, proportion, rate

GROUPS = 10_000
AREAS = 1_000
BANDS = [
    "0-4",
    "5-9",
    "10-14",
    "15-19",
    "20-24",
    "25-29",
    "30-34",
    "35-39",
    "40-44",
    "45-49",
    "50-54",
    "55-59",
    "60-64",
    "65-69",
    "70-74",
    "75-79",
    "80-84",
    "85-89",
    "90+",
]


def _median_seconds(func: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def _max_rel_diff(
    ours: pl.DataFrame, theirs: pd.DataFrame, key: str, pairs: list[tuple[str, str]]
) -> float:
    merged = ours.join(pl.from_pandas(theirs), on=key, how="inner")
    worst = 0.0
    for a, b in pairs:
        x, y = merged[a].to_numpy(), merged[b].to_numpy().astype(float)
        denom = np.maximum(np.abs(x), np.abs(y))
        with np.errstate(invalid="ignore", divide="ignore"):
            rel = np.where(denom == 0, 0.0, np.abs(x - y) / denom)
        worst = max(worst, float(np.nanmax(rel)))
    return worst


def _counts() -> pl.DataFrame:
    rng = np.random.default_rng(2024)
    area = np.repeat([f"E{i:08d}" for i in range(GROUPS)], 2)
    n = rng.integers(1_000, 100_000, area.size)
    x = np.minimum(rng.poisson(rng.choice([0.5, 5, 50, 500], area.size)), n)
    return pl.DataFrame({"area": area, "x": x.astype(np.int64), "n": n.astype(np.int64)})


def _isr_inputs() -> tuple[pl.DataFrame, pl.DataFrame]:
    rng = np.random.default_rng(7)
    ref = pl.DataFrame(
        {
            "band": BANDS,
            "xr": rng.integers(1_000, 50_000, 19),
            "nr": rng.integers(1_000_000, 3_000_000, 19),
        }
    )
    area = np.repeat([f"E{i:08d}" for i in range(AREAS)], 19)
    df = pl.DataFrame(
        {
            "area": area,
            "band": BANDS * AREAS,
            "x": rng.poisson(3, area.size),
            "n": rng.integers(0, 5_000, area.size),
        }
    )
    return df, ref


def run(repeats: int = 5) -> list[dict[str, Any]]:
    """Run the three comparisons; one dict per statistic."""
    import PHStatsMethods as phs  # imported here: optional "bench" extra

    warnings.simplefilter("ignore")
    rows: list[dict[str, Any]] = []
    counts = _counts()
    nonzero = counts.filter(pl.col("x").sum().over("area") > 0)
    pdf, pdf_nonzero = counts.to_pandas(), nonzero.to_pandas()
    pairs = [("value", "Value"), ("lower", "lower_95_ci"), ("upper", "upper_95_ci")]

    for name, ours_fn, theirs_fn in (
        (
            "rate (10,000 groups)",
            lambda: rate(counts, "x", "n", group_by="area", multiplier=100_000),
            lambda: phs.ph_rate(pdf_nonzero, "x", "n", group_cols="area", multiplier=100_000),
        ),
        (
            "proportion (10,000 groups)",
            lambda: proportion(counts, "x", "n", group_by="area", multiplier=100),
            lambda: phs.ph_proportion(pdf, "x", "n", group_cols="area", multiplier=100),
        ),
    ):
        ours_t, ours = _median_seconds(ours_fn, repeats)
        theirs_t, theirs = _median_seconds(theirs_fn, max(1, min(repeats, 3)))
        rows.append(
            {
                "statistic": name,
                "rehabdash_ms": ours_t * 1e3,
                "phstatsmethods_ms": theirs_t * 1e3,
                "speedup": theirs_t / ours_t,
                "groups_compared": len(theirs),
                "max_rel_diff": _max_rel_diff(ours, theirs, "area", pairs),
            }
        )

    df, ref = _isr_inputs()
    observed = df.group_by("area").agg(pl.col("x").sum())
    keep = observed.filter(pl.col("x") > 0)["area"]
    pdf_isr = df.filter(pl.col("area").is_in(keep.implode())).to_pandas()
    ref_pd = ref.to_pandas()
    ours_t, ours = _median_seconds(
        lambda: isr_ratio(df, "x", "n", "xr", "nr", band="band", reference=ref, group_by="area"),
        repeats,
    )
    theirs_t, theirs = _median_seconds(
        lambda: phs.ph_ISRatio(
            pdf_isr,
            "x",
            "n",
            "xr",
            "nr",
            group_cols="area",
            ref_df=ref_pd,
            ref_join_left="band",
            ref_join_right="band",
        ),
        max(1, min(repeats, 3)),
    )
    rows.append(
        {
            "statistic": "isr_ratio (1,000 areas × 19 bands)",
            "rehabdash_ms": ours_t * 1e3,
            "phstatsmethods_ms": theirs_t * 1e3,
            "speedup": theirs_t / ours_t,
            "groups_compared": len(theirs),
            "max_rel_diff": _max_rel_diff(ours, theirs, "area", pairs),
        }
    )
    return rows


def markdown(rows: list[dict[str, Any]]) -> str:
    """Rows as a Markdown table."""
    lines = [
        "| statistic | rehabdash (ms) | PHStatsMethods (ms) | speed-up | groups compared "
        "| max relative difference | identical |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['statistic']} | {r['rehabdash_ms']:.1f} | "
            f"{r['phstatsmethods_ms']:.0f} | {r['speedup']:.0f}× | "
            f"{r['groups_compared']:,} | {r['max_rel_diff']:.1e} | "
            f"{'yes' if r['max_rel_diff'] == 0 else 'no'} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    print(markdown(run(reps)))
