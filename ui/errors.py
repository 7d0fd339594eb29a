"""The one error reporter: full detail to the log file, a short message to the user."""

from __future__ import annotations

import logging
import sys
from types import TracebackType

from PySide6.QtWidgets import QMessageBox, QWidget

from rehabdash.errors import StoreError

__all__ = ["install_excepthook", "report", "short_message", "what_failed"]

log = logging.getLogger("rehabdash")


#: What a task of each kind was doing, for "<what failed>: <why>" (prefixes match too).
TASK_FAILURES: dict[str, str] = {
    "open": "Could not open the store",
    "snapshot": "Could not read the saved overview",
    "overview": "Could not compute the overview",
    "overview_findings": "Could not work out the overview's headlines and findings",
    "filter-options": "Could not read what the filters can offer",
    "import-page.history": "Could not read the import history",
    "import-page.batch": "Could not read the batch",
    "import-page.withdraw": "Could not withdraw the batch",
    "import-page.reinstate": "Could not reinstate the batch",
    "import-wizard.header": "Could not read the file's columns",
    "import-wizard.sheets": "Could not list the workbook's sheets",
    "import-wizard.import": "The import did not finish",
    "import-wizard.export": "Could not write the rejected rows",
    "import-wizard.": "The import wizard's step did not finish",
}


def what_failed(kind: str) -> str:
    """The words for a failed task of ``kind``: its own, else its family's."""
    if kind in TASK_FAILURES:
        return TASK_FAILURES[kind]
    family = max((k for k in TASK_FAILURES if k.endswith(".") and kind.startswith(k)), key=len,
                 default=None)  # fmt: skip
    return TASK_FAILURES[family] if family else f"The task '{kind}' did not finish"


def short_message(exc: object) -> str:
    if isinstance(exc, StoreError | ValueError):
        return str(exc)
    return f"Something went wrong ({type(exc).__name__}). Details are in the log file."


def report(parent: QWidget | None, exc: object, title: str = "rehabdash", what: str = "") -> None:
    """Log ``exc`` with its traceback and show a one-paragraph message (never a
    traceback), led by ``what`` failed when given."""
    if isinstance(exc, BaseException):
        log.error("%s", exc, exc_info=(type(exc), exc, exc.__traceback__))
    message = short_message(exc)
    QMessageBox.warning(parent, title, f"{what}: {message}" if what else message)


def install_excepthook(parent: QWidget | None) -> None:
    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        log.error("unexpected error", exc_info=(kind, exc, tb))
        QMessageBox.warning(parent, "rehabdash", short_message(exc))

    sys.excepthook = hook
