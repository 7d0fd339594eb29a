"""LibreOffice (headless, from Debian) opens the workbook and converts it to PDF without
error: another spreadsheet program than the one it was written for (issue 12).

`.ci/setup --tests` installs libreoffice-calc-nogui; without it this test fails rather
than skips, unless REHABDASH_NO_LIBREOFFICE is set (then it says so)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from workbook_built import Built


def _soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        if os.environ.get("REHABDASH_NO_LIBREOFFICE"):
            pytest.skip("REHABDASH_NO_LIBREOFFICE is set: LibreOffice not installed here")
        pytest.fail("LibreOffice is not installed: run .ci/setup --tests")
    return found


def test_libreoffice_converts_the_workbook_to_pdf(built: Built, tmp_path: Path) -> None:
    soffice = _soffice()
    workbook = built.workbook("hes")
    profile = tmp_path / "profile"  # its own profile: no clash with another LibreOffice
    done = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(workbook),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    pdf = tmp_path / (workbook.stem + ".pdf")
    assert pdf.exists(), done.stdout + done.stderr
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    assert pages > 20  # cover, contents, notes, every table and the chart sheets
