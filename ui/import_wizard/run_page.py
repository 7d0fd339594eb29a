"""Wizard page 5: write the prepared rows in one transaction, with progress and Cancel.

A cancel or a failure rolls the whole import back (the store's promise, DESIGN 12); the
page says so, and Back returns to the preview. On success the wizard moves on by itself.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWizard

from rehabdash.ui.import_wizard.base import BasePage, Failure, PageId
from rehabdash.ui.import_wizard.task_status import TaskStatus

__all__ = ["RunPage"]

log = logging.getLogger(__name__)


class RunPage(BasePage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Importing")
        self.setSubTitle("The rows are written in one transaction: all of them, or none.")
        self.status = TaskStatus("Importing")
        self.status.cancel_requested.connect(lambda: self.wiz.cancel("import"))
        self.detail = QLabel("")
        self.detail.setWordWrap(True)
        self.detail.setAccessibleName("What is being imported")
        layout = QVBoxLayout(self)
        layout.addWidget(self.detail)
        layout.addWidget(self.status)
        layout.addStretch(1)

    def initializePage(self) -> None:
        s = self.state
        prepared = s.prepared
        assert prepared is not None
        s.result, s.saved_now, s.unsaved = None, None, ""
        engine, provider, period, replace = s.engine, s.provider_code, s.period, s.replace
        allow_loss = s.allow_loss
        mapping, save_as = s.mapping, s.save_as
        parts = [f"{prepared.rows_accepted:,} rows from {prepared.source_name}"]
        if replace:
            parts.append("replacing batch " + ", ".join(str(b) for b in replace))
        self.detail.setText("Importing " + "; ".join(parts) + ".")
        self.status.start("Starting the import…")

        def work(report: Any, cancelled: Any) -> Any:
            from sqlalchemy.exc import SQLAlchemyError

            from rehabdash.errors import StoreError
            from rehabdash.ingest import import_prepared
            from rehabdash.ingest.scrub import scrub
            from rehabdash.ui.import_wizard.prepare import save_with_import

            result = import_prepared(
                engine,
                prepared,
                provider_code=provider,
                period=period,
                replace=replace,
                allow_loss=allow_loss,
                progress=report,
                cancel=cancelled,
            )
            # Saved with the import, never before it: a mapping nothing used is not kept.
            # The batch is committed by now, so a failure here must not read as the
            # import's: it is said on its own.
            saved, unsaved = None, ""
            if mapping and save_as:
                try:
                    saved = save_with_import(engine, mapping, save_as)
                except (StoreError, ValueError, SQLAlchemyError) as exc:  # the import stands
                    log.warning("saving mapping %r failed: %s", save_as, scrub(str(exc)))
                    unsaved = f" The mapping could not be saved as “{save_as}”: {scrub(str(exc))}"
            return result, saved, unsaved

        self.wiz.start("import", work, self._finished, self.status.progress)
        QTimer.singleShot(0, self, self._lock_back)

    def _lock_back(self) -> None:
        back = self.wiz.button(QWizard.WizardButton.BackButton)
        back.setEnabled(not self.status.busy)

    def _finished(self, result: Any) -> None:
        if isinstance(result, Failure):
            if result.cancelled:
                text = "Import cancelled. Nothing was written to the store."
            else:
                text = f"The import did not happen: {result.message} Nothing was written."
            self.status.done(text + " Press Back to return to the preview.", error=True)
            self.completeChanged.emit()
            return
        result, saved, unsaved = result
        self.state.result, self.state.unsaved = result, unsaved.strip()
        said = f"Imported as batch {result.batch_id}."
        if saved is not None:
            self.state.saved, self.state.mapping, self.state.save_as = saved, saved, ""
            self.state.saved_now = saved
            said += f" Saved the mapping as “{saved.name}” (version {saved.version})."
        self.status.done(said + unsaved, error=bool(unsaved))
        self.completeChanged.emit()
        QTimer.singleShot(0, self, self._advance)

    def _advance(self) -> None:
        if self.wiz.currentId() == PageId.RUN and self.state.result is not None:
            self.wiz.next()

    def isComplete(self) -> bool:
        return self.state.result is not None

    def nextId(self) -> int:
        return PageId.RESULT
