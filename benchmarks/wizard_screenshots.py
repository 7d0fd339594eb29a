"""Screenshots of the import wizard for the README, driven as an officer would (issue 13).

Run under a real X server of the screen's size::

    xvfb-run -a -s "-screen 0 1366x768x24" .venv/bin/python benchmarks/wizard_screenshots.py

It writes a provider's MSK report (title rows, long headers, a "Team" column of team type
labels, a "Closed" column the suggestion only asks about, a bad date of birth) to a
temporary folder, opens the main window maximised on a fresh store there, and saves the
mapping page, the preview and the result page to ``resources/screenshots/import_*.png``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _report(path: Path) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Leeds Community MSK Service: activity report"])
    sheet.append([])
    sheet.append(
        [
            "Local Patient Identifier (Extended)",
            "Service Request Identifier",
            "Organisation Code (Code of Provider)",
            "Referral Request Received Date",
            "Date of First Attended Contact",
            "Closed",
            "Team",
            "PT_DOB",
            "SEX_ORIENT",
            "Ethnicty",
            "LSOA of Residence",
            "Clinician",
        ]
    )
    teams = ("Physiotherapy", "Musculoskeletal", "Occupational therapy")
    for i in range(400):
        dob = "31/02/1950" if i == 7 else f"{1 + i % 28:02}/05/19{40 + i % 50}"
        sheet.append(
            [
                f"RIO{i:05}",
                f"SR{i}",
                "RY6",
                "01/03/2024",
                "08/03/2024",
                "01/05/2024",
                teams[i % 3],
                dob,
                str(1 + i % 4),
                "ABH"[i % 3],
                "E01011264",
                "Dr A Jones",
            ]
        )
    book.save(path)
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "resources" / "screenshots")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="rehabdash-wizard-"))
    os.environ["REHABDASH_HOME"] = str(home)
    report = _report(home / "MSK activity March 2024.xlsx")

    from PySide6.QtWidgets import QApplication

    from rehabdash.ui.import_wizard import PageId
    from rehabdash.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = MainWindow(f"sqlite:///{home / 'store.db'}")
    window.setGeometry(window.screen().availableGeometry())  # Xvfb has no window manager
    window.show()
    window.load()

    def wait(done: object, seconds: float = 120) -> None:
        limit = time.monotonic() + seconds
        while not done() and time.monotonic() < limit:  # type: ignore[operator]
            app.processEvents()
            time.sleep(0.01)

    def shot(name: str) -> None:
        for _ in range(30):
            app.processEvents()
            time.sleep(0.01)
        target = args.out / f"{name}.png"
        window.grab().save(str(target))
        print(f"wrote {target} ({window.width()}x{window.height()})")

    wait(lambda: window.engine is not None)
    window.welcome.import_requested.emit()  # "Start your ICB's store: import an extract"
    wait(lambda: window.import_page.isVisible())
    window.import_page.start_button.click()
    wizard = window.import_page.wizard
    wizard.currentPage().path.setText(str(report))

    def forward(expect: PageId) -> None:
        wait(lambda: wizard.currentPage().isComplete())
        wizard.next()
        wait(lambda: wizard.currentId() == expect)

    forward(PageId.SHEET)
    forward(PageId.MAPPING)
    wait(lambda: wizard.state.suggestion is not None)
    shot("import_mapping_checks")
    mapping = wizard.currentPage()
    mapping.table.set_field("discharge_date", "Closed")  # the officer answers the question
    mapping.leave_out.setChecked(True)
    mapping.save_as.setText("Leeds MSK monthly report")
    forward(PageId.PREVIEW)
    wait(lambda: wizard.currentPage().isComplete())
    wizard.currentPage().tabs.setCurrentIndex(1)  # the failing rows
    shot("import_preview")
    forward(PageId.RESULT)
    shot("import_result")
    return 0


if __name__ == "__main__":
    sys.exit(main())
