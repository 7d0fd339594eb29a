"""Asking before a batch is withdrawn or reinstated (issue 11 item 5; the Import page).

The withdraw dialog says what will leave analysis (the file, its rows, the dates it
covers, its reporting period, any batch it had replaced) and asks why; the reason is
required and is kept in the audit trail, so it warns against writing a patient
identifier (the store masks anything shaped like one). Reinstating asks a plain yes/no.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from rehabdash.store.withdrawal import BatchSummary

__all__ = ["WithdrawDialog", "ask_withdraw_reason", "confirm_reinstate", "excluded_lines"]

#: As rehabdash.store.withdrawal.REASON_LIMIT (not imported: that loads SQLAlchemy).
REASON_LIMIT = 300


def excluded_lines(summary: BatchSummary) -> list[tuple[str, str]]:
    """(label, value) of what withdrawing ``summary``'s batch takes out of analysis."""
    activity = summary.kind == "activity"
    lines = [
        ("File", summary.source_name),
        ("Rows", f"{summary.rows:,} {'referrals' if activity else summary.kind + ' rows'}"),
    ]
    if activity:
        first, last = summary.first_date, summary.last_date
        dates = f"{first:%d/%m/%Y} to {last:%d/%m/%Y}" if first and last else "none held"
        lines.append(("Referral dates", dates))
    lines += [
        ("Reporting period", summary.period or "not recorded"),
        ("Provider", summary.provider_code or "as in the file"),
    ]
    if summary.replaced:
        ids = ", ".join(str(i) for i in summary.replaced)
        lines.append(("Replaced", f"batch {ids}: stays superseded, so not counted either"))
    return lines


class WithdrawDialog(QDialog):
    """Shows what withdrawing ``summary``'s batch excludes; asks for the reason."""

    def __init__(self, summary: BatchSummary, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Withdraw batch {summary.batch_id}?")
        intro = QLabel(
            "Withdrawing takes this batch out of every figure, page and export. Its rows "
            "stay in the store for audit, and it can be reinstated later."
        )
        intro.setWordWrap(True)
        form = QFormLayout()
        self.values: dict[str, QLabel] = {}
        for label, value in excluded_lines(summary):
            shown = QLabel(value)
            shown.setWordWrap(True)
            shown.setAccessibleName(f"{label}: {value}")
            form.addRow(f"{label}:", shown)
            self.values[label] = shown
        self.reason = QLineEdit()
        self.reason.setMaxLength(REASON_LIMIT)
        self.reason.setPlaceholderText("for example: the wrong provider's extract")
        self.reason.setAccessibleName("Reason for withdrawing (required, kept in the audit trail)")
        caption = QLabel("&Reason:")
        caption.setBuddy(self.reason)
        form.addRow(caption, self.reason)
        warning = QLabel(
            "The reason is kept with the batch: do not write a patient identifier (anything "
            "like an NHS number, date or postcode is masked)."
        )
        warning.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok: QPushButton = self.buttons.addButton(
            "&Withdraw batch", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.ok.setAccessibleName(f"Withdraw batch {summary.batch_id}")
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAutoDefault(False)  # Enter never cancels: Escape does
        self.ok.setAutoDefault(False)
        self.reason.textChanged.connect(self._reason_changed)
        self._reason_changed("")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(warning)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(520)
        self.reason.setFocus()

    def _reason_changed(self, text: str) -> None:
        """Withdraw only with a reason; then Enter withdraws."""
        given = bool(text.strip())
        self.ok.setEnabled(given)
        self.ok.setDefault(given)


def ask_withdraw_reason(parent: QWidget | None, summary: BatchSummary) -> str | None:
    """The reason given in a :class:`WithdrawDialog`, or None if it was cancelled."""
    dialog = WithdrawDialog(summary, parent)
    accepted = dialog.exec() == QDialog.DialogCode.Accepted
    reason = dialog.reason.text().strip()
    dialog.deleteLater()
    return reason if accepted and reason else None


def confirm_reinstate(parent: QWidget | None, summary: BatchSummary) -> bool:
    """Whether to reinstate ``summary``'s batch (counted again from now)."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(f"Reinstate batch {summary.batch_id}?")
    box.setText(f"Reinstate {summary.what}?")
    box.setInformativeText(
        f"It is {summary.status_text}. Reinstated, its rows are counted again by every "
        "figure, page and export. The store refuses if live batches already hold the same "
        "file or rows."
    )
    yes = box.addButton("&Reinstate", QMessageBox.ButtonRole.AcceptRole)
    no = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(no)
    box.setEscapeButton(no)
    box.exec()
    chosen = box.clickedButton() == yes
    box.deleteLater()
    return chosen
