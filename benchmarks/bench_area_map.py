"""The area map (issue 14) on one ICB's LSOAs: West Yorkshire, 1,434 LSOAs (2021).

* **first frame:** from the Shapes (already loaded) to the first painted frame:
  ``set_areas`` (with the ICB's local authorities and the ICB as outlines) +
  ``set_values`` + a forced paint of the whole panel (``grab``); target ≤ 300 ms;
* **recolour:** new values on the same areas, ``set_values`` + a forced paint; target
  ≤ 100 ms (``set_values`` alone also shown);
* **load:** reading the LSOA 2021 boundaries from resources/ (cold, the cache cleared)
  and taking the ICB's subset, for scale.

A fresh 1366 × 768 panel each run (offscreen unless QT_QPA_PLATFORM says otherwise);
about a third of the areas not significantly different (hatched); medians of the runs.

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_area_map.py [runs]
"""

from __future__ import annotations

import os
import statistics
import sys
import time


def run(runs: int = 5) -> list[dict[str, object]]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import numpy as np
    import polars as pl
    from PySide6.QtWidgets import QApplication

    from rehabdash.refdata import boundaries, lsoa_centroids, lsoa_lookup
    from rehabdash.refdata.boundaries import dissolve
    from rehabdash.ui.charts.area_map import AreaMap

    app = QApplication.instance() or QApplication(sys.argv[:1])
    lookup = lsoa_lookup(2021).filter(pl.col("icb_code") == "E54000054")
    codes = lookup["lsoa"].to_list()

    load = []
    for _ in range(runs):
        boundaries.cache_clear()
        started = time.perf_counter()
        lsoa = boundaries("lsoa", 2021).subset(codes)
        load.append(time.perf_counter() - started)
    lads = dissolve(
        lsoa,
        dict(zip(lookup["lsoa"], lookup["lad_code"], strict=True)),
        dict(zip(lookup["lad_code"], lookup["lad_name"], strict=True)),
    )
    icb = boundaries("icb").subset(["E54000054"])
    centres = lsoa_centroids(2021).filter(pl.col("lsoa").is_in(codes)).sort("lsoa")
    rng = np.random.default_rng(14)

    def values() -> pl.DataFrame:
        ratio = np.exp(
            0.5 * np.sin(centres["longitude"].to_numpy() * 6) + rng.normal(0, 0.2, len(centres))
        )
        half = rng.uniform(0.05, 0.4, len(centres))
        return pl.DataFrame(
            {
                "code": centres["lsoa"],
                "value": ratio,
                "lower": ratio * (1 - half),
                "upper": ratio * (1 + half),
            }
        ).with_columns(text=pl.format("{}: {}", "code", pl.col("value").round(2)))

    first, recolour, set_only = [], [], []
    for _ in range(runs):
        panel = AreaMap("West Yorkshire LSOAs")
        panel.resize(1366, 768)
        panel.show()
        app.processEvents()
        given = values()
        started = time.perf_counter()
        panel.set_areas(lsoa, [("Local authority", lads), ("ICB", icb)])
        panel.set_values(given)
        panel.grab()
        first.append(time.perf_counter() - started)
        again = values()
        started = time.perf_counter()
        panel.set_values(again)
        set_only.append(time.perf_counter() - started)
        panel.grab()
        recolour.append(time.perf_counter() - started)
        panel.close()
        panel.deleteLater()
        app.processEvents()

    def ms(times: list[float]) -> int:
        return round(statistics.median(times) * 1000)

    return [
        {
            "areas": len(lsoa),
            "vertices": len(lsoa.lon),
            "load_ms": ms(load),
            "first_frame_ms": ms(first),
            "recolour_ms": ms(recolour),
            "set_values_ms": ms(set_only),
        }
    ]


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    (row,) = run(runs)
    print(f"West Yorkshire: {row['areas']:,} LSOAs 2021, {row['vertices']:,} vertices")
    print(f"| step | median of {runs} (ms) | target (ms) |")
    print("|---|---:|---:|")
    print(f"| load the LSOA boundaries and subset (cold) | {row['load_ms']} | |")
    print(f"| first frame: set_areas + set_values + paint | {row['first_frame_ms']} | 300 |")
    print(f"| recolour: set_values + paint | {row['recolour_ms']} | 100 |")
    print(f"| recolour: set_values alone | {row['set_values_ms']} | |")


if __name__ == "__main__":
    main()
