"""Screenshots of the Neighbourhoods page as a user goes through it (issue 14).

Run under a real X server of the screen's size::

    xvfb-run -a -s "-screen 0 1366x768x24" .venv/bin/python benchmarks/map_screenshots.py

On ``--db`` (default: a fresh 200,000-referral demo store, which holds the demo's
neighbourhood lookup and service sites) it opens the main window maximised, then saves
to ``--out`` (default ``resources/screenshots``):

* ``neighbourhoods_lsoa.png``: the map of LSOAs with the sites;
* ``neighbourhoods_areas.png``: the map of the ICB's own neighbourhoods;
* ``neighbourhoods_table.png``: the same as a table (the keyboard route);
* ``neighbourhoods_distance.png``: access by distance to the nearest site;
* ``neighbourhoods_drilled.png``: the Need page after a click on a neighbourhood;
* ``pcns.png``: the PCN table.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="store URL (default: a fresh demo store)")
    parser.add_argument("--out", type=Path, default=ROOT / "resources" / "screenshots")
    parser.add_argument("--rows", type=int, default=200_000, help="demo referrals")
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="rehabdash-maps-")
    os.environ["REHABDASH_HOME"] = home
    url = args.db
    if url is None:
        from rehabdash.demo import build_demo
        from rehabdash.store import open_store

        url = f"sqlite:///{home}/demo.db"
        build_demo(open_store(url), rows=args.rows)

    from PySide6.QtWidgets import QApplication

    from rehabdash.ui.main_window import MainWindow
    from rehabdash.ui.pages.neighbourhoods import NeighbourhoodsPage
    from rehabdash.ui.pages.plan_page import PlanPage
    from rehabdash.ui.pages.registry import PAGES

    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = MainWindow(url)
    window.setGeometry(window.screen().availableGeometry())  # Xvfb has no window manager
    window.show()
    window.load()
    args.out.mkdir(parents=True, exist_ok=True)

    def settle(done: object = None, seconds: float = 600) -> None:
        limit = time.monotonic() + seconds
        while done is not None and not done() and time.monotonic() < limit:  # type: ignore[operator]
            app.processEvents()
            time.sleep(0.01)
        for _ in range(40):  # let the charts lay out and paint
            app.processEvents()
            time.sleep(0.01)

    def shot(name: str) -> None:
        path = args.out / f"{name}.png"
        window.grab().save(str(path))
        sys.stdout.write(f"{name} -> {path}\n")

    settle(lambda: window.engine is not None and window.session.filter is not None)
    keys = [spec.key for spec in PAGES]
    page = window.page_widgets["neighbourhoods"]
    assert isinstance(page, NeighbourhoodsPage)
    window.nav.setCurrentRow(keys.index("neighbourhoods"))
    settle(lambda: page.drawn is not None)
    shot("neighbourhoods_lsoa")
    page.level_choice.setCurrentIndex(page.level_choice.findData("neighbourhood"))
    settle(lambda: page.drawn is not None and page.drawn.level == "neighbourhood")
    shot("neighbourhoods_areas")
    page.map.table_button.setChecked(True)
    settle()
    shot("neighbourhoods_table")
    page.map.table_button.setChecked(False)
    page.tabs.setCurrentIndex(1)
    settle()
    shot("neighbourhoods_distance")
    page.tabs.setCurrentIndex(0)
    assert page.drawn is not None
    first = page.drawn.table.sort("Observed ÷ expected")["code"][0]  # the least served
    page.map.select(str(first))  # as a click does
    need = window.page_widgets["need"]
    assert isinstance(need, PlanPage)
    window.nav.setCurrentRow(keys.index("need"))
    settle(lambda: need.result is not None and need.result.filter.area is not None)
    shot("neighbourhoods_drilled")
    window.nav.setCurrentRow(keys.index("pcns"))
    pcns = window.page_widgets["pcns"]
    assert isinstance(pcns, PlanPage)
    settle(lambda: pcns.result is not None)
    shot("pcns")
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
