"""The one error reporter: full detail to the log file, a short message to the user."""

from __future__ import annotations

import logging
import sys
from types import TracebackType

from PySide6.QtWidgets import QMessageBox, QWidget

from rehabdash.errors import StoreError

__all__ = ["install_excepthook", "report", "short_message"]

log = logging.getLogger("rehabdash")


def short_message(exc: object) -> str:
    if isinstance(exc, StoreError | ValueError):
        return str(exc)
    return f"Something went wrong ({type(exc).__name__}). Details are in the log file."


def report(parent: QWidget | None, exc: object, title: str = "rehabdash") -> None:
    """Log ``exc`` with its traceback and show a one-paragraph message (never a traceback)."""
    if isinstance(exc, BaseException):
        log.error("%s", exc, exc_info=(type(exc), exc, exc.__traceback__))
    QMessageBox.warning(parent, title, short_message(exc))


def install_excepthook(parent: QWidget | None) -> None:
    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        log.error("unexpected error", exc_info=(kind, exc, tb))
        QMessageBox.warning(parent, "rehabdash", short_message(exc))

    sys.excepthook = hook
