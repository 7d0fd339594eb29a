"""Malformed files through import_file: a clean import or a clear error, never a partial commit."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from commit_helpers import TODAY, counts
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy.engine import Engine

from rehabdash.errors import StoreError
from rehabdash.ingest import ImportFileError, import_file
from rehabdash.store import open_store

HEADER = ["Patient ID", "NHS Number", "Referral ID", "Provider", "Referral Date", "DOB", "LSOA"]
GOOD = ["P1", "943 476 5919", "R1", "RY1", "01/03/2024", "12/05/1950", "E01011229"]
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
            "R1",
            "RY1",
            "P1",
        ]
    ),
    st.text(max_size=10),
)
_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def fuzz_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = open_store(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'store.db'}")
    yield engine
    engine.dispose()


def _check(engine: Engine, path: Path, kind: str = "activity") -> None:
    before = counts(engine)
    message = None
    try:
        result = import_file(engine, path, kind, today=TODAY)
    except (ImportFileError, StoreError) as exc:
        message = str(exc)
    if message is not None:
        assert message.strip()
        assert "\n" not in message  # one line for the user
        assert counts(engine) == before  # nothing partial
        return
    after = counts(engine)
    table = {"activity": "referral", "population": "population", "need": "need_weight"}[kind]
    assert after[table] - before[table] == result.rows_accepted > 0
    assert result.rows_accepted + result.rows_rejected <= result.rows_read or kind != "activity"
    assert after["row_issue"] >= before["row_issue"]


@_SETTINGS
@given(data=st.binary(max_size=300), kind=st.sampled_from(["activity", "population", "need"]))
def test_random_bytes(fuzz_engine: Engine, data: bytes, kind: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "random.csv"
        path.write_bytes(data)
        _check(fuzz_engine, path, kind)


@_SETTINGS
@given(
    cells=st.lists(st.lists(_CELL, max_size=9), max_size=8),
    delimiter=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]),
)
def test_mangled_csv(
    fuzz_engine: Engine, cells: list[list[str]], delimiter: str, encoding: str
) -> None:
    lines = [delimiter.join(HEADER), delimiter.join(GOOD)] + [delimiter.join(r) for r in cells]
    data = "\n".join(lines).encode(encoding, errors="replace")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "mangled.csv"
        path.write_bytes(data)
        _check(fuzz_engine, path)


@_SETTINGS
@given(cells=st.lists(st.lists(_CELL, max_size=9), max_size=6), cut=st.integers(0, 3000))
def test_mangled_and_truncated_xlsx(fuzz_engine: Engine, cells: list[list[str]], cut: int) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    sheet.append(GOOD)
    for values in cells:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) for v in values])
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    if cut:
        data = data[: max(1, len(data) - cut)]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "mangled.xlsx"
        path.write_bytes(data)
        _check(fuzz_engine, path)
