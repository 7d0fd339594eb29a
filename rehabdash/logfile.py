"""One log file for the CLI and the window: full detail there, one plain line for the user.

The log can name files and stores, so it is readable by the user only (DESIGN 12).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from rehabdash.paths import data_dir, make_private_dir, restrict_to_user

__all__ = ["install_file_logging"]


def install_file_logging() -> Path | None:
    """Send INFO and above to <data dir>/logs/rehabdash.log; None if it cannot be written."""
    folder = data_dir() / "logs"
    path = folder / "rehabdash.log"
    try:
        make_private_dir(folder)
        # Created 0600 before logging opens it (FileHandler would use the umask), and
        # tightened if an older version left it readable by others.
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
        restrict_to_user(path)
        handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return path
