"""Time the distance from every LSOA in England to the nearest of 50 sites (issue 14).

Target: at most 1 s for all 33,755 LSOAs 2021 against 50 sites. Timed in one process
after the centroids are loaded (they are read once and cached):

* nearest: :func:`rehabdash.plan.distance.nearest_sites` on the centroids' arrays;
* with bands: :func:`rehabdash.plan.distance.lsoa_distances` (the plan's step: the
  sites placed, the nearest found, the band and the site's name attached).

The 50 sites are the centroids of 50 LSOAs drawn at random (seeded), given by LSOA like
a site file without coordinates. Medians of --runs runs.

    .venv/bin/python benchmarks/bench_distance.py [--runs 7] [--sites 50]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import polars as pl

from rehabdash.plan.distance import lsoa_distances, nearest_sites
from rehabdash.refdata.boundaries import lsoa_centroids

TARGET_S = 1.0


def _sites(centroids: pl.DataFrame, count: int) -> pl.DataFrame:
    rng = np.random.default_rng(14)
    chosen = centroids[rng.choice(centroids.height, size=count, replace=False)]
    return chosen.select(
        pl.format("Site {}", pl.int_range(pl.len())).alias("name"),
        pl.lit("clinic").alias("site_type"),
        "lsoa",
        pl.lit(2021, pl.Int64).alias("lsoa_vintage"),
        pl.lit(None, pl.Float64).alias("latitude"),
        pl.lit(None, pl.Float64).alias("longitude"),
    )


def run(runs: int = 7, sites_count: int = 50) -> list[dict[str, object]]:
    """The two timings as table rows (benchmarks/run.py prints them)."""
    centroids = lsoa_centroids(2021)
    sites = _sites(centroids, sites_count)
    lat, lon = centroids["latitude"].to_numpy(), centroids["longitude"].to_numpy()
    placed = centroids.join(sites.select("lsoa"), on="lsoa")
    site_lat, site_lon = placed["latitude"].to_numpy(), placed["longitude"].to_numpy()
    times: dict[str, list[float]] = {"nearest site": [], "nearest site, bands and names": []}
    for _ in range(runs):
        start = time.perf_counter()
        nearest_sites(lat, lon, site_lat, site_lon)
        times["nearest site"].append(time.perf_counter() - start)
        start = time.perf_counter()
        out = lsoa_distances(centroids["lsoa"], 2021, sites)
        times["nearest site, bands and names"].append(time.perf_counter() - start)
    assert out.height == centroids.height
    return [
        {
            "step": f"{name} ({centroids.height:,} LSOAs × {sites_count} sites)",
            "median ms": round(statistics.median(values) * 1000, 1),
            "target ms": TARGET_S * 1000,
            "met": statistics.median(values) <= TARGET_S,
        }
        for name, values in times.items()
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--sites", type=int, default=50)
    args = parser.parse_args()
    print(f"median of {args.runs} runs")
    for row in run(args.runs, args.sites):
        print("  " + ", ".join(f"{k}: {v}" for k, v in row.items()))


if __name__ == "__main__":
    main()
