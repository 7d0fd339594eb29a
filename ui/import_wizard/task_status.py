"""The wizard's progress line: a message, a progress bar and a Cancel button (DESIGN 10).

Each page that waits on a background task shows one; errors appear here in plain
English rather than in a modal box, so the officer can read them beside the page.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from rehabdash.ui.theme import DARK_BLUE, DARK_PINK

__all__ = ["TaskStatus"]


class TaskStatus(QWidget):
    """Shows what a task is doing; emits ``cancel_requested`` when the user presses Cancel."""

    cancel_requested = Signal()

    def __init__(self, what: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setAccessibleName(f"{what} status")
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setAccessibleName(f"{what} progress")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAccessibleName(f"Cancel {what.lower()}")
        self.cancel_button.clicked.connect(self._cancel)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.bar, 1)
        row.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.message)
        layout.addLayout(row)
        self._busy = False
        self.done("")

    @property
    def busy(self) -> bool:
        return self._busy

    def start(self, message: str, cancellable: bool = True) -> None:
        self._busy = True
        self._show(message, DARK_BLUE)
        self.bar.setValue(0)
        self.bar.show()
        self.cancel_button.setVisible(cancellable)
        self.cancel_button.setEnabled(True)

    def progress(self, fraction: float, message: str) -> None:
        self.bar.setValue(int(max(0.0, min(1.0, fraction)) * 1000))
        if message:
            self.message.setText(message[:1].upper() + message[1:] + "…")

    def done(self, message: str, error: bool = False) -> None:
        self._busy = False
        self.bar.hide()
        self.cancel_button.hide()
        self._show(message, DARK_PINK if error else DARK_BLUE)

    def _show(self, message: str, colour: str) -> None:
        self.message.setText(message)
        self.message.setStyleSheet(f"color: {colour};")
        self.message.setVisible(bool(message))

    def _cancel(self) -> None:
        self.cancel_button.setEnabled(False)
        self.message.setText("Cancelling…")
        self.cancel_requested.emit()
