"""Small reusable widgets: the headline tile."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

__all__ = ["Tile"]


class Tile(QFrame):
    """A headline number with its title and a note saying what it counts."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tile")
        self._title = QLabel(title)
        self._title.setObjectName("tileTitle")
        self.value = QLabel("…")
        self.value.setObjectName("tileValue")
        self.note = QLabel("")
        self.note.setObjectName("tileNote")
        self.note.setWordWrap(True)
        layout = QVBoxLayout(self)
        for w in (self._title, self.value, self.note):
            layout.addWidget(w)
        self.setAccessibleName(title)

    def set(self, value: str, note: str = "") -> None:
        self.value.setText(value)
        self.note.setText(note)
        self.setAccessibleDescription(f"{value}. {note}")
