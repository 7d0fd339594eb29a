"""Every dashboard page opens alone on a demo store (DESIGN 13)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from rehabdash.ui.pages.registry import PAGES

KEYS = [spec.key for spec in PAGES]


@pytest.mark.parametrize("page", KEYS)
def test_page_opens_alone(page: str) -> None:
    env = {**os.environ, "REHABDASH_EXIT_WHEN_READY": "1", "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-m", f"rehabdash.ui.pages.{page}"],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ready"
    assert "Traceback" not in result.stderr
