"""Start the desktop app: QApplication, the main window, and the load of the store."""

from __future__ import annotations

import os
import sys

import pyqtgraph as pg
from PySide6.QtWidgets import QApplication

from rehabdash.ui.errors import install_excepthook
from rehabdash.ui.main_window import MainWindow

__all__ = ["run"]


def run(db_url: str, build_demo_if_empty: bool = False) -> int:
    """Open the window on the store at ``db_url``; returns the exit code.

    REHABDASH_EXIT_WHEN_READY=1 quits as soon as the overview shows data, printing
    "ready" (the start-up benchmark and smoke test use it).
    """
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("rehabdash")
    app.setOrganizationName("rehabdash")
    pg.setConfigOptions(antialias=True)
    window = MainWindow(db_url, build_demo_if_empty=build_demo_if_empty)
    install_excepthook(window)
    if os.environ.get("REHABDASH_EXIT_WHEN_READY") == "1":

        def ready() -> None:
            sys.stdout.write("ready\n")
            sys.stdout.flush()
            app.quit()

        window.overview.shown_with_data.connect(ready)
        window.runner.error.connect(lambda *_: app.exit(1))
    window.show()
    window.load()
    return int(app.exec())
