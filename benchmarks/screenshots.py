"""Screenshots of every page for the README, as a user sees them (issue 11), and how long
each page took from being opened to drawn.

Run under a real X server of the screen's size, e.g.::

    xvfb-run -a -s "-screen 0 1366x768x24" .venv/bin/python benchmarks/screenshots.py
    xvfb-run -a -s "-screen 0 1920x1080x24" .venv/bin/python benchmarks/screenshots.py

It opens the main window maximised on ``--db`` (default: a fresh 200,000-referral demo
store in a temporary folder), visits each page of the registry in turn, waits until it
has drawn, and saves the window to ``resources/screenshots/<page>.png`` (at 1366 wide)
or ``<page>_<width>.png``. Settings go to a temporary folder, so nothing of the user's
is read or changed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def store_url(db: str | None, rows: int) -> str:
    """``db``, else a fresh demo store of ``rows`` referrals in a temporary folder; the
    settings go to a temporary folder either way, so nothing of the user's is touched."""
    home = tempfile.mkdtemp(prefix="rehabdash-shots-")
    os.environ["REHABDASH_HOME"] = home
    if db is not None:
        return db
    from rehabdash.demo import build_demo
    from rehabdash.store import open_store

    url = f"sqlite:///{home}/demo.db"
    build_demo(open_store(url), rows=rows)
    return url


def open_window(url: str) -> tuple[Any, Any, Callable[..., None]]:
    """The application, the main window maximised on ``url`` (loading), and
    ``wait(done, seconds)``: events processed until ``done()`` or the time is up."""
    from PySide6.QtWidgets import QApplication

    from rehabdash.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = MainWindow(url)
    window.setGeometry(window.screen().availableGeometry())  # Xvfb has no window manager
    window.show()
    window.load()

    def wait(done: Callable[[], object], seconds: float = 600) -> None:
        limit = time.monotonic() + seconds
        while not done() and time.monotonic() < limit:
            app.processEvents()
            time.sleep(0.01)

    wait(lambda: window.engine is not None and window.session.filter is not None)
    return app, window, wait


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="store URL (default: a fresh demo store)")
    parser.add_argument("--out", type=Path, default=ROOT / "resources" / "screenshots")
    parser.add_argument("--rows", type=int, default=200_000, help="demo referrals")
    parser.add_argument("--pages", nargs="*", help="page keys (default: every page)")
    args = parser.parse_args()
    url = store_url(args.db, args.rows)

    from rehabdash.ui.pages.plan_page import PlanPage
    from rehabdash.ui.pages.registry import PAGES

    app, window, wait = open_window(url)
    width = window.screen().size().width()
    suffix = "" if width == 1366 else f"_{width}"
    args.out.mkdir(parents=True, exist_ok=True)
    keys = [spec.key for spec in PAGES]
    drawn: dict[str, bool] = {}
    for key in keys:
        page = window.page_widgets[key]
        # A dashboard page, or the parts of a page that draw the plan (the Overview's).
        parts = [page] if isinstance(page, PlanPage) else getattr(page, "plan_parts", [])
        for part in parts:
            part.drawn_result.connect(lambda k=key: drawn.__setitem__(k, True))
        if not parts:
            drawn[key] = True  # drawn when the store opened
    for key in args.pages or keys:
        started = time.perf_counter()
        window.nav.setCurrentRow(keys.index(key))
        wait(lambda k=key: drawn.get(k, False))
        if key == "export":  # its preview comes after the plan, from a task of its own
            wait(lambda p=window.page_widgets[key]: getattr(p, "drawn", None) is not None)
        seconds = time.perf_counter() - started
        for _ in range(30):  # let the charts lay out and paint
            app.processEvents()
            time.sleep(0.01)
        path = args.out / f"{key}{suffix}.png"
        window.grab().save(str(path))
        sys.stdout.write(f"{key}: drawn in {seconds:.2f} s -> {path}\n")
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
