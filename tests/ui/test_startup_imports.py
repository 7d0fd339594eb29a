"""The window is up before polars and SQLAlchemy load (they load on the worker, after the
first paint): importing the main window, with every page of the registry, loads neither.
(The start-up benchmark measures the time; this keeps the cause from creeping back.)"""

from __future__ import annotations

import subprocess
import sys


def test_the_window_imports_neither_polars_nor_sqlalchemy() -> None:
    code = (
        "import sys; import rehabdash.ui.main_window; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'polars', 'sqlalchemy', 'scipy'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
