"""Run the benchmarks and print their results as Markdown tables (for the README).

Usage: .venv/bin/python benchmarks/run.py [NAME ...]   (default: all; names: startup, demo,
stats, import, prepare, overlap, distance, map). Each benchmark module exposes
``run() -> list[dict]``; the machines are noisy 2-core boxes, so every figure is a median of
several runs, and each is compared with a baseline measured in the same run.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

BENCHMARKS = {
    "startup": "bench_startup",
    "demo": "bench_demo",
    "stats": "bench_stats",
    "import": "bench_import",
    "prepare": "bench_prepare",
    "overlap": "bench_overlap",
    "distance": "bench_distance",
    "map": "bench_area_map",
}


def _table(rows: list[dict[str, object]]) -> str:
    if not rows:
        return "(no results)"
    keys = list(rows[0])
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    for row in rows:
        cells = [f"{v:.3g}" if isinstance(v, float) else str(v) for v in row.values()]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(names: list[str]) -> None:
    for name in names or list(BENCHMARKS):
        try:
            module = importlib.import_module(BENCHMARKS[name])
        except ModuleNotFoundError as exc:
            print(f"## {name}: not available ({exc})\n")
            continue
        if not hasattr(module, "run"):
            print(f"## {name}: run it directly (python benchmarks/{BENCHMARKS[name]}.py)\n")
            continue
        print(f"## {name}\n\n{_table(module.run())}\n", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
