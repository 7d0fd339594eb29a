"""Malformed CSV and XLSX: prepare_activity returns or raises ImportFileError, nothing else."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ingest_helpers import HEADER, KEY, TODAY, row
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from rehabdash.ingest import ImportFileError, prepare_activity
from rehabdash.ingest.prepared import PreparedImport

_CELL = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "X",
            "9",
            "Total",
            "01/03/2024",
            "45352",
            "-1",
            "E01000001",
            '"',
            "a;b",
            "\t",
            "ÿ",
            "\x00",
            "1e309",
            "99/99/9999",
            "01-Mar-24",
            "NaN",
        ]
    ),
    st.text(max_size=12),
)
_SETTINGS = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _check(path: Path) -> None:
    try:
        result = prepare_activity(path, key=KEY, today=TODAY)
    except ImportFileError as exc:
        message = str(exc)
    else:
        message = ""
    if message:
        assert path.name in message
        return
    assert isinstance(result, PreparedImport)
    assert result.rows_accepted + result.rows_rejected <= result.rows_read


@_SETTINGS
@given(data=st.binary(max_size=400))
def test_random_bytes_as_csv(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "random.csv"
        path.write_bytes(data)
        _check(path)


@_SETTINGS
@given(
    cells=st.lists(st.lists(_CELL, min_size=0, max_size=14), min_size=0, max_size=8),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]),
    keep_header=st.booleans(),
)
def test_mangled_extracts_as_csv(
    cells: list[list[str]], delimiter: str, encoding: str, keep_header: bool
) -> None:
    lines = [delimiter.join(HEADER)] if keep_header else []
    lines += [delimiter.join(row())] + [delimiter.join(r) for r in cells]
    data = "\n".join(lines).encode(encoding, errors="replace")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "mangled.csv"
        path.write_bytes(data)
        _check(path)


@_SETTINGS
@given(
    cells=st.lists(st.lists(_CELL, max_size=12), max_size=6),
    cut=st.integers(0, 4000),
    keep_header=st.booleans(),
)
def test_mangled_and_truncated_xlsx(cells: list[list[str]], cut: int, keep_header: bool) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    if keep_header:
        sheet.append(HEADER)
    for values in cells:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) for v in values])
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    with tempfile.TemporaryDirectory() as folder:
        whole = Path(folder) / "book.xlsx"
        whole.write_bytes(data)
        _check(whole)
        truncated = Path(folder) / "cut.xlsx"
        truncated.write_bytes(data[: max(1, len(data) - cut)])
        _check(truncated)


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "archive.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    _check(path)
