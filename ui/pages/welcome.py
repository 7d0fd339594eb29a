"""What an empty store opens on (issue 11 item 5): try the demo in its own store, or
start the ICB's own store by importing an extract. The demo is never loaded into the
user's store, so a real import is never mixed with synthetic referrals."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from rehabdash.paths import hide_password

__all__ = ["WelcomePage"]


class WelcomePage(QWidget):
    demo_requested = Signal()
    import_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = QLabel("Welcome to rehabdash")
        title.setObjectName("pageTitle")
        self.store = QLabel()
        self.store.setWordWrap(True)
        intro = QLabel(
            "rehabdash shows who is and isn't getting community rehabilitation in your ICB, "
            "against need: by deprivation, ethnicity, sex, age, disability, religion and "
            "sexual orientation, with how sure we can be of each difference."
        )
        intro.setWordWrap(True)
        self.demo = QPushButton("Open the demo (synthetic data)")
        self.demo.setAccessibleName(
            "Open the demo: a synthetic West Yorkshire ICB, in a store of its own"
        )
        self.demo.setMinimumHeight(44)
        demo_note = QLabel(
            "200,000 made-up referrals across a real ICB's areas, deprivation and "
            "population, kept in a store of its own: nothing you import is mixed with it."
        )
        demo_note.setWordWrap(True)
        self.start = QPushButton("Start your ICB's store: import an extract")
        self.start.setAccessibleName("Start your ICB's store by importing an activity extract")
        self.start.setMinimumHeight(44)
        start_note = QLabel(
            "Import a community rehab activity extract (CSV or Excel) from your clinical "
            "system or the CSDS; population and deprivation for England ship with rehabdash."
        )
        start_note.setWordWrap(True)
        self.demo.clicked.connect(self.demo_requested)
        self.start.clicked.connect(self.import_requested)

        column = QVBoxLayout()
        column.addWidget(title)
        column.addWidget(intro)
        column.addWidget(self.store)
        column.addSpacing(16)
        for button, note in ((self.start, start_note), (self.demo, demo_note)):
            column.addWidget(button)
            column.addWidget(note)
            column.addSpacing(12)
        column.addStretch(1)
        outer = QHBoxLayout(self)
        outer.addStretch(1)
        outer.addLayout(column, 3)
        outer.addStretch(1)
        outer.setAlignment(column, Qt.AlignmentFlag.AlignTop)

    def set_store(self, url: str) -> None:
        self.store.setText(f"Your store ({hide_password(url)}) holds no rehab activity yet.")
