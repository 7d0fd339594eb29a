"""Launch one dashboard page alone on a store (DESIGN 13), for development and smoke tests.

``python -m rehabdash.ui.pages.overview [--db URL]`` opens just that page; with no --db it
uses a demo store in a temporary folder. REHABDASH_EXIT_WHEN_READY=1 quits once the page
has data, printing "ready".
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget

__all__ = ["show_page"]


def show_page(
    make: Callable[[], QWidget], load: Callable[[Any], Any], show: Callable[[QWidget, Any], None]
) -> int:
    """Open the page made by ``make`` with the data ``load(engine)`` returns."""
    parser = argparse.ArgumentParser(description="Open one rehabdash page on a store.")
    parser.add_argument("--db", help="store URL (default: a fresh demo store)")
    args = parser.parse_args()
    from rehabdash.demo import build_demo
    from rehabdash.store import open_store

    url = args.db
    if url is None:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='rehabdash-page-')}/demo.db"
        build_demo(open_store(url), rows=20_000)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    page = make()
    page.resize(1100, 720)
    page.show()
    show(page, load(open_store(url)))
    if os.environ.get("REHABDASH_EXIT_WHEN_READY") == "1":
        sys.stdout.write("ready\n")
        sys.stdout.flush()
        QTimer.singleShot(0, app.quit)
    return int(app.exec())
