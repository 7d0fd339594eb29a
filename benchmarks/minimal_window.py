"""The baseline for start-up: the least a PySide6 + pyqtgraph app can do to show a chart.

Prints "ready" once the window is shown and the event loop has run, then quits.
"""

import sys

import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow


def main() -> int:
    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    plot = pg.PlotWidget()
    plot.addItem(pg.BarGraphItem(x=list(range(12)), height=list(range(12)), width=0.6))
    window.setCentralWidget(plot)
    window.resize(1200, 760)
    window.show()

    def ready() -> None:
        sys.stdout.write("ready\n")
        sys.stdout.flush()
        app.quit()

    QTimer.singleShot(0, ready)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
