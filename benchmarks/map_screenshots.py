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
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from screenshots import ROOT, open_window, store_url


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="store URL (default: a fresh demo store)")
    parser.add_argument("--out", type=Path, default=ROOT / "resources" / "screenshots")
    parser.add_argument("--rows", type=int, default=200_000, help="demo referrals")
    args = parser.parse_args()
    app, window, wait = open_window(store_url(args.db, args.rows))

    from rehabdash.ui.pages.neighbourhoods import NeighbourhoodsPage
    from rehabdash.ui.pages.plan_page import PlanPage
    from rehabdash.ui.pages.registry import PAGES

    args.out.mkdir(parents=True, exist_ok=True)

    def settle(done: Callable[[], object] = lambda: True) -> None:
        wait(done)
        for _ in range(40):  # let the charts lay out and paint
            app.processEvents()
            time.sleep(0.01)

    def shot(name: str) -> None:
        path = args.out / f"{name}.png"
        window.grab().save(str(path))
        sys.stdout.write(f"{name} -> {path}\n")

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
