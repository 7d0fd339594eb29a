"""The import wizard (issue 8): file → sheet → mapping → preview → import → result.

Names are loaded on first use: the main window imports the Import page (and through it
ui.frame_model) at start-up, before polars and the import pipeline are needed.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rehabdash.ui.import_wizard.base import ImportState, PageId
    from rehabdash.ui.import_wizard.wizard import ImportWizard

__all__ = ["ImportState", "ImportWizard", "PageId"]

_HOME = {"ImportState": "base", "PageId": "base", "ImportWizard": "wizard"}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        module = importlib.import_module(f"rehabdash.ui.import_wizard.{_HOME[name]}")
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
