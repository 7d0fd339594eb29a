"""Shared constants and builders for the ingest tests (files are built in tmp_path)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Sequence
from pathlib import Path

TODAY = dt.date(2024, 6, 30)
KEY = b"test-key-0123456789"
HEADER = [
    "Patient ID",
    "NHS Number",
    "Referral ID",
    "Provider",
    "Referral Date",
    "First Contact Date",
    "Discharge Date",
    "DOB",
    "Sex",
    "Ethnicity",
    "LSOA",
]
GOOD = [
    "P1",
    "943 476 5919",
    "R1",
    "RY1",
    "01/03/2024",
    "05/03/2024",
    "20/03/2024",
    "12/05/1950",
    "M",
    "White - British",
    "E01000001",
]

CsvMaker = Callable[..., Path]


def write_csv(
    path: Path,
    rows: Sequence[Sequence[str]],
    *,
    header: Sequence[str] = HEADER,
    delimiter: str = ",",
    encoding: str = "utf-8",
    preamble: Sequence[str] = (),
    footer: Sequence[str] = (),
) -> Path:
    buffer = io.StringIO()
    for line in preamble:
        buffer.write(line + "\n")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    for line in footer:
        buffer.write(line + "\n")
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def row(**changes: str) -> list[str]:
    """A valid row with some cells changed (keys are header names with _ for spaces)."""
    values = dict(zip(HEADER, GOOD, strict=True))
    for name, value in changes.items():
        values[name.replace("_", " ")] = value
    return [values[h] for h in HEADER]
