"""Wizard page 6: the batch that was written, its counts and notes, and where to go next.

Nothing on it may widen the window: notes quote file names and columns that do not wrap,
so they sit in a scrolling read-only box, and the labels give up their width (issue 13:
the page once pushed Finish off a 1366-pixel screen).
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
)

from rehabdash.ui.import_wizard.base import BasePage
from rehabdash.ui.import_wizard.prepare import rules_note


def _narrow(label: QLabel) -> QLabel:
    """A wrapping label whose text never sets the window's minimum width."""
    label.setWordWrap(True)
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    return label


__all__ = ["ResultPage"]


class ResultPage(BasePage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Import finished")
        self.setSubTitle("The batch is committed: the dashboards count its rows from now on.")
        self.setFinalPage(True)
        self.headline = _narrow(QLabel(""))
        self.headline.setObjectName("pageTitle")
        self.headline.setAccessibleName("Import result")
        self.values: dict[str, QLabel] = {}
        form = QFormLayout()
        for key, label in (
            ("batch", "Batch"),
            ("read", "Rows read"),
            ("imported", "Rows imported"),
            ("rejected", "Rows rejected"),
            ("why", "Why rejected"),
            ("superseded", "Replaced batches"),
        ):
            value = _narrow(QLabel(""))
            value.setAccessibleName(label)
            self.values[key] = value
            form.addRow(f"{label}:", value)
        self.notes = QPlainTextEdit()
        self.notes.setReadOnly(True)
        self.notes.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.notes.setWordWrapMode(self.notes.wordWrapMode().WrapAtWordBoundaryOrAnywhere)
        self.notes.setMaximumHeight(160)
        self.notes.setAccessibleName("Notes on the import")
        self.notes.setTabChangesFocus(True)
        self.overview_button = QPushButton("Go to the &Overview")
        self.overview_button.setAccessibleName("Go to the Overview (refreshed)")
        self.overview_button.clicked.connect(self._overview)
        self.batch_button = QPushButton("Show the batch in the &import history")
        self.batch_button.setAccessibleName("Show this batch in the import history")
        self.batch_button.clicked.connect(self._show_batch)
        buttons = QHBoxLayout()
        buttons.addWidget(self.overview_button)
        buttons.addWidget(self.batch_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        layout.addLayout(form)
        layout.addWidget(self.notes)
        layout.addLayout(buttons)
        layout.addStretch(1)

    def initializePage(self) -> None:
        r = self.state.result
        if r is None:
            return
        self.headline.setText(f"{r.source_name} is in the store as batch {r.batch_id}")
        self.values["batch"].setText(f"{r.batch_id} ({r.kind})")
        self.values["read"].setText(f"{r.rows_read:,}")
        self.values["imported"].setText(f"{r.rows_accepted:,}")
        self.values["rejected"].setText(f"{r.rows_rejected:,}")
        counts = r.rule_counts.filter(r.rule_counts["severity"] == "rejected")
        why = ", ".join(f"{rule} {n:,}" for rule, n in counts.select("rule", "count").iter_rows())
        note = rules_note(r.rule_counts, r.rows_rejected)
        self.values["why"].setText((why or "—") + (f". {note}" if note else ""))
        superseded = ", ".join(str(b) for b in r.superseded)
        self.values["superseded"].setText(
            f"{superseded} (kept for audit, no longer counted)" if superseded else "none"
        )
        notes = list(r.notes)
        saved = self.state.saved_now
        if saved is not None:
            notes.insert(0, f"saved the mapping as “{saved.name}” (version {saved.version})")
        if self.state.unsaved:
            notes.insert(0, self.state.unsaved)
        self.notes.setPlainText("\n".join(f"• {n}" for n in notes))
        self.overview_button.setFocus()

    def _overview(self) -> None:
        self.wiz.overview_requested.emit()
        self.wiz.accept()

    def _show_batch(self) -> None:
        if self.state.result is not None:
            self.wiz.show_batch.emit(int(self.state.result.batch_id))
        self.wiz.accept()
