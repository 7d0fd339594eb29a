"""The dashboard on a large demo store (issue 11): a filter change to the page's charts
redrawn, warm (target ≤ 300 ms), and the GUI thread's longest stall meanwhile (≤ 50 ms).

The real main window (offscreen unless QT_QPA_PLATFORM says otherwise) opens the store,
and each dashboard page of the registry is visited once (its first draw: the pull and
the plan's first scope). Then, page by page, the provider filter is changed as a user
picks it from the bar, and the time from the pick to the page's ``drawn_result`` is
taken:

* **new filter:** a provider not chosen before (the referrals are already in memory:
  the plan narrows the kept scope and computes the page's sections);
* **revisited filter:** a filter the page has drawn before (kept by the engine).

A 10 ms timer on the GUI thread records the longest gap between its ticks over all of
it; picks are 200 ms apart (a user's pace), so each draw and its paint are measured on
their own. Medians over the providers of the store. Start-up to the Overview is measured by
``bench_startup.py --db`` on the same store.

Run: .venv/bin/python benchmarks/bench_dashboard.py [--db URL | --rows N --keep DIR]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path


def _store(args: argparse.Namespace) -> str:
    if args.db:
        return str(args.db)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="rehabdash-dash-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"demo-{args.rows}.db"
    if not path.exists():
        from rehabdash.demo import build_demo
        from rehabdash.store import open_store

        sys.stderr.write(f"building a {args.rows:,}-referral demo store in {path}...\n")
        build_demo(open_store(f"sqlite:///{path}"), rows=args.rows)
    return f"sqlite:///{path}"


def run(url: str, providers: int = 4) -> list[dict[str, object]]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["REHABDASH_HOME"] = tempfile.mkdtemp(prefix="rehabdash-dash-home-")
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from rehabdash.ui.main_window import MainWindow
    from rehabdash.ui.pages.plan_page import PlanPage
    from rehabdash.ui.pages.registry import PAGES

    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = MainWindow(url)
    window.resize(1366, 700)
    window.show()
    clock = QElapsedTimer()
    clock.start()
    beat = {"last": 0, "longest": 0}

    def tick() -> None:
        now = clock.elapsed()
        beat["longest"] = max(beat["longest"], now - beat["last"])
        beat["last"] = now

    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(tick)

    def wait(done: object, seconds: float = 900) -> None:
        limit = time.monotonic() + seconds
        while not done() and time.monotonic() < limit:  # type: ignore[operator]
            app.processEvents()
            time.sleep(0.001)
        if not done():  # type: ignore[operator]
            raise RuntimeError("the window did not finish in time")

    window.load()
    wait(lambda: window.session.filter is not None and window.filter_bar.options.providers)
    keys = [spec.key for spec in PAGES]
    pages = [k for k in keys if isinstance(window.page_widgets[k], PlanPage)]
    offered = window.filter_bar.options.providers[:providers]
    combo = window.filter_bar.combos["provider"]
    drawn: dict[str, list[float]] = {key: [] for key in pages}
    for key in pages:
        page = window.page_widgets[key]
        assert isinstance(page, PlanPage)
        page.drawn_result.connect(lambda k=key: drawn[k].append(time.perf_counter()))

    def settle(seconds: float = 0.2) -> None:
        """Let the window paint and idle between picks, at a user's pace."""
        limit = time.monotonic() + seconds
        while time.monotonic() < limit:
            app.processEvents()
            time.sleep(0.001)

    def pick(key: str, value: str) -> float:
        settle()
        count = len(drawn[key])
        started = time.perf_counter()
        combo.setCurrentIndex(combo.findData(value))
        combo.activated.emit(combo.currentIndex())  # as a user's pick
        wait(lambda: len(drawn[key]) > count)
        return drawn[key][-1] - started

    results: list[dict[str, object]] = []
    for key in pages:
        started = time.perf_counter()
        window.nav.setCurrentRow(keys.index(key))
        wait(lambda k=key: bool(drawn[k]))
        first = drawn[key][-1] - started
        beat["last"], beat["longest"] = clock.elapsed(), 0
        timer.start()
        new = [pick(key, code) for code in offered]
        again = [pick(key, code) for code in offered]
        pick(key, "")  # back to every provider for the next page
        timer.stop()
        results.append(
            {
                "page": key,
                "first_draw_s": round(first, 2),
                "new_filter_ms": round(statistics.median(new) * 1000),
                "revisited_ms": round(statistics.median(again) * 1000),
                "longest_stall_ms": beat["longest"],
            }
        )
    window.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="store URL (default: a demo store of --rows)")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="build or reuse the demo store in DIR")
    parser.add_argument("--providers", type=int, default=4)
    args = parser.parse_args()
    rows = run(_store(args), args.providers)
    print(
        "| page | first draw (s) | new filter, redrawn (ms) | revisited filter (ms) "
        "| longest GUI stall during the changes (ms) |"
    )
    print("|---|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['page']} | {r['first_draw_s']} | {r['new_filter_ms']} | "
            f"{r['revisited_ms']} | {r['longest_stall_ms']} |"
        )


if __name__ == "__main__":
    main()
