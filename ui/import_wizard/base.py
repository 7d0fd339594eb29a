"""What the import wizard's pages share: the state they fill, page ids, task failures.

Kept apart from wizard.py so that each page module can import it without a cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtWidgets import QWizardPage

from rehabdash.errors import StoreError
from rehabdash.ingest import ImportCancelled, ImportFileError
from rehabdash.ingest.excel_reader import EXCEL_SUFFIXES
from rehabdash.ui.errors import short_message

if TYPE_CHECKING:
    from rehabdash.ui.import_wizard.wizard import ImportWizard

__all__ = ["KINDS", "BasePage", "Failure", "ImportState", "PageId", "Work", "is_workbook"]

KINDS = {
    "activity": "Activity extract (referrals)",
    "population": "Population (ONS or GP-registered)",
    "imd": "Deprivation (English Indices of Deprivation)",
    "need": "Need weights (by age band and sex)",
    "postcodes": "Postcode directory (ONS: postcode to LSOA)",
    "areas": "Neighbourhoods (the ICB's LSOA to neighbourhood, locality or hub lookup)",
    "sites": "Service sites and hubs (by LSOA, postcode, latitude and longitude or grid reference)",
}
Work = Callable[[Callable[[float, str], None], Callable[[], bool]], Any]


def is_workbook(path: Path | None) -> bool:
    """True for a spreadsheet (by suffix, or by a zip or OLE signature whatever the suffix)."""
    if path is None:
        return False
    if path.suffix.lower() in EXCEL_SUFFIXES:
        return True
    try:
        with path.open("rb") as fh:
            head = fh.read(4)
    except OSError:
        return False
    return head in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")


class PageId(IntEnum):
    FILE = 0
    SHEET = 1
    MAPPING = 2
    PREVIEW = 3
    RUN = 4
    RESULT = 5


@dataclass
class Failure:
    """What a background task raised instead of returning."""

    error: BaseException

    @property
    def cancelled(self) -> bool:
        return isinstance(self.error, ImportCancelled)

    @property
    def message(self) -> str:
        """One plain sentence (file, row, column and reason where the error names them)."""
        if isinstance(self.error, ImportFileError | StoreError | ValueError | OSError):
            text = str(self.error).strip()
        else:
            text = short_message(self.error)
        return text if text.endswith((".", "!", "?")) else text + "."


@dataclass
class ImportState:
    """Everything the pages choose and compute, in the order the pages fill it."""

    engine: Any  # SQLAlchemy Engine of the open store
    kind: str = "activity"
    path: Path | None = None
    provider_code: str | None = None
    period: str | None = None
    sheet: str | None = None
    headers: list[str] = field(default_factory=list)
    samples: dict[str, str] = field(default_factory=dict)
    suggestion: Any = None  # MappingSuggestion for the file's headers
    saved: Any = None  # the stored ColumnMapping whose header signature matched
    mapping: Any = None  # the ColumnMapping chosen on the mapping page
    save_as: str = ""
    saved_now: Any = None  # the ColumnMapping saved with the import just made, if one was
    unsaved: str = ""  # why the mapping to save with that import could not be saved
    prepared: Any = None  # PreparedImport
    overlaps: dict[int, int] = field(default_factory=dict)  # live batch id -> rows repeated
    batch_names: dict[int, str] = field(default_factory=dict)
    replace: tuple[int, ...] = ()
    #: Replaced batch -> (its rows this file lacks, its rows), shown in the replace question.
    loss: dict[int, tuple[int, int]] = field(default_factory=dict)
    allow_loss: bool = False  # the officer said yes to a replace that leaves rows out
    result: Any = None  # ImportResult


class BasePage(QWizardPage):
    """A page with typed access to its wizard and the shared state."""

    @property
    def wiz(self) -> ImportWizard:
        return cast("ImportWizard", self.wizard())

    @property
    def state(self) -> ImportState:
        return self.wiz.state

    def cleanupPage(self) -> None:
        """Back: stop this page's task and drop its result (the page starts afresh)."""
        self.wiz.abandon()
