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


# Issue 9: hostile files (duplicated headers, oversized cells, control characters, mixed
# encodings) either import or fail with one line, and no input identifier reaches the store.
_PEOPLE = [
    ("PXQ7712345", "9434765919", "LS1 4AP", "12/05/1950"),
    ("PXQ7754321", "9434765870", "BD7 1DP", "03/11/1948"),
    ("PXQ7799999", "4010232137", "HX1 2TT", "27/08/1955"),
]
_HOSTILE = st.sampled_from(["\x00", "\x01", "\x1b", "\x7f", "x" * 1_500, "Café", "=1+1", '"'])


def _identifiers() -> list[bytes]:
    out = []
    for pid, nhs, postcode, dob in _PEOPLE:
        day, month, year = dob.split("/")
        for text in (pid, nhs, "943 476 5919", postcode, postcode.replace(" ", ""), dob):
            out += [text.encode(), text.encode("utf-16-le")]
        out.append(f"{year}-{month}-{day}".encode())
    return out


def _assert_no_identifier_stored(engine: Engine) -> None:
    from commit_helpers import store_text

    text = store_text(engine).encode()
    database = engine.url.database
    raw = b""
    if database:
        for suffix in ("", "-wal"):
            file = Path(database + suffix)
            raw += file.read_bytes() if file.exists() else b""
    for secret in _identifiers():
        assert secret not in text, secret
        assert secret not in raw, secret


@_SETTINGS
@given(
    duplicate=st.sampled_from([None, "Referral ID", "NHS Number", "Patient ID"]),
    hostile=st.lists(st.tuples(st.integers(0, 8), st.integers(0, 6), _HOSTILE), max_size=6),
    cp1252_rows=st.sets(st.integers(0, 8), max_size=4),
)
def test_hostile_files_store_no_identifier(
    fuzz_engine: Engine,
    duplicate: str | None,
    hostile: list[tuple[int, int, str]],
    cp1252_rows: set[int],
) -> None:
    header = [
        "Patient ID",
        "NHS Number",
        "Referral ID",
        "Provider",
        "Referral Date",
        "DOB",
        "Postcode",
    ]
    rows = []
    for i in range(9):
        pid, nhs, postcode, dob = _PEOPLE[i % 3]
        rows.append([pid, nhs, f"R{i}", "RY1", "01/03/2024", dob, postcode])
    for row, col, value in hostile:
        rows[row][col] = rows[row][col] + value
    if duplicate is not None:  # the copy holds NHS numbers, as in the file that leaked
        header.insert(0, duplicate)
        for i, row in enumerate(rows):
            row.insert(0, _PEOPLE[i % 3][1])
    lines = [",".join(header).encode()]
    for i, row in enumerate(rows):
        text = ",".join('"' + c.replace('"', '""') + '"' for c in row)
        lines.append(text.encode("cp1252", errors="replace") if i in cp1252_rows else text.encode())
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "hostile.csv"
        path.write_bytes(b"\n".join(lines) + b"\n")
        _check(fuzz_engine, path)
    _assert_no_identifier_stored(fuzz_engine)
