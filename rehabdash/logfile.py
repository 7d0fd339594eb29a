"""One log file for the CLI and the window: full detail there, one plain line for the user."""

from __future__ import annotations

import logging
from pathlib import Path

from rehabdash.paths import data_dir

__all__ = ["install_file_logging"]


def install_file_logging() -> Path | None:
    """Send INFO and above to <data dir>/logs/rehabdash.log; None if it cannot be written."""
    folder = data_dir() / "logs"
    path = folder / "rehabdash.log"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return path
